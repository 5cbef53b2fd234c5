"""Warm v3 connections, at most ``max_size`` of them, shared by all requests.

Volcengine counts every open connection against the account's concurrency
(the free tier allows two), idle or not. So the pool never opens more than
``max_size``; requests beyond that wait in a bounded queue, and connections
idle for ``idle_timeout`` seconds are closed.

After a request, a session for the most likely next request (the settings
that last succeeded on that resource id) is begun on the connection, so a
warm request only pays for its TaskRequest's round trip.

This module lends connections to requests; warmth prepared in the background
(prewarm, reopening what the service closed) is in :mod:`.warmth`, which the
pool inherits, because it follows rules of its own (never at a request's
expense, never billed, never looping).

Every counter changes without a suspension point between the change and the
``try`` that undoes it, so a cancellation anywhere (the caller gave up, Home
Assistant is stopping) never loses a slot or leaves a socket open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from functools import partial
from typing import Any, NoReturn

from ..wire.errors import (
    PermissionDeniedError,
    QueueFullError,
    QueueTimeoutError,
    QuotaExhaustedError,
    VolcengineConnectionError,
    VolcengineError,
)
from ..wire.models import VoiceSettings
from ..wire.tasks import stop
from .bidirection import BidirectionalConnection, BidirectionalSession
from .warmth import (
    REOPEN_DELAY,
    ConnectionFactory,
    IdleConnection,
    PoolStatistics,
    PoolWarmth,
    unwatch,
)

_LOGGER = logging.getLogger(__name__)


class PoolClosedError(VolcengineConnectionError):
    """The engine was closed (the entry unloads) while the request waited or started."""

    retryable = False


class ConnectionPool(PoolWarmth):
    """Lend sessions on started v3 connections, one request at a time each."""

    def __init__(
        self,
        factory: ConnectionFactory,
        *,
        max_size: int,
        idle_timeout: float,
        queue_limit: int,
        queue_timeout: float,
        reopen_delay: float = REOPEN_DELAY,
    ) -> None:
        super().__init__(reopen_delay=reopen_delay)
        self._factory = factory
        self.max_size = max_size
        self.idle_timeout = idle_timeout
        self.queue_limit = queue_limit
        self.queue_timeout = queue_timeout
        self._idle: list[IdleConnection] = []
        self._leased = 0
        self._opening = 0
        self._waiters = 0
        self._changed = asyncio.Event()
        self._closed = False
        self._closing: set[asyncio.Task[None]] = set()
        self._recent: dict[str, VoiceSettings] = {}
        """Per resource id, the settings of the last request that succeeded."""
        self._last: tuple[str, VoiceSettings] | None = None
        """The resource id and settings of the last request that succeeded."""
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
            "warming": len(self._warming),
            "idle_timeout": self.idle_timeout,
            "statistics": asdict(self.statistics),
        }

    @asynccontextmanager
    async def lease(
        self, resource_id: str, settings: VoiceSettings, *, warm: VoiceSettings | None = None
    ) -> AsyncIterator[BidirectionalSession]:
        """Lend a session with ``settings`` on a connection for ``resource_id``.

        The connection's warm session is used when its settings match. When
        the block ends, the connection is kept only if it is ``reusable`` (it
        works and the session is done); then a session for the next request
        is begun on it: with the settings that last succeeded for this
        resource id (a satellite asking for 16 kHz WAV again and again keeps
        finding its own session), else with ``warm``.

        After a refusal that concerns the account (used-up quota, a grant it
        lacks) no session is begun ahead: it would be refused too, and its
        refusal, waiting in the socket, would fail the first request after
        the user fixed the account in the console.
        """
        idle = await self._acquire(resource_id)
        refused = False
        try:
            yield await self._session_on(idle, settings)
            self._recent[resource_id] = settings
            self._last = (resource_id, settings)
        except (QuotaExhaustedError, PermissionDeniedError):
            refused = True
            raise
        finally:
            next_warm = None if refused else self._recent.get(resource_id, warm)
            await self._release(idle.connection, next_warm)

    @asynccontextmanager
    async def reserve(self) -> AsyncIterator[None]:
        """Hold one of the account's connection places for a connection the pool does not keep.

        A unidirectional request opens its own websocket, which counts against
        the account's concurrency like the pool's: it waits in the same queue,
        and an idle pooled connection is closed to make room.
        """
        deadline: float | None = None  # set when this request first has to wait
        while True:
            self._check_open()
            if self._make_room():
                break
            deadline = await self._wait_in_queue(deadline)
        self._leased += 1
        try:
            yield
        finally:
            self._leased -= 1
            self._notify()

    async def close(self) -> None:
        """Close every idle connection and refuse new and waiting requests at once.

        Lent connections close when they are given back.
        """
        self._closed = True
        await self.release_idle()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def release_idle(self) -> None:
        """Close the idle connections, and those being warmed, now; later requests open new ones."""
        await asyncio.gather(*(stop(task) for task in list(self._warm_ups)))
        idle, self._idle = self._idle, []
        for entry in idle:
            unwatch(entry)
        self._notify()
        await asyncio.gather(*(entry.connection.close() for entry in idle), return_exceptions=True)

    async def _acquire(self, resource_id: str) -> IdleConnection:
        deadline: float | None = None  # set when this request first has to wait
        while True:
            self._check_open()
            entry = self._take_idle(resource_id)
            if entry is not None:
                self._leased += 1
                self.statistics.reused += 1
                return entry
            # A connection being warmed for this resource id is this request's
            # (it was opened for it): wait for it rather than open another.
            if resource_id not in self._warming and self._make_room():
                break
            deadline = await self._wait_in_queue(deadline)
        self._opening += 1
        try:
            connection = await self._factory(resource_id)
        finally:
            self._opening -= 1
            self._notify()
        self._leased += 1
        self.statistics.opened += 1
        return IdleConnection(connection)

    def _check_open(self) -> None:
        if self._closed:
            raise PoolClosedError("The Volcengine connections were closed (the entry is unloading)")

    def _take_idle(self, resource_id: str) -> IdleConnection | None:
        """Take the most recently used idle connection for ``resource_id`` that still works."""
        for entry in reversed(self._idle):
            if entry.connection.resource_id != resource_id:
                continue
            self._idle.remove(entry)
            unwatch(entry)
            if entry.connection.is_usable:
                return entry
            self.statistics.discarded += 1
            self._close_later(entry.connection)
        return None

    def _make_room(self) -> bool:
        """Whether one more connection may open now, closing idle ones to make room.

        Idle connections go oldest first; ``_acquire`` has already taken any
        for its own resource id, so those that go serve other resources.
        """
        while self.open_connections >= self.max_size and self._idle:
            self._discard_idle(self._idle.pop(0))
        return self.open_connections < self.max_size

    async def _wait_in_queue(self, deadline: float | None) -> float:
        """Wait for a change in the pool; return this request's deadline.

        The first wait (``deadline`` still ``None``) enters the queue, or is
        refused when it is full, and sets the deadline the later waits keep.
        """
        if deadline is None:
            deadline = asyncio.get_running_loop().time() + self.queue_timeout
            self._enter_queue()
        await self._wait_for_room(deadline)
        return deadline

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
        changed = self._changed
        self._waiters += 1
        try:
            async with asyncio.timeout_at(deadline):
                await changed.wait()
        except TimeoutError as err:
            raise QueueTimeoutError(
                f"No Volcengine connection became free within {self.queue_timeout:g} s"
            ) from err
        finally:
            self._waiters -= 1

    async def _session_on(
        self, idle: IdleConnection, settings: VoiceSettings
    ) -> BidirectionalSession:
        """Use the connection's warm session when its settings match, else start afresh."""
        connection, warm = idle.connection, idle.warm
        if warm is not None and warm.settings == settings:
            self.statistics.warm_sessions_used += 1
            return warm
        if warm is not None:
            await warm.cancel()
            if not connection.is_usable:
                raise_connection_lost(connection)
        return await connection.begin_session(settings)

    async def _release(
        self, connection: BidirectionalConnection, warm: VoiceSettings | None
    ) -> None:
        kept: IdleConnection | None = None
        try:
            if self._keeps(connection):
                kept = IdleConnection(connection)
                if warm is not None:
                    kept.warm = await self._begin_warm_session(connection, warm)
                    if kept.warm is None:
                        kept = None
        except BaseException:
            kept = None  # cut off while beginning the warm session: its state is unknown
            raise
        finally:
            self._leased -= 1
            if kept is not None and not self._closed:  # close() may have run meanwhile
                self._park(kept)
            else:
                self.statistics.discarded += 1
                self._close_later(connection)
            self._notify()

    def _keeps(self, connection: BidirectionalConnection) -> bool:
        return (
            connection.reusable
            and not self._closed
            and self.idle_timeout > 0
            and self.open_connections <= self.max_size
        )

    def _park(self, entry: IdleConnection, expires_at: float | None = None) -> None:
        """Keep ``entry`` idle until ``expires_at`` (a full idle window from now by default)."""
        loop = asyncio.get_running_loop()
        entry.expires_at = loop.time() + self.idle_timeout if expires_at is None else expires_at
        entry.closer = loop.call_at(entry.expires_at, self._expire, entry)
        entry.forget_watch = entry.connection.when_lost(partial(self._lost, entry))
        self._idle.append(entry)

    @staticmethod
    async def _begin_warm_session(
        connection: BidirectionalConnection, warm: VoiceSettings
    ) -> BidirectionalSession | None:
        try:
            return await connection.begin_session(warm)
        except VolcengineError as err:
            _LOGGER.debug("Could not begin a warm session: %s", err)
            return None

    def _expire(self, entry: IdleConnection) -> None:
        """Close a connection that stayed idle for ``idle_timeout``."""
        if entry in self._idle:
            self._idle.remove(entry)
            unwatch(entry)
            self.statistics.closed_idle += 1
            self._close_later(entry.connection)
            self._notify()

    def _discard_idle(self, entry: IdleConnection) -> None:
        unwatch(entry)
        self.statistics.discarded += 1
        self._close_later(entry.connection)

    def _close_later(self, connection: BidirectionalConnection) -> None:
        task = asyncio.get_running_loop().create_task(connection.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _notify(self) -> None:
        """Wake every waiting request: a connection came back, closed or failed to open."""
        self._changed.set()
        self._changed = asyncio.Event()


def raise_connection_lost(connection: BidirectionalConnection) -> NoReturn:
    """Raise the retryable error for a connection that died between requests."""
    raise VolcengineConnectionError(
        "The warm Volcengine connection was lost", log_id=connection.log_id
    )
