"""Request slots for what opens a connection per request (v1 synthesis, recognition)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from .errors import QueueFullError, QueueTimeoutError


class RequestSlots:
    """At most ``size`` requests at once; a bounded, timed queue for the rest."""

    def __init__(self, size: int, queue_limit: int, queue_timeout: float) -> None:
        self._semaphore = asyncio.Semaphore(size)
        self._queue_limit = queue_limit
        self._queue_timeout = queue_timeout
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot."""
        return self._waiting

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block."""
        if self._semaphore.locked() and self._waiting >= self._queue_limit:
            raise QueueFullError(f"{self._waiting} requests are already waiting")
        self._waiting += 1
        try:
            async with asyncio.timeout(self._queue_timeout):
                await self._semaphore.acquire()
        except TimeoutError as err:
            raise QueueTimeoutError(
                f"No request slot became free within {self._queue_timeout:g} s"
            ) from err
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._semaphore.release()
