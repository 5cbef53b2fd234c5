"""Client for Volcengine's v3 unidirectional websocket API: one text (or SSML) per request.

The road for what the bidirectional API does not take: SSML ("双向流式目前不支持ssml";
here it travels as ``req_params.ssml``) and the few 1.0 voices the voice list
marks as not speaking bidirectionally. A request is one full-client frame
(flags 0, no event number) with the whole text; the answer is the same event
frames as a bidirectional session's (TTSSentenceStart / TTSResponse … /
TTSSentenceEnd, then SessionFinished, or an error). The connection carries
requests one after another ("链接复用可降低耗时约70ms"), so a streamed message
sent sentence by sentence pays the handshake once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any, Final, Unpack

from ..wire.errors import ProtocolError, VolcengineError, error_from_server
from ..wire.frames import Compression, Event, EventFrame, encode_full_client_request
from ..wire.models import ServiceCredentials, SynthesisRequest
from ..wire.transport import Connection, SocketOptions, decode_message, open_service_socket
from .bidirection import STATUS_OK, USAGE_TEXT_WORDS, req_params, synthesis_headers

_LOGGER = logging.getLogger(__name__)

V3_UNIDIRECTIONAL_PATH: Final = "/api/v3/tts/unidirectional/stream"
UNIDIRECTIONAL_APP_ID_HEADER: Final = "X-Api-App-Id"
"""The app id's header on the unidirectional pages (the bidirectional ones say
``X-Api-App-Key``). *Uncertain* which one the service reads here; the page's own."""
_SESSION_FAILURES: Final = frozenset({Event.SESSION_FAILED, Event.SESSION_CANCELED})


class UnidirectionalConnection:
    """One websocket to the unidirectional API, carrying requests one after another."""

    def __init__(self, connection: Connection, *, resource_id: str, uid: str) -> None:
        self._connection = connection
        self.resource_id = resource_id
        self._uid = uid
        self._busy = False
        self._broken = False

    @classmethod
    async def open(
        cls,
        credentials: ServiceCredentials,
        *,
        resource_id: str,
        uid: str = "homeassistant",
        **socket: Unpack[SocketOptions],
    ) -> UnidirectionalConnection:
        """Connect; there is no StartConnection on this API, the first request follows.

        ``socket`` says where and how to connect (endpoint, TLS context,
        timeouts: :class:`.transport.SocketOptions`), as for every client.
        """
        connection = await open_service_socket(
            V3_UNIDIRECTIONAL_PATH,
            socket,
            headers=synthesis_headers(
                credentials, resource_id, app_id_header=UNIDIRECTIONAL_APP_ID_HEADER
            ),
            secrets=credentials.secrets(),
        )
        _LOGGER.debug("v3 unidirectional for %s (logid %s)", resource_id, connection.log_id)
        return cls(connection, resource_id=resource_id, uid=uid)

    @property
    def log_id(self) -> str | None:
        """The ``X-Tt-Logid`` of the handshake, for support requests."""
        return self._connection.log_id

    @property
    def reusable(self) -> bool:
        """Whether another request may use this connection: open, and no request cut off."""
        return not self._broken and not self._busy and self._connection.is_open

    def payload(self, request: SynthesisRequest) -> dict[str, Any]:
        """Build the request: ``req_params.ssml`` for SSML (it wins over text), else ``text``."""
        params = req_params(request)
        params["ssml" if request.ssml else "text"] = request.text
        return {"user": {"uid": self._uid}, "req_params": params}

    async def synthesize(self, request: SynthesisRequest) -> RequestResult:
        """Start one request; its audio comes from the result's :meth:`RequestResult.audio`."""
        if not self.reusable:
            raise RuntimeError("a request is already running on this connection")
        self._busy = True
        frame = encode_full_client_request(self.payload(request), compression=Compression.NONE)
        try:
            await self._connection.send(frame)
        except VolcengineError:
            self._broken = True
            raise
        return RequestResult(self, characters_sent=len(request.text))

    async def receive_event(self) -> EventFrame:
        """Receive the next event; errors sent by the server raise and end the connection."""
        try:
            frame = decode_message(await self._connection.receive(), self.log_id)
        except VolcengineError:
            self._broken = True
            raise
        if not isinstance(frame, EventFrame):
            self._broken = True
            raise ProtocolError(
                f"unexpected {type(frame).__name__} on a unidirectional connection",
                log_id=self.log_id,
            )
        return frame

    def finished(self, *, cleanly: bool) -> None:
        """Note that the running request ended; one cut off leaves the connection unusable."""
        self._busy = False
        self._broken = self._broken or not cleanly

    async def close(self) -> None:
        """Close the socket (no FinishConnection: nothing was started)."""
        self._broken = True
        await self._connection.close()


class RequestResult:
    """The answer to one unidirectional request: its audio, then what it cost."""

    def __init__(self, connection: UnidirectionalConnection, *, characters_sent: int) -> None:
        self._connection = connection
        self.characters_sent = characters_sent
        self.usage: dict[str, Any] = {}

    @property
    def billed_characters(self) -> int:
        """The service's ``text_words`` when it reported them, else the characters sent."""
        billed = self.usage.get(USAGE_TEXT_WORDS)
        if isinstance(billed, int) and not isinstance(billed, bool) and billed >= 0:
            return billed
        return self.characters_sent

    async def audio(self) -> AsyncGenerator[bytes]:
        """Yield audio until SessionFinished; a failure raises, also after audio."""
        finished = False
        try:
            while True:
                frame = await self._connection.receive_event()
                if frame.event == Event.TTS_RESPONSE:
                    if frame.payload:
                        yield frame.payload
                elif frame.event == Event.SESSION_FINISHED:
                    self._finish(frame)
                    finished = True
                    return
                elif frame.event in _SESSION_FAILURES:
                    raise _failure(frame, self._connection.log_id)
                else:
                    _LOGGER.debug("Unidirectional request: event %s", frame.event)
        finally:
            self._connection.finished(cleanly=finished)

    def _finish(self, frame: EventFrame) -> None:
        document = frame.json()
        status = document.get("status_code", STATUS_OK)
        if status != STATUS_OK:
            raise _failure(frame, self._connection.log_id)
        usage = document.get("usage")
        self.usage = usage if isinstance(usage, dict) else {}


def _failure(frame: EventFrame, log_id: str | None) -> VolcengineError:
    """Turn a failed request's ``{"status_code", "message"}`` into a typed error."""
    document = frame.json()
    code = document.get("status_code", document.get("code"))
    message = document.get("message", "the request failed")
    return error_from_server(code if isinstance(code, int) else 0, str(message), log_id=log_id)
