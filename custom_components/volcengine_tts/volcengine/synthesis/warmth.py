"""The pool's warmth: made before it is asked for, kept when the service takes it away.

Its own module because it is background work with rules of its own, apart
from lending connections to requests (:mod:`.pool`): it never comes at the
expense of a request and is never billed (a StartConnection and a
StartSession without text cost nothing):

- :meth:`PoolWarmth.prewarm` opens a connection with a begun session in
  the background when someone is about to ask (speech recognition just heard
  a command: its reply follows within seconds);
- an idle connection the service closes inside our idle window (its idle
  timeout may be shorter than ours) is reopened once, in the background, for
  the rest of that window, after ``reopen_delay`` (time for the service to
  free the closed connection's place in the account's concurrency).

Both only take a free slot nobody waits for; a failure is logged at debug
level and ends that warm-up, and nothing is retried, so the warm state is
restored at most once per window and a service that keeps closing
connections cannot make us loop.

:class:`.pool.ConnectionPool` inherits :class:`PoolWarmth`: the warm-ups
share the pool's slots and idle list, which the pool owns and declares here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ..wire.errors import VolcengineError

if TYPE_CHECKING:
    from ..wire.models import VoiceSettings
    from .bidirection import BidirectionalConnection, BidirectionalSession

_LOGGER = logging.getLogger(__name__)

REOPEN_DELAY: Final = 1.0
"""Seconds between the service closing an idle connection and our reopening it:
time for the service to free the closed connection's place in the account's
concurrency (a reopening refused for it is not retried)."""
RESTORE_MIN_WINDOW: Final = 1.0
"""Seconds of our idle window that must be left for a closed connection to be
worth reopening: a connection opened only to be closed again helps nobody."""


type ConnectionFactory = Callable[[str], Awaitable[BidirectionalConnection]]
"""Opens and starts a v3 connection for a resource id."""


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
    prewarmed: int = 0
    """Connections opened and parked warm ahead of a request (``prewarm``)."""
    closed_by_service: int = 0
    """Idle connections the service closed before our idle window ended."""
    restored: int = 0
    """Of those, reopened and parked warm for the rest of the window."""
    warm_up_failures: int = 0
    """Background warm-ups (either kind) that failed and were given up."""


@dataclass(slots=True)
class IdleConnection:
    """A connection parked in the pool between requests, and what watches over it."""

    connection: BidirectionalConnection
    warm: BidirectionalSession | None = None
    """The session begun ahead of need on this connection, if any."""
    closer: asyncio.TimerHandle | None = None
    """Closes the connection when our idle window ends ..."""
    expires_at: float = 0.0
    """... at this loop time."""
    forget_watch: Callable[[], None] | None = None
    """Takes back the listener told when the service closes the socket."""
    restored: bool = False
    """Reopened after the service closed this window's connection: not again."""


def unwatch(entry: IdleConnection) -> None:
    """Stop the idle window's timer and the service-close listener (before we close it)."""
    if entry.closer is not None:
        entry.closer.cancel()
    if entry.forget_watch is not None:
        entry.forget_watch()
        entry.forget_watch = None


class PoolWarmth:
    """The pool's background warm-ups: prewarm, and reopening what the service closed."""

    # The pool's own state, which the warm-ups read and count in.
    max_size: int
    idle_timeout: float
    statistics: PoolStatistics
    _factory: ConnectionFactory
    _idle: list[IdleConnection]
    _opening: int
    _waiters: int
    _closed: bool
    _last: tuple[str, VoiceSettings] | None

    def __init__(self, *, reopen_delay: float) -> None:
        self.reopen_delay = reopen_delay
        self._warming: set[str] = set()
        """Resource ids with a background warm-up under way (one each at most)."""
        self._reopening: set[str] = set()
        """Resource ids whose closed connection will be reopened after ``reopen_delay``."""
        self._warm_ups: set[asyncio.Task[None]] = set()

    @property
    def open_connections(self) -> int:
        """Connections that count against the account (the pool counts them)."""
        raise NotImplementedError

    def _park(self, entry: IdleConnection, expires_at: float | None = None) -> None:
        raise NotImplementedError

    def _close_later(self, connection: BidirectionalConnection) -> None:
        raise NotImplementedError

    def _notify(self) -> None:
        raise NotImplementedError

    def prewarm(self, resource_id: str, settings: VoiceSettings | None) -> None:
        """Have one warm connection ready for the request that is about to come; do not wait.

        The request most likely to come is the last one that succeeded (a
        satellite's own format, a preset's voice), else ``settings`` on
        ``resource_id``. One connection, because one reply follows a command;
        only into a free slot nobody is waiting for, so it never takes a
        connection from a request. Idempotent: nothing happens while an idle
        connection for that resource id exists or one is being warmed.
        """
        if self._last is not None:
            resource_id, settings = self._last
        if self.idle_timeout <= 0 or resource_id in self._warming or not self._has_free_slot():
            return
        if self._idle_for(resource_id):
            return
        expires_at = asyncio.get_running_loop().time() + self.idle_timeout
        self._start_warm_up(resource_id, settings, expires_at, restored=False)

    async def wait_warm(self) -> None:
        """Wait until the background warm-ups under way have ended (tests, benchmarks)."""
        while self._warm_ups:
            await asyncio.wait(set(self._warm_ups))

    def _lost(self, entry: IdleConnection) -> None:
        """Handle an idle connection whose socket is gone, and not by our hand.

        (We take the listener back before closing one ourselves.) Reopen it
        for the rest of the window, once: the window's connection was wanted,
        the service's shorter idle timeout only took it away.
        """
        if entry not in self._idle:  # pragma: no cover - we take the listener back first
            return
        self._idle.remove(entry)
        expires_at = entry.expires_at
        unwatch(entry)
        self.statistics.closed_by_service += 1
        self._close_later(entry.connection)
        self._notify()
        resource_id = entry.connection.resource_id
        settings = entry.warm.settings if entry.warm is not None else None
        left = expires_at - asyncio.get_running_loop().time()
        if (
            entry.restored  # closed again: the service's timeout is shorter still; no loop
            or left < RESTORE_MIN_WINDOW
            or resource_id in self._warming  # one per resource id is enough for a reply
            or resource_id in self._reopening
            or not self._has_free_slot()
        ):
            _LOGGER.debug("Volcengine closed an idle connection; not reopening it")
            return
        _LOGGER.debug("Volcengine closed an idle connection; reopening it for %.0f s", left)
        self._reopening.add(resource_id)
        self._track(
            asyncio.get_running_loop().create_task(
                self._reopen_later(resource_id, settings, expires_at),
                name=f"reopen a Volcengine connection for {resource_id}",
            )
        )

    async def _reopen_later(
        self, resource_id: str, settings: VoiceSettings | None, expires_at: float
    ) -> None:
        """After ``reopen_delay``, reopen the closed connection if it is still worth it.

        The slot is not held while waiting: a request meanwhile opens its own
        connection as usual, and then none is reopened.
        """
        try:
            await asyncio.sleep(self.reopen_delay)  # the backoff, not a synchronisation
        finally:
            self._reopening.discard(resource_id)
        left = expires_at - asyncio.get_running_loop().time()
        if (
            left < RESTORE_MIN_WINDOW
            or resource_id in self._warming
            or self._idle_for(resource_id)
            or not self._has_free_slot()
        ):
            _LOGGER.debug("A closed Volcengine connection is no longer worth reopening")
            return
        self._start_warm_up(resource_id, settings, expires_at, restored=True)

    def _idle_for(self, resource_id: str) -> bool:
        return any(entry.connection.resource_id == resource_id for entry in self._idle)

    def _track(self, task: asyncio.Task[None]) -> None:
        """Keep a background warm-up's task, so that closing the pool can cancel it."""
        self._warm_ups.add(task)
        task.add_done_callback(self._warm_ups.discard)

    def _has_free_slot(self) -> bool:
        """Whether a background warm-up may take a slot: one is free and nobody waits for it."""
        return not self._closed and not self._waiters and self.open_connections < self.max_size

    def _start_warm_up(
        self,
        resource_id: str,
        settings: VoiceSettings | None,
        expires_at: float,
        *,
        restored: bool,
    ) -> None:
        """Reserve a slot now, then open and park a warm connection in the background."""
        self._opening += 1  # reserved before any suspension: nobody else can take it
        self._warming.add(resource_id)
        self._track(
            asyncio.get_running_loop().create_task(
                self._warm_up(resource_id, settings, expires_at, restored=restored),
                name=f"warm up a Volcengine connection for {resource_id}",
            )
        )

    async def _warm_up(
        self,
        resource_id: str,
        settings: VoiceSettings | None,
        expires_at: float,
        *,
        restored: bool,
    ) -> None:
        """Open a connection, begin a session on it (nothing billed) and park it.

        A failure (the service refused the connection: a quota, the
        account's concurrency, the credentials) is only logged: nobody asked
        for this connection, and the next request opens its own as usual and
        reports the error. The slot stays reserved until the connection is
        parked or closed, so the account's limit holds throughout.
        """
        connection: BidirectionalConnection | None = None
        entry: IdleConnection | None = None
        try:
            connection = await self._factory(resource_id)
            warm = None if settings is None else await connection.begin_session(settings)
            entry = IdleConnection(connection, warm, restored=restored)
        except VolcengineError as err:
            self.statistics.warm_up_failures += 1
            _LOGGER.debug("Could not warm a Volcengine connection: %s", err)
        finally:
            self._opening -= 1
            self._warming.discard(resource_id)
            if entry is not None and self._may_park(expires_at):
                self._park(entry, expires_at)
                if restored:
                    self.statistics.restored += 1
                else:
                    self.statistics.prewarmed += 1
            elif connection is not None:
                self._close_later(connection)
            self._notify()

    def _may_park(self, expires_at: float) -> bool:
        return (
            not self._closed
            and self.open_connections < self.max_size
            and asyncio.get_running_loop().time() < expires_at
        )
