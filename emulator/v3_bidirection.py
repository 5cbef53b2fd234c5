"""Serving ``/api/v3/tts/bidirection``: a connection carries sessions, one at a time.

Text arrives in TaskRequests while audio leaves, so each session runs a synthesis task
fed through a queue: the receiving loop never waits for audio, and the first sentence
is spoken while later text is still arriving. Only that task sends the session's
sentence events and its SessionFinished, which keeps them in order.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, Final

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .errors import (
    CONCURRENCY_QUOTA_EXCEEDED,
    LIFETIME_QUOTA_EXCEEDED,
    QUOTA_REFUSED_AT_START_SESSION,
    V3Code,
    V3Error,
    invalid_params,
)
from .framing import ProtocolError
from .sentences import SentenceBuffer
from .ssml import SSML_NOT_ON_BIDIRECTION
from .state import Handshake, ServiceState, V3Link
from .v3_framing import (
    ClientFrame,
    Event,
    decode_client_frame,
    encode_connection_event,
    encode_error,
    encode_session_event,
)
from .v3_request import V3Identity, record_session, validate_session
from .v3_stream import Outcome, SentenceStreamer

BIDIRECTION_PATH: Final = "/api/v3/tts/bidirection"
IDLE_CLOSE_CODE: Final = 1001
"""How the service closes a connection it found idle ("going away")."""
OK_PAYLOAD: Final = {"status_code": V3Code.OK.value, "message": "ok"}

NOT_ON_BIDIRECTION: Final = "speaker does not support bidirectional streaming"
"""*Uncertain* wording and code (45000001): the voice list says only that four 1.0 voices
"暂不支持双向流式接口调用"; the emulator fails their StartSession with this."""

_LOGGER = logging.getLogger(__name__)


def bidirection_refusal(
    payload: dict[str, Any], unidirectional_only: frozenset[str]
) -> V3Error | None:
    """Return why the bidirectional API refuses this StartSession / TaskRequest, if it does.

    It takes no SSML ("双向流式目前不支持ssml") and not the voices marked unidirectional-only.
    """
    req_params = payload.get("req_params")
    if not isinstance(req_params, dict):
        return None
    if req_params.get("ssml"):
        return invalid_params(SSML_NOT_ON_BIDIRECTION)
    if req_params.get("speaker") in unidirectional_only:
        return invalid_params(NOT_ON_BIDIRECTION)
    return None


class _EndOfText:
    """Queued after the last sentence: FinishSession arrived."""


_END_OF_TEXT: Final = _EndOfText()


@dataclass(slots=True)
class _Session:
    """The active session of a connection."""

    session_id: str
    record_index: int
    queue: asyncio.Queue[str | _EndOfText] = field(default_factory=asyncio.Queue)
    buffer: SentenceBuffer = field(default_factory=SentenceBuffer)
    characters: int = 0
    finishing: bool = False
    """FinishSession arrived; only SessionFinished is still to come."""
    task: asyncio.Task[None] | None = None


class _BidirectionalConnection:
    """One websocket connection's protocol state machine."""

    def __init__(
        self, connection: ServerConnection, state: ServiceState, identity: V3Identity
    ) -> None:
        self._connection = connection
        self._state = state
        self._identity = identity
        self._connection_id = identity.connection_id()
        self._link: V3Link = state.open_v3_link(connection, identity.app_id)
        self._session: _Session | None = None
        self._last_activity = asyncio.get_running_loop().time()
        """When the client last sent a frame or the last session ended."""

    async def run(self) -> None:
        idle_timeout = self._state.config.idle_timeout
        reaper = None
        if idle_timeout is not None:
            reaper = asyncio.create_task(self._close_when_idle(idle_timeout))
        try:
            async for message in self._connection:
                self._last_activity = asyncio.get_running_loop().time()
                if not await self._handle(message):
                    return
        finally:
            if reaper is not None:
                reaper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reaper
            await self._abandon_session()
            self._state.forget_v3_link(self._link)

    async def _close_when_idle(self, idle_seconds: float) -> None:
        """Close the connection once it has been idle for ``idle_seconds``.

        Synthesis under way keeps it open however long it takes; a session begun but
        never given text does not. The slot is freed before the client hears of it.
        """
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            deadline = (now if self._link.busy else self._last_activity) + idle_seconds
            if deadline <= now:
                break
            if not await self._state.pause_until(deadline):
                return  # the emulator is stopping and closes everything itself
        _LOGGER.debug("connection %s: idle for %g s, closing it", self._connection_id, idle_seconds)
        self._state.forget_v3_link(self._link)
        await self._connection.close(IDLE_CLOSE_CODE, "idle connection closed")

    async def _handle(self, message: str | bytes) -> bool:
        """Answer one client frame; return whether the connection stays open."""
        if self._identity.key_rejected:
            return await self._refuse(self._identity.key_refusal())
        if isinstance(message, str):
            return await self._refuse(invalid_params("expected a binary frame, got a text frame"))
        try:
            frame = decode_client_frame(message)
        except ProtocolError as err:
            return await self._refuse(invalid_params(f"malformed frame: {err}"))
        return await self._dispatch(frame)

    async def _dispatch(self, frame: ClientFrame) -> bool:
        """Act on one decoded frame; return whether the connection stays open."""
        match frame.event:
            case None:
                return await self._refuse(invalid_params("bidirection frames need an event"))
            case Event.START_CONNECTION:
                return await self._start_connection()
            case Event.FINISH_CONNECTION:
                await self._abandon_session()
                self._state.forget_v3_link(self._link)  # free before the client hears of it
                await self._send_connection_event(Event.CONNECTION_FINISHED, OK_PAYLOAD)
                return False
            case _ if not self._link.started:
                return await self._refuse(invalid_params("StartConnection must come first"))
            case Event.START_SESSION:
                await self._start_session(frame)
            case Event.TASK_REQUEST:
                await self._task_request(frame)
            case Event.FINISH_SESSION:
                await self._finish_session(frame)
            case Event.CANCEL_SESSION:
                await self._cancel_session(frame)
            case unknown:
                await self._unknown_event(frame, unknown)
        return True

    async def _refuse(self, error: V3Error) -> bool:
        """Answer a frame that breaks the protocol with an error frame, then close."""
        _LOGGER.info("connection %s: %s", self._connection_id, error)
        await self._connection.send(encode_error(error.code, error.message))
        return False

    async def _send_connection_event(self, event: Event, payload: dict[str, Any]) -> None:
        await self._connection.send(encode_connection_event(event, self._connection_id, payload))

    async def _send_session_event(
        self, event: Event, session_id: str, payload: dict[str, Any]
    ) -> None:
        await self._connection.send(encode_session_event(event, session_id, payload))

    async def _start_connection(self) -> bool:
        if self._link.started:
            await self._connection.send(
                encode_error(V3Code.INVALID_PARAMS, "connection already started")
            )
            return True
        if not self._state.start_v3_link(self._link):
            failure = V3Error(V3Code.CLIENT_ERROR, CONCURRENCY_QUOTA_EXCEEDED)
            await self._send_connection_event(Event.CONNECTION_FAILED, failure.payload())
            return False
        await self._send_connection_event(Event.CONNECTION_STARTED, {})
        return True

    async def _start_session(self, frame: ClientFrame) -> None:
        session_id = frame.session_id or ""
        if self._session is not None:
            failure = V3Error(V3Code.SESSION_ERROR, "session already exists")
            await self._send_session_event(Event.SESSION_FAILED, session_id, failure.payload())
            return
        index = self._state.record_session(
            record_session(
                frame.payload,
                self._identity,
                connection_id=self._connection_id,
                session_id=session_id,
                endpoint="bidirection",
            )
        )
        try:
            config = self._state.config
            refusal = bidirection_refusal(frame.payload, config.unidirectional_only_voices)
            if refusal is not None:
                raise refusal
            params = validate_session(frame.payload, self._identity, config, self._state.clones)
            if QUOTA_REFUSED_AT_START_SESSION:
                self._check_quota()
        except V3Error as failure:
            self._state.update_session(index, status_code=failure.code)
            await self._send_session_event(Event.SESSION_FAILED, session_id, failure.payload())
            return
        session = _Session(session_id, index)
        self._session = session
        await self._send_session_event(Event.SESSION_STARTED, session_id, {})
        streamer = SentenceStreamer(self._connection, self._state, session_id, params)
        session.task = asyncio.create_task(self._synthesize(session, streamer))

    def _check_quota(self) -> None:
        """Refuse a session of an account whose character quota is used up."""
        if self._state.quota_used_up(self._identity.app_id):
            raise V3Error(V3Code.QUOTA_EXCEEDED, LIFETIME_QUOTA_EXCEEDED)

    def _current(self, frame: ClientFrame) -> _Session | None:
        session = self._session
        if session is None or session.session_id != frame.session_id:
            return None
        return session

    async def _no_such_session(self, frame: ClientFrame) -> None:
        failure = V3Error(V3Code.SESSION_ERROR, "session not found")
        await self._send_session_event(
            Event.SESSION_FAILED, frame.session_id or "", failure.payload()
        )

    async def _task_request(self, frame: ClientFrame) -> None:
        session = self._current(frame)
        if session is None:
            await self._no_such_session(frame)
            return
        if session.finishing:
            _LOGGER.debug("session %s: text after FinishSession ignored", session.session_id)
            return
        if (refusal := bidirection_refusal(frame.payload, frozenset())) is not None:
            await self._fail(session, refusal)
            return
        req_params = frame.payload.get("req_params", {})
        text = req_params.get("text", "") if isinstance(req_params, dict) else None
        if not isinstance(text, str):
            await self._fail(session, invalid_params("req_params.text must be a string"))
            return
        if not QUOTA_REFUSED_AT_START_SESSION and not session.characters:
            try:
                self._check_quota()
            except V3Error as failure:
                await self._fail(session, failure)
                return
        self._state.sessions[session.record_index].texts.append(text)
        session.characters += len(text)
        # Busy from the first text on: a session begun ahead of need, still waiting for
        # text, leaves the connection as idle as no session at all.
        self._link.busy = self._link.busy or bool(text)
        if session.characters > self._state.config.max_text_chars:
            await self._fail(session, V3Error(V3Code.TEXT_LIMIT_EXCEEDED, "TTSExceededTextLimit"))
            return
        for sentence in session.buffer.feed(text):
            session.queue.put_nowait(sentence)

    async def _finish_session(self, frame: ClientFrame) -> None:
        session = self._current(frame)
        if session is None:
            await self._no_such_session(frame)
            return
        if session.finishing:
            return
        session.finishing = True
        for sentence in session.buffer.flush():
            session.queue.put_nowait(sentence)
        session.queue.put_nowait(_END_OF_TEXT)

    async def _cancel_session(self, frame: ClientFrame) -> None:
        session = self._current(frame)
        if session is None:
            await self._no_such_session(frame)
            return
        await self._stop_task(session)
        self._end(session, canceled=True)
        await self._send_session_event(Event.SESSION_CANCELED, session.session_id, OK_PAYLOAD)

    async def _unknown_event(self, frame: ClientFrame, event: int) -> None:
        failure = invalid_params(f"unsupported event {event}")
        session = self._current(frame)
        if session is not None:
            await self._fail(session, failure)
            return
        await self._connection.send(encode_error(failure.code, failure.message))

    async def _fail(self, session: _Session, failure: V3Error) -> None:
        """End the active session with SessionFailed."""
        await self._stop_task(session)
        self._end(session, status_code=failure.code)
        await self._send_session_event(Event.SESSION_FAILED, session.session_id, failure.payload())

    def _end(self, session: _Session, **outcome: Any) -> None:  # noqa: ANN401 - record fields
        """Forget the session and record its outcome, before its final event goes out.

        A client that reacts to that event with a new StartSession then never meets
        "session already exists".
        """
        if self._session is not session:  # already ended: keep its first outcome
            return
        self._session = None
        self._link.busy = False
        self._last_activity = asyncio.get_running_loop().time()
        self._state.update_session(session.record_index, **outcome)

    @staticmethod
    async def _stop_task(session: _Session) -> None:
        task, session.task = session.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _abandon_session(self) -> None:
        """Drop the active session without telling the client (it is leaving)."""
        if (session := self._session) is not None:
            await self._stop_task(session)
            self._end(session, status_code=V3Code.SESSION_ERROR.value)

    async def _synthesize(self, session: _Session, streamer: SentenceStreamer) -> None:
        """Speak queued sentences until FinishSession, then send SessionFinished."""
        try:
            while not isinstance(item := await session.queue.get(), _EndOfText):
                outcome = await streamer.send(item)
                if outcome is not Outcome.SENT:
                    failure = streamer.failure
                    code = failure.code if failure is not None else V3Code.SERVER_ERROR.value
                    self._end(session, status_code=code)
                    await self._connection.close()
                    return
            self._end(session, finished=True, status_code=V3Code.OK.value)
            self._state.bill(self._identity.app_id, session.characters)
            payload: dict[str, Any] = dict(OK_PAYLOAD)
            if self._identity.wants_usage:
                payload["usage"] = {"text_words": session.characters}
            await self._send_session_event(Event.SESSION_FINISHED, session.session_id, payload)
        except ConnectionClosed:  # the client left mid-session: nobody is left to tell
            self._end(session, status_code=V3Code.SESSION_ERROR.value)


async def serve_bidirection(
    connection: ServerConnection, state: ServiceState, handshake: Handshake
) -> None:
    """Serve one bidirectional connection until FinishConnection, an error or the client leaves."""
    identity = V3Identity.from_headers(handshake.headers, state.config)
    try:
        await _BidirectionalConnection(connection, state, identity).run()
    except ConnectionClosed:  # the client left mid-frame: nobody is left to tell
        _LOGGER.debug("logid %s: client disconnected", handshake.logid)
