"""Client for Volcengine's v1 ``ws_binary`` text-to-speech API.

One request per connection: the v1 documentation contradicts itself about
reusing a connection, and a fresh one is what the official demo does. (The
v3 engine keeps warm connections instead.)
"""

from __future__ import annotations

import contextlib
import json
import logging
import ssl
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final, Literal

from ..wire.errors import (
    InvalidInputError,
    UnsupportedCredentialsError,
)
from ..wire.frames import (
    AckFrame,
    AudioFrame,
    Compression,
    FrontendFrame,
    ServerResponseFrame,
    encode_full_client_request,
)
from ..wire.models import (
    DEFAULT_CLUSTER,
    MAX_TEXT_BYTES,
    AudioEncoding,
    Credentials,
    ServiceCredentials,
    SynthesisRequest,
)
from ..wire.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_ENDPOINT,
    DEFAULT_RECEIVE_TIMEOUT,
    Connection,
    SocketPerRequest,
    decode_message,
)

_LOGGER = logging.getLogger(__name__)

V1_PATH: Final = "/api/v1/tts/ws_binary"
PLACEHOLDER_TOKEN: Final = "access_token"  # noqa: S105 - not a secret, see below
"""``app.token`` in the payload is not checked by the service; the real token
travels only in the Authorization header, so it never sits in a frame."""

type Operation = Literal["submit", "query"]


def v1_credentials(credentials: ServiceCredentials) -> Credentials:
    """Return the app id + token pair v1 needs; refuse an API key.

    Volcengine documents the API key for the v3 endpoints only; v1 takes a
    Bearer token and an app id in the payload.
    """
    if isinstance(credentials, Credentials):
        return credentials
    raise UnsupportedCredentialsError(
        "The v1 API cannot use an API key: choose the v3 protocol, or log in "
        "with the APP ID and Access Token"
    )


class V1Client(SocketPerRequest):
    """Speak text through the v1 websocket binary protocol."""

    def __init__(
        self,
        credentials: ServiceCredentials,
        *,
        cluster: str = DEFAULT_CLUSTER,
        endpoint: str = DEFAULT_ENDPOINT,
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        receive_timeout: float = DEFAULT_RECEIVE_TIMEOUT,
        compression: Compression = Compression.GZIP,
        uid: str = "homeassistant",
    ) -> None:
        """Prepare a client; nothing is sent until a request is made.

        Pass ``ssl_context`` from the caller's event-loop-friendly source
        (Home Assistant has one); creating one here reads CA files from disk.
        """
        super().__init__(
            endpoint,
            V1_PATH,
            ssl_context=ssl_context,
            connect_timeout=connect_timeout,
            receive_timeout=receive_timeout,
        )
        self._credentials = credentials
        self.cluster = cluster
        self._compression = compression
        self._uid = uid

    async def stream(self, request: SynthesisRequest) -> AsyncGenerator[bytes]:
        """Synthesize with ``operation=submit``, yielding audio as it arrives.

        Any failure raises, also after audio has been yielded: the caller must
        never mistake a truncated stream for a complete one.
        """
        async with self._connect() as connection:
            await self._send(connection, request, "submit")
            while True:
                frame = await self._next_audio_frame(connection)
                if frame.audio:
                    yield frame.audio
                if frame.is_last:
                    return

    async def synthesize(self, request: SynthesisRequest) -> bytes:
        """Synthesize with ``operation=submit`` and return the complete audio."""
        async with contextlib.aclosing(self.stream(request)) as audio:
            return b"".join([chunk async for chunk in audio])

    async def query(self, request: SynthesisRequest) -> bytes:
        """Synthesize with ``operation=query``: the server answers in one frame."""
        async with self._connect() as connection:
            await self._send(connection, request, "query")
            chunks: list[bytes] = []
            while True:
                frame = await self._next_audio_frame(connection)
                chunks.append(frame.audio)
                if frame.is_last:
                    return b"".join(chunks)

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[Connection]:
        """One connection per request, closed whatever happens."""
        credentials = v1_credentials(self._credentials)
        connection = await self._open_socket(
            headers={"Authorization": f"Bearer; {credentials.access_token}"},
            secrets=credentials.secrets(),
        )
        try:
            yield connection
        except BaseException:
            await connection.close()
            raise
        # The answer is complete: the close handshake (one round trip) need
        # not hold up the caller, e.g. the next piece of a long text.
        self._close_in_background(connection.close())

    async def _send(
        self, connection: Connection, request: SynthesisRequest, operation: Operation
    ) -> None:
        text_bytes = len(request.text.encode())
        if text_bytes > MAX_TEXT_BYTES:
            raise InvalidInputError(
                f"The text is {text_bytes} bytes long; one request takes at most {MAX_TEXT_BYTES}",
                code=3010,
            )
        payload = self._payload(request, operation)
        _LOGGER.debug(
            "v1 %s reqid=%s voice=%s encoding=%s chars=%d (logid %s)",
            operation,
            payload["request"]["reqid"],
            request.voice,
            request.encoding,
            len(request.text),
            connection.log_id,
        )
        await connection.send(encode_full_client_request(payload, compression=self._compression))

    def _payload(self, request: SynthesisRequest, operation: Operation) -> dict[str, Any]:
        audio: dict[str, Any] = {
            "voice_type": request.voice,
            "encoding": str(request.encoding),
            "speed_ratio": request.speed_ratio,
            "rate": request.sample_rate,
        }
        if request.bitrate_kbps is not None and request.encoding is AudioEncoding.MP3:
            audio["bitrate"] = request.bitrate_kbps
        if request.volume_ratio != 1.0:
            audio["loudness_ratio"] = request.volume_ratio
        if request.emotion:
            audio["emotion"] = request.emotion
            audio["enable_emotion"] = True
            if request.emotion_scale is not None:
                audio["emotion_scale"] = request.emotion_scale
        if request.explicit_language:
            audio["explicit_language"] = request.explicit_language
        body: dict[str, Any] = {
            "reqid": str(uuid.uuid4()),
            "text": request.text,
            "text_type": "ssml" if request.ssml else "plain",
            "operation": operation,
        }
        if request.filter_markdown:
            # A JSON string, as documented; despite its name, True filters Markdown.
            body["extra_param"] = json.dumps({"disable_markdown_filter": True})
        return {
            "app": {
                "appid": v1_credentials(self._credentials).app_id,
                "token": PLACEHOLDER_TOKEN,
                "cluster": self.cluster,
            },
            "user": {"uid": self._uid},
            "audio": audio,
            "request": body,
        }

    async def _next_audio_frame(self, connection: Connection) -> AudioFrame:
        """Return the next audio frame, skipping acknowledgements and side channels."""
        while True:
            frame = decode_message(await connection.receive(), connection.log_id)
            match frame:
                case AudioFrame():
                    return frame
                case AckFrame():
                    _LOGGER.debug("Request acknowledged (logid %s)", connection.log_id)
                case FrontendFrame() | ServerResponseFrame():
                    _LOGGER.debug("Ignoring %s (logid %s)", type(frame).__name__, connection.log_id)
