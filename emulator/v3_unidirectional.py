"""Serving ``/api/v3/tts/unidirectional/stream``: one JSON request in, a sentence stream out.

The client sends an event-less full-client request carrying the whole text; the server
answers TTSSentenceStart / TTSResponse / TTSSentenceEnd per sentence, then
SessionFinished, all under a session id the server makes up (the client never sends
one). Requests may follow one another on the connection ("链接复用"); FinishConnection
ends it. Failures are error frames, after which the connection closes.
"""

import logging
import uuid
from typing import Any, Final

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .audio import has_speech
from .errors import CONCURRENCY_QUOTA_EXCEEDED, V3Code, V3Error, invalid_params
from .framing import ProtocolError
from .sentences import split_sentences
from .ssml import (
    SSML_NOT_FOR_SPEAKER,
    SSML_WITH_MARKDOWN_FILTER,
    SsmlRefusedError,
    parse_ssml,
    render_ssml,
    spoken_text,
    ssml_duration,
)
from .state import Handshake, ServiceState, V3Link
from .v3_framing import (
    ClientFrame,
    Event,
    decode_client_frame,
    encode_connection_event,
    encode_error,
    encode_session_event,
)
from .v3_request import (
    SessionParams,
    V3Identity,
    record_session,
    speaker_generation,
    validate_session,
)
from .v3_stream import Outcome, SentenceStreamer

UNIDIRECTIONAL_PATH: Final = "/api/v3/tts/unidirectional/stream"
OK_PAYLOAD: Final = {"status_code": V3Code.OK.value, "message": "ok"}

_LOGGER = logging.getLogger(__name__)


def _text(payload: dict[str, Any], max_chars: int) -> str:
    req_params = payload.get("req_params")
    text = req_params.get("text") if isinstance(req_params, dict) else None
    if not isinstance(text, str) or not has_speech(text):
        raise invalid_params("req_params.text is required")
    if len(text) > max_chars:
        raise V3Error(V3Code.TEXT_LIMIT_EXCEEDED, "TTSExceededTextLimit")
    return text


SSML_REFUSING_RESOURCES: Final = frozenset({"seed-icl-2.0"})
"""Resource ids whose voices take no SSML (ICL 2.0), besides the 2.0 voices themselves."""


def _ssml_document(payload: dict[str, Any]) -> str | None:
    """Return ``req_params.ssml`` when sent: it takes priority over ``text``."""
    req_params = payload.get("req_params")
    ssml = req_params.get("ssml") if isinstance(req_params, dict) else None
    return ssml if isinstance(ssml, str) and ssml else None


def _render_ssml(
    document: str, params: SessionParams, identity: V3Identity, max_chars: int
) -> tuple[str, bytes, float]:
    """Check and render an SSML request: its spoken text, audio and duration."""
    if (
        speaker_generation(params.speaker) == "tts-2.0"
        or identity.resource_id in SSML_REFUSING_RESOURCES
    ):
        raise invalid_params(SSML_NOT_FOR_SPEAKER)
    if params.markdown_filter:
        raise invalid_params(SSML_WITH_MARKDOWN_FILTER)
    if len(document) > max_chars:
        raise V3Error(V3Code.TEXT_LIMIT_EXCEEDED, "TTSExceededTextLimit")
    try:
        parts = parse_ssml(document)
    except SsmlRefusedError as err:
        raise invalid_params(str(err)) from err
    spoken = spoken_text(parts)
    if not has_speech(spoken):
        raise invalid_params("the ssml has no text to speak")
    audio = render_ssml(
        parts,
        params.speaker,
        encoding=params.encoding,
        sample_rate=params.sample_rate,
        speed_ratio=params.speed_ratio,
        bitrate_kbps=params.bitrate_kbps,
    )
    return spoken, audio, ssml_duration(parts, speed_ratio=params.speed_ratio)


class _UnidirectionalConnection:
    def __init__(
        self, connection: ServerConnection, state: ServiceState, identity: V3Identity
    ) -> None:
        self._connection = connection
        self._state = state
        self._identity = identity
        self._connection_id = identity.connection_id()
        self._link: V3Link = state.open_v3_link(connection, identity.app_id)
        # No StartConnection here: the connection takes its slot when it opens.
        self._over_quota = not state.start_v3_link(self._link)

    async def run(self) -> None:
        try:
            async for message in self._connection:
                if not await self._handle(message):
                    return
        finally:
            self._state.forget_v3_link(self._link)

    async def _handle(self, message: str | bytes) -> bool:
        """Answer one client frame; return whether the connection stays open."""
        try:
            return await self._answer(message)
        except V3Error as error:  # every failure is an error frame, then we close
            _LOGGER.info("connection %s: %s", self._connection_id, error)
            await self._connection.send(encode_error(error.code, error.message))
            return False

    async def _answer(self, message: str | bytes) -> bool:
        """Serve one frame or raise the ``V3Error`` that refuses it."""
        if self._identity.key_rejected:
            raise self._identity.key_refusal()
        if isinstance(message, str):
            raise invalid_params("expected a binary frame, got a text frame")
        try:
            frame = decode_client_frame(message)
        except ProtocolError as err:
            raise invalid_params(f"malformed frame: {err}") from err
        if frame.event == Event.FINISH_CONNECTION:
            self._state.forget_v3_link(self._link)  # free before the client hears of it
            await self._connection.send(
                encode_connection_event(Event.CONNECTION_FINISHED, self._connection_id, OK_PAYLOAD)
            )
            return False
        if frame.event is not None:
            raise invalid_params(f"unsupported event {frame.event}")
        if self._over_quota:
            raise V3Error(V3Code.CLIENT_ERROR, CONCURRENCY_QUOTA_EXCEEDED)
        return await self._synthesize(frame)

    async def _synthesize(self, frame: ClientFrame) -> bool:
        session_id = str(uuid.uuid4())
        index = self._state.record_session(
            record_session(
                frame.payload,
                self._identity,
                connection_id=self._connection_id,
                session_id=session_id,
                endpoint="unidirectional",
            )
        )
        self._link.busy = True
        try:
            return await self._stream(frame, session_id, index)
        except V3Error as error:
            self._state.update_session(index, status_code=error.code)
            raise
        finally:
            self._link.busy = False

    async def _stream(self, frame: ClientFrame, session_id: str, index: int) -> bool:
        config = self._state.config
        req_params = frame.payload.get("req_params")
        raw_text = req_params.get("text") if isinstance(req_params, dict) else None
        document = _ssml_document(frame.payload)
        if document is not None:
            self._state.sessions[index].texts.append(document)
            self._state.update_session(index, ssml=True)
        elif isinstance(raw_text, str):
            self._state.sessions[index].texts.append(raw_text)
        params = validate_session(frame.payload, self._identity, config, self._state.clones)
        streamer = SentenceStreamer(self._connection, self._state, session_id, params)
        if document is not None:
            spoken, audio, duration = _render_ssml(
                document, params, self._identity, config.max_text_chars
            )
            text = spoken
            sentences: list[tuple[str, tuple[bytes, float] | None]] = [(spoken, (audio, duration))]
        else:
            text = _text(frame.payload, config.max_text_chars)
            sentences = [(sentence, None) for sentence in split_sentences(text)]
        for sentence, rendered in sentences:
            if await streamer.send(sentence, rendered) is not Outcome.SENT:
                failure = streamer.failure
                code = failure.code if failure is not None else V3Code.SERVER_ERROR.value
                self._state.update_session(index, status_code=code)
                return False
        self._state.update_session(index, finished=True, status_code=V3Code.OK.value)
        payload: dict[str, Any] = dict(OK_PAYLOAD)
        if self._identity.wants_usage:
            payload["usage"] = {"text_words": len(text)}
        await self._connection.send(
            encode_session_event(Event.SESSION_FINISHED, session_id, payload)
        )
        return True


async def serve_unidirectional(
    connection: ServerConnection, state: ServiceState, handshake: Handshake
) -> None:
    """Serve requests on one unidirectional-stream connection until it ends."""
    identity = V3Identity.from_headers(handshake.headers, state.config)
    try:
        await _UnidirectionalConnection(connection, state, identity).run()
    except ConnectionClosed:  # the client left mid-request: nobody is left to tell
        _LOGGER.debug("logid %s: client disconnected", handshake.logid)
