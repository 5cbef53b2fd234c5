"""Warm v3 connections, at most ``max_size`` of them, shared by all requests.

Volcengine counts every open connection against the account's concurrency
(the free tier allows two), idle or not. So the pool never opens more than
``max_size``; requests beyond that wait in a bounded queue, and connections
idle for ``idle_timeout`` seconds are closed.

After a request, a session for the most likely next request (the default
voice settings) is begun on the connection, so a warm request only pays for
its TaskRequest's round trip.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

from .bidirection import BidirectionalConnection, BidirectionalSession
from .errors import (
    RateLimitError,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
)
from .models import VoiceSettings

_LOGGER = logging.getLogger(__name__)

type ConnectionFactory = Callable[[str], Awaitable[BidirectionalConnection]]


class QueueFullError(RateLimitError):
    """More requests are waiting than the queue holds."""

    retryable = False


class QueueTimeoutError(VolcengineTimeoutError):
    """A request waited its whole queue timeout for a connection: don't wait again."""

    retryable = False


@dataclass(slots=True)
class _Idle:
    connection: BidirectionalConnection
    closer: asyncio.TimerHandle | None = None


@dataclass(slots=True)
class PoolStatistics:
    """Counters for diagnostics and benchmarks."""

    opened: int = 0
    reused: int = 0
    closed_idle: int = 0
    discarded: int = 0
    warm_sessions_used: int = 0
    waited: int = 0
    rejected: int = 0


class ConnectionPool:
    """Lend started v3 connections, one request at a time each."""

    def __init__(
        self,
        factory: ConnectionFactory,
        *,
        max_size: int,
        idle_timeout: float,
        queue_limit: int,
        queue_timeout: float,
    ) -> None:
        self._factory = factory
        self.max_size = max_size
        self.idle_timeout = idle_timeout
        self.queue_limit = queue_limit
        self.queue_timeout = queue_timeout
        self._idle: list[_Idle] = []
        self._leased = 0
        self._opening = 0
        self._waiters = 0
        self._changed = asyncio.Condition()
        self._closing: set[asyncio.Task[None]] = set()
        self.statistics = PoolStatistics()

    @property
    def open_connections(self) -> int:
        """Connections that count against the account: idle, lent or opening."""
        return len(self._idle) + self._leased + self._opening

    def state(self) -> dict[str, Any]:
        """Return a snapshot for diagnostics."""
        return {
            "max_size": self.max_size,
            "idle": len(self._idle),
            "leased": self._leased,
            "waiting": self._waiters,
            "idle_timeout": self.idle_timeout,
            "statistics": asdict(self.statistics),
        }

    @asynccontextmanager
    async def lease(
        self, resource_id: str, *, warm: VoiceSettings | None = None
    ) -> AsyncIterator[BidirectionalConnection]:
        """Lend a started connection for ``resource_id``; give it back afterwards.

        ``warm`` is what the next request will most likely ask for: a session
        with those settings is begun on the connection when it comes back.
        A connection the caller marked broken is closed instead of kept.
        """
        connection = await self._acquire(resource_id)
        try:
            yield connection
        finally:
            await self._release(connection, warm)

    async def close(self) -> None:
        """Close every idle connection (lent ones close when given back)."""
        self.max_size = 0
        idle, self._idle = self._idle, []
        for entry in idle:
            if entry.closer:
                entry.closer.cancel()
        await asyncio.gather(*(entry.connection.close() for entry in idle), return_exceptions=True)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def _acquire(self, resource_id: str) -> BidirectionalConnection:
        deadline: float | None = None  # set when this request first has to wait
        async with self._changed:
            while True:
                connection = self._take_idle(resource_id)
                if connection is not None:
                    self._leased += 1
                    self.statistics.reused += 1
                    return connection
                if self.open_connections < self.max_size:
                    self._opening += 1
                    break
                if self._idle:
                    # Full, but an idle connection of another resource can go.
                    self._discard_idle(self._idle.pop(0))
                    continue
                if deadline is None:
                    deadline = asyncio.get_running_loop().time() + self.queue_timeout
                    self._enter_queue()
                await self._wait_for_room(deadline)
        try:
            connection = await self._factory(resource_id)
        except BaseException:
            async with self._changed:
                self._opening -= 1
                self._changed.notify_all()
            raise
        async with self._changed:
            self._opening -= 1
            self._leased += 1
        self.statistics.opened += 1
        return connection

    def _take_idle(self, resource_id: str) -> BidirectionalConnection | None:
        """Take the most recently used idle connection for ``resource_id`` that still works."""
        for entry in reversed(self._idle):
            if entry.connection.resource_id != resource_id:
                continue
            self._idle.remove(entry)
            if entry.closer:
                entry.closer.cancel()
            if entry.connection.is_usable:
                return entry.connection
            self.statistics.discarded += 1
            self._close_later(entry.connection)
        return None

    def _enter_queue(self) -> None:
        """Count a request that has to wait, or refuse it when the queue is full."""
        if self._waiters >= self.queue_limit:
            self.statistics.rejected += 1
            raise QueueFullError(
                f"{self._waiters} requests are already waiting for one of "
                f"{self.max_size} Volcengine connections"
            )
        self.statistics.waited += 1

    async def _wait_for_room(self, deadline: float) -> None:
        """Wait for a change in the pool, but never past this request's deadline."""
        self._waiters += 1
        try:
            async with asyncio.timeout_at(deadline):
                await self._changed.wait()
        except TimeoutError as err:
            raise QueueTimeoutError(
                f"No Volcengine connection became free within {self.queue_timeout:g} s"
            ) from err
        finally:
            self._waiters -= 1

    async def _release(
        self, connection: BidirectionalConnection, warm: VoiceSettings | None
    ) -> None:
        keep = connection.is_usable and self.open_connections <= self.max_size
        if keep and warm is not None and connection.pending_session is None:
            keep = await self._begin_warm_session(connection, warm)
        async with self._changed:
            self._leased -= 1
            if keep and self.idle_timeout > 0:
                entry = _Idle(connection)
                entry.closer = asyncio.get_running_loop().call_later(
                    self.idle_timeout, self._expire, entry
                )
                self._idle.append(entry)
            else:
                self.statistics.discarded += 1
                self._close_later(connection)
            self._changed.notify_all()

    @staticmethod
    async def _begin_warm_session(connection: BidirectionalConnection, warm: VoiceSettings) -> bool:
        try:
            await connection.begin_session(warm)
        except (VolcengineError, RuntimeError) as err:
            _LOGGER.debug("Could not begin a warm session: %s", err)
            return False
        return True

    def _expire(self, entry: _Idle) -> None:
        """Close a connection that stayed idle for ``idle_timeout``."""
        if entry in self._idle:
            self._idle.remove(entry)
            self.statistics.closed_idle += 1
            self._close_later(entry.connection)
            self._notify_soon()

    def _discard_idle(self, entry: _Idle) -> None:
        if entry.closer:
            entry.closer.cancel()
        self.statistics.discarded += 1
        self._close_later(entry.connection)

    def _close_later(self, connection: BidirectionalConnection) -> None:
        task = asyncio.get_running_loop().create_task(connection.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _notify_soon(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(notify())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


async def take_warm_session(
    connection: BidirectionalConnection, settings: VoiceSettings, pool: ConnectionPool
) -> BidirectionalSession:
    """Use the connection's warm session when its settings match, else start afresh."""
    pending = connection.pending_session
    if pending is not None and pending.settings == settings:
        pool.statistics.warm_sessions_used += 1
        return pending
    if pending is not None:
        await pending.cancel()
        if not connection.is_usable:
            raise_connection_lost(connection)
    return await connection.begin_session(settings)


def raise_connection_lost(connection: BidirectionalConnection) -> NoReturn:
    """Raise the retryable error for a connection that died between requests."""
    raise VolcengineConnectionError(
        "The warm Volcengine connection was lost", log_id=connection.log_id
    )


class RequestSlots:
    """At most ``size`` requests at once; a bounded, timed queue for the rest.

    For what runs one connection per request (v1 synthesis, recognition).
    """

    def __init__(self, size: int, queue_limit: int, queue_timeout: float) -> None:
        self._semaphore = asyncio.Semaphore(size)
        self._queue_limit = queue_limit
        self._queue_timeout = queue_timeout
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot."""
        return self._waiting

    @asynccontextmanager
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
