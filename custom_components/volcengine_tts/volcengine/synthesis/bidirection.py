"""Client for Volcengine's v3 bidirectional websocket API.

A :class:`BidirectionalConnection` is opened once (websocket handshake plus
StartConnection) and then runs sessions one after another, never two at a
time. A :class:`BidirectionalSession` takes text in pieces (TaskRequest) and
yields audio as the server produces it, which is what lets speech start
while an LLM is still writing the reply.

A session can be *begun* ahead of need: :meth:`BidirectionalConnection.begin_session`
only sends StartSession, and the SessionStarted answer waits in the socket
until the session is used. That takes StartSession's round trip off the
critical path of the next request.
"""

from __future__ import annotations

import enum
import json
import logging
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Any, Final, Unpack

from ..wire.errors import (
    ProtocolError,
    VolcengineConnectionError,
    VolcengineError,
    error_from_server,
)
from ..wire.frames import Event, EventFrame, encode_event
from ..wire.models import (
    APP_KEY_HEADER,
    SEED_ICL_1,
    SEED_TTS_1,
    SEED_TTS_2,
    AudioEncoding,
    ServiceCredentials,
    VoiceSettings,
    auth_headers,
)
from ..wire.transport import Connection, SocketOptions, decode_message, open_service_socket
from .text import ends_sentence

_LOGGER = logging.getLogger(__name__)

V3_BIDIRECTION_PATH: Final = "/api/v3/tts/bidirection"
NAMESPACE: Final = "BidirectionalTTS"
STATUS_OK: Final = 20000000
USAGE_HEADER: Final = "X-Control-Require-Usage-Tokens-Return"
USAGE_TEXT_WORDS: Final = "text_words"
"""Ask for the billed character count in SessionFinished's ``usage``."""
MIN_DEFAULT_BITRATE_KBPS: Final = 64
"""``bit_rate`` is kept within 64–160 kbit/s unless ``additions.disable_default_bit_rate``
is true, which lets it go below 64k (v3 pages: "bit_rate默认设置范围为64k～160k，传了
disable_default_bit_rate为true后可以设置到64k以下")."""
MAX_DEFAULT_BITRATE_KBPS: Final = 160
"""The top of that range: documented as the default ceiling, and nothing lifts it."""


def resource_id_for_voice(voice: str) -> str:
    """Pick the resource id a voice needs: each generation works only with its own.

    2.0 voices end in ``_uranus_bigtts`` / ``_saturn_bigtts`` or start with
    ``saturn_``; user clones are ``S_…`` (or ``icl_…`` / ``ICL_…`` without the
    ``_tob`` suffix that Volcengine's own ``ICL_…_tob`` 1.0 voices carry);
    everything else is a 1.0 voice.
    """
    if voice.endswith(("_uranus_bigtts", "_saturn_bigtts")) or voice.startswith("saturn_"):
        return SEED_TTS_2
    if is_clone(voice):
        return SEED_ICL_1
    return SEED_TTS_1


def is_clone(voice: str) -> bool:
    """Tell a user's cloned voice from Volcengine's own voices."""
    if voice.startswith("S_"):
        return True
    return voice.lower().startswith("icl_") and not voice.endswith("_tob")


def percent_rate(ratio: float) -> int:
    """Convert a ratio (0.5–2.0) to v3's speech_rate / loudness_rate (-50–100)."""
    return round(max(-50.0, min(100.0, (ratio - 1.0) * 100)))


def _additions(settings: VoiceSettings) -> dict[str, Any]:
    """Build the ``additions`` these settings need (empty when none)."""
    additions: dict[str, Any] = {}
    if settings.explicit_language:
        additions["explicit_language"] = settings.explicit_language
    if settings.pitch:
        additions["post_process"] = {"pitch": settings.pitch}
    if settings.context_texts:
        additions["context_texts"] = list(settings.context_texts)
    if settings.filter_markdown:
        additions["disable_markdown_filter"] = True  # despite its name: True filters
    if settings.bitrate_kbps is not None and settings.bitrate_kbps < MIN_DEFAULT_BITRATE_KBPS:
        additions["disable_default_bit_rate"] = True  # else clamped to 64–160 kbps
    return additions


def synthesis_headers(
    credentials: ServiceCredentials, resource_id: str, *, app_id_header: str = APP_KEY_HEADER
) -> dict[str, str]:
    """Return the handshake headers of a v3 synthesis socket, either direction.

    The login (:func:`.models.auth_headers`), the resource id that bills the
    request, and the ask for the billed character count in ``usage``.
    """
    return {
        **auth_headers(credentials, app_id_header=app_id_header),
        "X-Api-Resource-Id": resource_id,
        USAGE_HEADER: USAGE_TEXT_WORDS,
    }


def req_params(settings: VoiceSettings) -> dict[str, Any]:
    """Build ``req_params`` without text: voice, audio and ``additions``.

    Shared by the bidirectional and the unidirectional API, which document the same fields.
    """
    audio_params: dict[str, Any] = {
        "format": "pcm" if settings.encoding is AudioEncoding.WAV else str(settings.encoding),
        "sample_rate": settings.sample_rate,
        "speech_rate": percent_rate(settings.speed_ratio),
    }
    if settings.bitrate_kbps is not None:
        audio_params["bit_rate"] = settings.bitrate_kbps * 1000
    if settings.volume_ratio != 1.0:
        audio_params["loudness_rate"] = percent_rate(settings.volume_ratio)
    if settings.emotion:
        audio_params["emotion"] = settings.emotion
        if settings.emotion_scale is not None:
            audio_params["emotion_scale"] = settings.emotion_scale
    params: dict[str, Any] = {"speaker": settings.voice, "audio_params": audio_params}
    if additions := _additions(settings):
        # Documented as a JSON *string*, not an object.
        params["additions"] = json.dumps(additions, ensure_ascii=False)
    return params


class _Owed(enum.Enum):
    """What the server owes a session an answer for."""

    START = enum.auto()
    """StartSession: SessionStarted."""
    TEXT = enum.auto()
    """TaskRequests whose text ends a sentence: that sentence's end."""
    END = enum.auto()
    """FinishSession or CancelSession: the session's last event."""


class SessionState(enum.Enum):
    """Where a session is in its life."""

    STARTING = enum.auto()
    STARTED = enum.auto()
    FINISHING = enum.auto()
    DONE = enum.auto()


class BidirectionalConnection:
    """One started v3 connection that runs sessions one after another."""

    def __init__(
        self,
        connection: Connection,
        *,
        resource_id: str,
        connection_id: str | None,
        uid: str,
    ) -> None:
        self._connection = connection
        self.resource_id = resource_id
        self.connection_id = connection_id
        self._uid = uid
        self._session: BidirectionalSession | None = None
        self._broken = False

    @classmethod
    async def open(
        cls,
        credentials: ServiceCredentials,
        *,
        resource_id: str,
        uid: str = "homeassistant",
        **socket: Unpack[SocketOptions],
    ) -> BidirectionalConnection:
        """Connect and start the connection (StartConnection → ConnectionStarted).

        ``socket`` says where and how to connect (endpoint, TLS context,
        timeouts: :class:`.transport.SocketOptions`), as for every client.
        """
        connection = await open_service_socket(
            V3_BIDIRECTION_PATH,
            socket,
            headers={
                **synthesis_headers(credentials, resource_id),
                "X-Api-Connect-Id": str(uuid.uuid4()),
            },
            secrets=credentials.secrets(),
        )
        try:
            await connection.send(encode_event(Event.START_CONNECTION))
            started = await _expect_connection_started(connection)
        except BaseException:
            await connection.close()
            raise
        _LOGGER.debug(
            "v3 connection %s started for %s (logid %s)",
            started.connection_id,
            resource_id,
            connection.log_id,
        )
        return cls(
            connection, resource_id=resource_id, connection_id=started.connection_id, uid=uid
        )

    @property
    def log_id(self) -> str | None:
        """The ``X-Tt-Logid`` of the handshake, for support requests."""
        return self._connection.log_id

    @property
    def is_usable(self) -> bool:
        """Whether another session may run on this connection."""
        return not self._broken and self._connection.is_open

    @property
    def reusable(self) -> bool:
        """Whether the next request may have this connection: it works and its session is done.

        The one keep-or-discard check: a session cut off half-way (cancelled,
        failed to confirm its cancellation) leaves the connection unusable.
        """
        session = self._session
        return self.is_usable and (session is None or session.state is SessionState.DONE)

    async def begin_session(self, settings: VoiceSettings) -> BidirectionalSession:
        """Send StartSession without waiting for the answer."""
        if self._session is not None and self._session.state is not SessionState.DONE:
            raise RuntimeError("a session is already running on this connection")
        session = BidirectionalSession(self, settings, session_id=uuid.uuid4().hex, uid=self._uid)
        self.expect_reply(True)  # SessionStarted is owed
        await self.send(
            encode_event(
                Event.START_SESSION,
                session.payload(Event.START_SESSION),
                session_id=session.session_id,
            )
        )
        self._session = session
        return session

    async def send(self, frame: bytes) -> None:
        """Send a frame; a failure makes the connection unusable."""
        try:
            await self._connection.send(frame)
        except VolcengineError:
            self._broken = True
            raise

    async def receive_event(self) -> EventFrame:
        """Receive the next event; errors sent by the server raise."""
        try:
            frame = decode_message(await self._connection.receive(), self.log_id)
        except VolcengineError:
            self._broken = True
            raise
        if not isinstance(frame, EventFrame):
            self._broken = True
            raise ProtocolError(
                f"unexpected {type(frame).__name__} on a v3 connection", log_id=self.log_id
            )
        if frame.event == Event.CONNECTION_FAILED:
            self._broken = True
            raise _error_from_event(frame, self.log_id)
        return frame

    def expect_reply(self, expected: bool) -> None:
        """Say whether the server owes the running session an answer (see transport)."""
        self._connection.expect_reply(expected)

    def when_lost(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` once when the socket is gone; returns how to take it back."""
        return self._connection.when_lost(listener)

    def abort(self) -> None:
        """Drop the socket at once (no handshake): a reader waiting on it stops now."""
        self._broken = True
        self._connection.abort()

    def mark_broken(self) -> None:
        """Never reuse this connection (its state is unknown after a failure)."""
        self._broken = True

    async def close(self) -> None:
        """Finish the connection politely when possible, then close the socket."""
        try:
            if self.is_usable:
                await self._connection.send(encode_event(Event.FINISH_CONNECTION))
        except VolcengineError as err:
            _LOGGER.debug("FinishConnection failed, closing anyway: %s", err)
        finally:
            self._broken = True
            await self._connection.close()


class BidirectionalSession:
    """One session: text in through :meth:`send_text`, audio out of :meth:`audio`."""

    def __init__(
        self,
        connection: BidirectionalConnection,
        settings: VoiceSettings,
        *,
        session_id: str,
        uid: str,
    ) -> None:
        self._connection = connection
        self._uid = uid
        self.settings = settings
        self.session_id = session_id
        self.state = SessionState.STARTING
        self.usage: dict[str, Any] = {}
        self.characters_sent = 0
        self._unanswered: set[_Owed] = {_Owed.START}
        """What we sent that the server has not answered yet."""
        self._requests_sent = 0
        """TaskRequests sent so far; they are numbered from 1 in this order."""
        self._owed_through = 0
        """The last TaskRequest whose text ends a sentence: the server owes it speech."""
        self._speaking_through = 0
        """TaskRequests sent when the sentence being spoken started (TTSSentenceStart)."""
        self._sentence_started = False

    def payload(self, event: Event, text: str | None = None) -> dict[str, Any]:
        """Build a StartSession / TaskRequest payload with this session's settings."""
        params = req_params(self.settings)
        if text is not None:
            params["text"] = text
        return {
            "user": {"uid": self._uid},
            "event": int(event),
            "namespace": NAMESPACE,
            "req_params": params,
        }

    @property
    def billed_characters(self) -> int:
        """What a finished session cost: the service's ``text_words``, else what we sent.

        Asked for with ``X-Control-Require-Usage-Tokens-Return``; a server that
        ignores the header is assumed to bill every character it received.
        """
        billed = self.usage.get(USAGE_TEXT_WORDS)
        if isinstance(billed, int) and not isinstance(billed, bool) and billed >= 0:
            return billed
        return self.characters_sent

    async def wait_started(self) -> None:
        """Wait for SessionStarted (it may already be waiting in the socket)."""
        while self.state is SessionState.STARTING:
            frame = await self._next_own_event()
            if frame.event == Event.SESSION_STARTED:
                self.state = SessionState.STARTED
                self._answered(_Owed.START)
            elif frame.event in _SESSION_ENDINGS:
                self._end(frame)
            else:
                _LOGGER.debug("Ignoring event %s before SessionStarted", frame.event)

    async def send_text(self, text: str) -> None:
        """Send one piece of text (TaskRequest); the server cuts it into sentences.

        Only text that ends a sentence is owed an answer: the rest of a sentence
        (a long clause released early) waits in the server for its terminator.
        """
        self._requests_sent += 1
        if ends_sentence(text):
            self._owed_through = self._requests_sent
            self._owe(_Owed.TEXT)
        self.characters_sent += len(text)
        await self._connection.send(
            encode_event(
                Event.TASK_REQUEST,
                self.payload(Event.TASK_REQUEST, text),
                session_id=self.session_id,
            )
        )

    async def finish(self) -> None:
        """Say that no more text follows (FinishSession)."""
        if self.state in (SessionState.STARTING, SessionState.STARTED):
            self._owe(_Owed.END)
            await self._connection.send(
                encode_event(Event.FINISH_SESSION, session_id=self.session_id)
            )
            if self.state is SessionState.STARTED:
                self.state = SessionState.FINISHING

    async def audio(self) -> AsyncGenerator[bytes]:
        """Yield audio until SessionFinished; SessionFailed and errors raise."""
        await self.wait_started()
        while self.state is not SessionState.DONE:
            frame = await self._next_own_event()
            if frame.event == Event.TTS_RESPONSE:
                if frame.payload:
                    yield frame.payload
            elif frame.event == Event.TTS_SENTENCE_START:
                self._sentence_started = True
                self._speaking_through = self._requests_sent
            elif frame.event == Event.TTS_SENTENCE_END:
                self._sentence_answered()
            elif frame.event in _SESSION_ENDINGS:
                self._end(frame)
            else:
                _LOGGER.debug("Session %s: event %s", self.session_id, frame.event)

    async def cancel(self) -> None:
        """Abandon the session (CancelSession) and wait until the server confirms.

        When that cannot be confirmed the connection is marked broken, so the
        pool never runs a new session next to a half-finished one.
        """
        if self.state is SessionState.DONE:
            return
        try:
            self._owe(_Owed.END)
            await self._connection.send(
                encode_event(Event.CANCEL_SESSION, session_id=self.session_id)
            )
            while self.state is not SessionState.DONE:
                frame = await self._next_own_event()
                if frame.event in _SESSION_ENDINGS:
                    self.state = SessionState.DONE
        except VolcengineError as err:
            _LOGGER.debug("CancelSession of %s failed: %s", self.session_id, err)
            self._connection.mark_broken()
            self.state = SessionState.DONE

    def abort(self) -> None:
        """Drop the connection now: the reader stops at once, nothing is reused."""
        self._connection.abort()

    def _owe(self, owed: _Owed) -> None:
        self._unanswered.add(owed)
        self._connection.expect_reply(True)

    def _answered(self, owed: _Owed) -> None:
        """Note an answer; with nothing left unanswered, silence is no longer a stall.

        A sentence's end answers all text sent before that sentence started:
        the server may join our pieces into one sentence or cut one into several.
        """
        self._unanswered.discard(owed)
        self._connection.expect_reply(bool(self._unanswered))

    def _sentence_answered(self) -> None:
        """Note a sentence's end: it answers text sent before it started, not text sent since.

        A server that sends no TTSSentenceStart is taken to have answered all text so far.
        """
        answered_through = self._speaking_through if self._sentence_started else self._requests_sent
        self._sentence_started = False
        if self._owed_through <= answered_through:
            self._answered(_Owed.TEXT)

    async def _next_own_event(self) -> EventFrame:
        """Receive events, skipping late ones of earlier sessions on this connection."""
        while True:
            try:
                frame = await self._connection.receive_event()
            except VolcengineError:
                self.state = SessionState.DONE
                raise
            if frame.session_id in (None, self.session_id):
                return frame
            _LOGGER.debug("Ignoring event %s of session %s", frame.event, frame.session_id)

    def _end(self, frame: EventFrame) -> None:
        """Handle SessionFinished / SessionCanceled / SessionFailed."""
        self.state = SessionState.DONE
        document = frame.json()
        status = document.get("status_code", STATUS_OK)
        if frame.event == Event.SESSION_FINISHED and status == STATUS_OK:
            usage = document.get("usage")
            self.usage = usage if isinstance(usage, dict) else {}
            return
        if frame.event == Event.SESSION_CANCELED:
            raise VolcengineConnectionError(
                "Volcengine canceled the session", log_id=self._connection.log_id
            )
        raise _error_from_event(frame, self._connection.log_id)


_SESSION_ENDINGS: Final = frozenset(
    {Event.SESSION_FINISHED, Event.SESSION_CANCELED, Event.SESSION_FAILED}
)


async def _expect_connection_started(connection: Connection) -> EventFrame:
    """Read until ConnectionStarted; ConnectionFailed and errors raise."""
    while True:
        frame = decode_message(await connection.receive(), connection.log_id)
        if isinstance(frame, EventFrame):
            if frame.event == Event.CONNECTION_STARTED:
                return frame
            if frame.event == Event.CONNECTION_FAILED:
                raise _error_from_event(frame, connection.log_id)
        _LOGGER.debug("Ignoring %s before ConnectionStarted", frame)


def _error_from_event(frame: EventFrame, log_id: str | None) -> VolcengineError:
    """Turn a failure event's ``{"status_code", "message"}`` into a typed error."""
    document = frame.json()
    code = document.get("status_code", document.get("code"))
    message = document.get("message", json.dumps(document, ensure_ascii=False))
    return error_from_server(code if isinstance(code, int) else 0, str(message), log_id=log_id)
