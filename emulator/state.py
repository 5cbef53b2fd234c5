"""State shared by every connection of one running emulator, and per-connection facts.

Protocol handlers receive these instead of the ``Emulator`` itself, so a handler for
another protocol version only depends on this module, not on the server.
"""

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from websockets.asyncio.server import ServerConnection

from .clone_registry import CloneRegistry
from .config import EmulatorConfig, Faults, ReceivedRecognition, ReceivedRequest, ReceivedSession
from .errors import ErrorCode, ServiceError


@dataclass(frozen=True, slots=True)
class Handshake:
    """What the client presented when it opened the connection."""

    path: str
    headers: dict[str, str]
    token: str
    """Token of the ``Authorization: Bearer; <token>`` header, empty when absent."""
    logid: str


@dataclass(eq=False, slots=True)
class V3Link:
    """One open v3 websocket connection, as the concurrency quota and idle reaper see it."""

    connection: ServerConnection
    app_id: str
    started: bool = False
    """Holds one of the app id's connection slots (after StartConnection, or at once for
    the unidirectional stream, which has no StartConnection)."""
    busy: bool = False
    """Synthesis is in progress: a unidirectional request, or a bidirectional session that
    has received text. A session started ahead of need and still without text does not
    make its connection busy: the service would drop such a connection as idle too."""


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
    sessions: list[ReceivedSession] = field(default_factory=list)
    session_changed: asyncio.Event = field(default_factory=asyncio.Event)
    v3_links: list[V3Link] = field(default_factory=list)
    links_changed: asyncio.Event = field(default_factory=asyncio.Event)
    recognitions: list[ReceivedRecognition] = field(default_factory=list)
    recognition_changed: asyncio.Event = field(default_factory=asyncio.Event)
    recognizing: Counter[str] = field(default_factory=Counter)
    """Recognition sessions in progress per app id (their own quota, apart from TTS's)."""
    billed: Counter[str] = field(default_factory=Counter)
    """Characters billed per app id: what finished v3 sessions reported as ``text_words``."""
    clones: CloneRegistry = field(default_factory=CloneRegistry)
    """Voices trained through the cloning API; synthesis reads their status."""

    def bill(self, app_id: str, characters: int) -> None:
        """Count characters a finished synthesis cost the account."""
        self.billed[app_id] += characters

    def quota_used_up(self, app_id: str) -> bool:
        """Whether the account has no characters left (``Account.character_quota``)."""
        account = self.config.accounts.get(app_id)
        quota = account.character_quota if account is not None else None
        return quota is not None and self.billed[app_id] >= quota

    def record_recognition(self, recognition: ReceivedRecognition) -> None:
        """Remember a recognition session; it is updated in place as it runs."""
        self.recognitions.append(recognition)
        self.recognition_changed.set()

    def recognition_changed_now(self) -> None:
        """Wake tests waiting on recognition progress."""
        self.recognition_changed.set()

    async def wait_for_recognition_packets(self, count: int) -> None:
        """Return once the latest recognition has received ``count`` audio packets."""
        while not self.recognitions or self.recognitions[-1].packets < count:
            self.recognition_changed.clear()
            await self.recognition_changed.wait()

    async def wait_for_recognitions(self, count: int, *, ended: bool = False) -> None:
        """Return once ``count`` recognitions have started (with ``ended``: have ended)."""
        while (
            sum(1 for item in self.recognitions if not ended or item.status_code is not None)
            < count
        ):
            self.recognition_changed.clear()
            await self.recognition_changed.wait()

    def record_request(self, request: ReceivedRequest) -> None:
        """Remember a request and wake tests waiting for it."""
        self.requests.append(request)
        self.request_added.set()

    async def wait_for_requests(self, count: int) -> None:
        """Return once at least ``count`` requests have been received."""
        while len(self.requests) < count:
            self.request_added.clear()
            await self.request_added.wait()

    def record_session(self, session: ReceivedSession) -> int:
        """Remember a v3 session; return its index for ``update_session``."""
        self.sessions.append(session)
        self.session_changed.set()
        return len(self.sessions) - 1

    def update_session(self, index: int, **changes: Any) -> None:  # noqa: ANN401 - dataclass fields
        """Replace a session record by a copy with ``changes`` (records are frozen)."""
        self.sessions[index] = replace(self.sessions[index], **changes)
        self.session_changed.set()

    async def wait_for_sessions(self, count: int, *, ended: bool = False) -> None:
        """Return once ``count`` sessions have started (or, with ``ended``, have ended)."""
        while self._session_count(ended=ended) < count:
            self.session_changed.clear()
            await self.session_changed.wait()

    def _session_count(self, *, ended: bool) -> int:
        if not ended:
            return len(self.sessions)
        return sum(
            1 for session in self.sessions if session.status_code is not None or session.canceled
        )

    def open_v3_link(self, connection: ServerConnection, app_id: str) -> V3Link:
        """Register a v3 connection (not yet holding a slot)."""
        link = V3Link(connection, app_id)
        self.v3_links.append(link)
        return link

    def forget_v3_link(self, link: V3Link) -> None:
        """Unregister a closed v3 connection, freeing its slot; safe to call twice."""
        if link in self.v3_links:
            self.v3_links.remove(link)
        link.started = False
        self.links_changed.set()

    def open_connections(self, app_id: str) -> int:
        """How many v3 connections of ``app_id`` hold a slot, idle or not."""
        return sum(1 for link in self.v3_links if link.app_id == app_id and link.started)

    def start_v3_link(self, link: V3Link) -> bool:
        """Take a connection slot for ``link``; False when the app id has none left.

        v3 counts open connections, not requests: an idle pooled connection uses a slot.
        """
        if link.started:
            return True
        if self.open_connections(link.app_id) >= self.config.max_concurrency:
            return False
        link.started = True
        self.links_changed.set()
        return True

    async def wait_for_open_connections(self, app_id: str, count: int) -> None:
        """Return once exactly ``count`` v3 connections of ``app_id`` hold a slot."""
        while self.open_connections(app_id) != count:
            self.links_changed.clear()
            await self.links_changed.wait()

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
