"""State shared by every connection of one running emulator, and per-connection facts.

Protocol handlers receive these instead of the ``Emulator`` itself, so a handler for
another protocol version only depends on this module, not on the server.
"""

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection

from .config import EmulatorConfig, Faults, ReceivedRequest
from .errors import ErrorCode, ServiceError


@dataclass(frozen=True, slots=True)
class Handshake:
    """What the client presented when it opened the connection."""

    path: str
    headers: dict[str, str]
    token: str
    """Token of the ``Authorization: Bearer; <token>`` header, empty when absent."""
    logid: str


@dataclass(slots=True)
class ServiceState:
    """Configuration, faults and bookkeeping shared by all connections."""

    config: EmulatorConfig
    faults: Faults = field(default_factory=Faults)
    requests: list[ReceivedRequest] = field(default_factory=list)
    connections: int = 0
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: Counter[str] = field(default_factory=Counter)
    request_added: asyncio.Event = field(default_factory=asyncio.Event)

    def record_request(self, request: ReceivedRequest) -> None:
        """Remember a request and wake tests waiting for it."""
        self.requests.append(request)
        self.request_added.set()

    async def wait_for_requests(self, count: int) -> None:
        """Return once at least ``count`` requests have been received."""
        while len(self.requests) < count:
            self.request_added.clear()
            await self.request_added.wait()

    @contextmanager
    def concurrency_slot(self, app_id: str) -> Iterator[None]:
        """Hold one of the app id's concurrent-request slots, or raise 3003 when all are taken."""
        if self.in_flight[app_id] >= self.config.max_concurrency:
            raise ServiceError(
                ErrorCode.CONCURRENCY_EXCEEDED, "quota exceeded for types: concurrency"
            )
        self.in_flight[app_id] += 1
        try:
            yield
        finally:
            self.in_flight[app_id] -= 1

    async def pause_until(self, deadline: float) -> bool:
        """Wait until the loop time ``deadline``; return False early if the emulator stops."""
        delay = deadline - asyncio.get_running_loop().time()
        if delay > 0:
            try:
                async with asyncio.timeout(delay):
                    await self.stopping.wait()
            except TimeoutError:
                return True
        return not self.stopping.is_set()

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; return False early if the emulator stops."""
        return await self.pause_until(asyncio.get_running_loop().time() + seconds)

    async def hold(self, connection: ServerConnection) -> None:
        """Keep a connection silent until the client leaves or the emulator stops."""
        waiters = {
            asyncio.ensure_future(self.stopping.wait()),
            asyncio.ensure_future(connection.wait_closed()),
        }
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
