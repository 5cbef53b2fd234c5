"""Client for Volcengine's streaming speech recognition (大模型流式语音识别, ``sauc``).

One connection, one utterance. The full client request (frame 1) describes
the audio and the options; audio follows in numbered packets of 200 ms
(frames 2, 3, ...), the last one marked by flags ``0b0011`` and its number
negated. The server answers with full-server responses carrying the whole
transcript so far; the one with flags bit 1 set is final, after which the
server closes the connection.

Audio goes out as it arrives, while a reader takes the answers: nothing
waits for the whole utterance. Every wait has a deadline: the handshake the
connect timeout, an audio send the receive timeout, the final answer the
receive timeout from the moment the last packet is sent, and the session as
a whole ``max_audio_seconds`` plus that.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import uuid
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..wire.errors import (
    AudioSourceError,
    AudioTooLongError,
    InvalidInputError,
    ProtocolError,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
    json_object,
)
from ..wire.frames import (
    MessageType,
    Serialization,
    ServerResponseFrame,
    encode_sequenced_request,
)
from ..wire.models import ServiceCredentials, auth_headers
from ..wire.tasks import stop
from ..wire.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_ENDPOINT,
    DEFAULT_RECEIVE_TIMEOUT,
    Connection,
    SocketPerRequest,
    decode_message,
)

_LOGGER = logging.getLogger(__name__)

RECOGNITION_PATH: Final = "/api/v3/sauc/bigmodel_async"
"""双向流式优化版: answers only when the result changes; the documentation
recommends it over ``bigmodel`` for its first- and last-character latency."""

ASR_DURATION: Final = "volc.bigasr.sauc.duration"
ASR_CONCURRENT: Final = "volc.bigasr.sauc.concurrent"
SEED_ASR_DURATION: Final = "volc.seedasr.sauc.duration"
SEED_ASR_CONCURRENT: Final = "volc.seedasr.sauc.concurrent"
RECOGNITION_RESOURCE_IDS: Final = (
    ASR_DURATION,
    ASR_CONCURRENT,
    SEED_ASR_DURATION,
    SEED_ASR_CONCURRENT,
)
DEFAULT_RECOGNITION_RESOURCE_ID: Final = ASR_DURATION
"""Model 1.0, billed by audio time (小时版): the resource the console's trial grants."""

SAMPLE_RATE: Final = 16000
"""The only rate the service takes ("目前只支持16000")."""
SAMPLE_BYTES: Final = 2
PACKET_MILLISECONDS: Final = 200
"""The documentation's best packet length for bidirectional streaming."""
PACKET_BYTES: Final = SAMPLE_RATE * SAMPLE_BYTES * PACKET_MILLISECONDS // 1000
FULL_REQUEST_SEQUENCE: Final = 1
EMPTY_AUDIO_CODE: Final = 45000002
"""The service's answer to a session without audio: it took the login and the request."""
DEFAULT_MAX_AUDIO_SECONDS: Final = 60.0
"""Longest utterance accepted: Home Assistant's own voice commands end after 15 s."""

ZH_VARIANTS: Final[Mapping[str, str]] = {"zh-TW": "tw", "zh-HK": "hk"}
"""``request.output_zh_variant`` per language: Traditional characters as written there."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionSettings:
    """How to recognise: what the service is told besides the audio."""

    language: str | None = None
    """A tag such as ``zh-HK``; only its Chinese script variant is sent (the
    streaming endpoint detects Mandarin, Cantonese, dialects and English by itself)."""
    punctuation: bool = True
    itn: bool = True
    """Inverse text normalisation: 二十五 → 25."""
    hot_words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Transcript:
    """The whole transcript so far (``result.text`` replaces, never appends)."""

    text: str
    is_final: bool
    audio_milliseconds: int = 0
    """Audio the service had received when it answered."""


def request_payload(settings: RecognitionSettings, *, uid: str) -> dict[str, Any]:
    """Build the full client request JSON."""
    request: dict[str, Any] = {
        "model_name": "bigmodel",
        "enable_punc": settings.punctuation,
        "enable_itn": settings.itn,
        "result_type": "full",
    }
    if variant := ZH_VARIANTS.get(settings.language or ""):
        request["output_zh_variant"] = variant
    if settings.hot_words:
        hot_words = {"hotwords": [{"word": word} for word in settings.hot_words]}
        request["corpus"] = {"context": json.dumps(hot_words, ensure_ascii=False)}
    return {
        "user": {"uid": uid},
        "audio": {"format": "pcm", "codec": "raw", "rate": SAMPLE_RATE, "bits": 16, "channel": 1},
        "request": request,
    }


def parse_response(frame: ServerResponseFrame) -> Transcript:
    """Read a response's transcript; anything not shaped like one is a ``ProtocolError``."""
    document = json_object(frame.payload) if frame.payload else {}
    if document is None:
        raise ProtocolError("a recognition response does not carry a JSON object")
    result = document.get("result", {})
    if isinstance(result, list):  # the documentation's table says list; captures say object
        result = result[0] if result else {}
    if not isinstance(result, dict):
        raise ProtocolError("a recognition response's result is not an object")
    text = result.get("text", "")
    if not isinstance(text, str):
        raise ProtocolError("a recognition response's text is not a string")
    audio_info = document.get("audio_info")
    duration = audio_info.get("duration", 0) if isinstance(audio_info, dict) else 0
    milliseconds = duration if isinstance(duration, int) and not isinstance(duration, bool) else 0
    return Transcript(text, is_final=frame.is_last, audio_milliseconds=milliseconds)


WAV_HEADER_LOOKAHEAD: Final = 4096
"""Bytes a WAV header (RIFF, fmt and any LIST chunks before ``data``) may take."""
_RIFF: Final = b"RIFF"


async def without_wav_header(audio: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Pass raw PCM through; drop a leading WAV header after checking it says 16 kHz mono s16.

    Home Assistant's pipeline sends bare PCM, but its HTTP API hands over the request
    body as sent, RIFF header included, and the service would hear the header as noise.
    """
    iterator = aiter(audio)
    head = await _read_at_least(iterator, b"", len(_RIFF))
    if head.startswith(_RIFF):
        while _data_offset(head) is None and len(head) <= WAV_HEADER_LOOKAHEAD:
            longer = await _read_at_least(iterator, head, len(head) + 1)
            if longer == head:
                break
            head = longer
        offset = _data_offset(head)
        if offset is None:
            raise InvalidInputError("The WAV audio has no data chunk near its start")
        _check_wav_format(head)
        head = head[offset:]
    if head:
        yield head
    async for chunk in iterator:
        yield chunk


async def _read_at_least(iterator: AsyncIterator[bytes], head: bytes, size: int) -> bytes:
    """Append chunks to ``head`` until it holds ``size`` bytes or the audio ends."""
    while len(head) < size:
        try:
            head += await anext(iterator)
        except StopAsyncIteration:
            break
    return head


def _data_offset(head: bytes) -> int | None:
    """Find where the samples start: after the ``data`` chunk's id and size."""
    position = 12  # "RIFF", size, "WAVE"
    while position + 8 <= len(head):
        chunk_id = head[position : position + 4]
        size = int.from_bytes(head[position + 4 : position + 8], "little")
        if chunk_id == b"data":
            return position + 8
        position += 8 + size + size % 2
    return None


def _check_wav_format(head: bytes) -> None:
    fmt = head.find(b"fmt ")
    if fmt < 0 or len(head) < fmt + 24:
        raise InvalidInputError("The WAV audio has no format chunk")
    channels = int.from_bytes(head[fmt + 10 : fmt + 12], "little")
    rate = int.from_bytes(head[fmt + 12 : fmt + 16], "little")
    bits = int.from_bytes(head[fmt + 22 : fmt + 24], "little")
    if (channels, rate, bits) != (1, SAMPLE_RATE, 8 * SAMPLE_BYTES):
        raise InvalidInputError(
            f"The WAV audio is {rate} Hz, {bits}-bit, {channels} channel(s); "
            f"Volcengine recognises {SAMPLE_RATE} Hz, 16-bit mono only"
        )


class AudioPackets:
    """Cut audio arriving in any chunk size into packets of ``PACKET_BYTES``."""

    def __init__(self, packet_bytes: int = PACKET_BYTES) -> None:
        self._packet_bytes = packet_bytes
        self._buffer = bytearray()

    def add(self, chunk: bytes) -> list[bytes]:
        """Take a chunk; return the packets that are now complete."""
        self._buffer += chunk
        size = self._packet_bytes
        complete = len(self._buffer) // size * size
        packets = [bytes(self._buffer[start : start + size]) for start in range(0, complete, size)]
        del self._buffer[:complete]
        return packets

    def rest(self) -> bytes:
        """Return what is left for the last packet (possibly nothing)."""
        rest, self._buffer = bytes(self._buffer), bytearray()
        return rest


class RecognitionClient(SocketPerRequest):
    """Recognise one utterance per connection."""

    def __init__(
        self,
        credentials: ServiceCredentials,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        resource_id: str = DEFAULT_RECOGNITION_RESOURCE_ID,
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        receive_timeout: float = DEFAULT_RECEIVE_TIMEOUT,
        max_audio_seconds: float = DEFAULT_MAX_AUDIO_SECONDS,
        uid: str = "homeassistant",
    ) -> None:
        """Prepare a client; nothing is sent until :meth:`transcribe` or :meth:`check_access`."""
        super().__init__(
            endpoint,
            RECOGNITION_PATH,
            ssl_context=ssl_context,
            connect_timeout=connect_timeout,
            receive_timeout=receive_timeout,
        )
        self._credentials = credentials
        self.resource_id = resource_id
        self.max_audio_seconds = max_audio_seconds
        self._uid = uid

    async def check_access(self) -> None:
        """Log in and wait for the service's first answer, sending no audio (nothing billed).

        The handshake alone proves little: a wrong ``X-Api-Key`` is let through the
        upgrade and refused in the first answer frame (45000010). So the full request
        goes out with an empty last packet, and the first frame decides: any result,
        or "no audio" (45000002), means the login and the grant are good.
        """
        connection = await self._connect()
        try:
            await _send_login_probe(
                connection, request_payload(RecognitionSettings(), uid=self._uid)
            )
            _server_response(await connection.receive(), connection.log_id)
        except InvalidInputError as err:
            if err.code != EMPTY_AUDIO_CODE:
                raise
        finally:
            await connection.close()

    async def transcribe(
        self, audio: AsyncIterable[bytes], settings: RecognitionSettings
    ) -> AsyncGenerator[Transcript]:
        """Yield partial transcripts while ``audio`` (s16le, 16 kHz, mono) arrives, then the final.

        Any failure raises; the final transcript is always the last thing yielded.
        """
        connection = await self._connect()
        utterance = _Utterance(
            connection,
            audio,
            request_payload(settings, uid=self._uid),
            deadline=asyncio.get_running_loop().time()
            + self.max_audio_seconds
            + self.receive_timeout,
            receive_timeout=self.receive_timeout,
            max_audio_bytes=int(self.max_audio_seconds * SAMPLE_RATE * SAMPLE_BYTES),
        )
        finished = False
        try:
            while not finished:
                transcript = parse_response(await utterance.next_response())
                finished = transcript.is_final
                yield transcript
        finally:
            if finished:
                # The answer is complete: the close handshake (a round trip) need
                # not hold up the caller, who is waiting to act on the text.
                self._close_in_background(utterance.close())
            else:
                await utterance.close()

    async def _connect(self) -> Connection:
        return await self._open_socket(
            headers={
                **auth_headers(self._credentials),
                "X-Api-Resource-Id": self.resource_id,
                "X-Api-Connect-Id": str(uuid.uuid4()),
            },
            secrets=self._credentials.secrets(),
        )


class _Utterance:
    """One recognition on one connection: a sender task and the reader's deadline.

    No timeout scope spans a ``yield`` of the caller's generator (it would
    cancel whatever the caller does in between): each wait gets its own,
    ending at ``deadline``, which moves up once the last packet is sent.
    """

    def __init__(
        self,
        connection: Connection,
        audio: AsyncIterable[bytes],
        request: dict[str, Any],
        *,
        deadline: float,
        receive_timeout: float,
        max_audio_bytes: int,
    ) -> None:
        """Start sending the request and the audio in the background at once."""
        self._connection = connection
        self._deadline = deadline
        self._receive_timeout = receive_timeout
        self._max_audio_bytes = max_audio_bytes
        self._sender = asyncio.get_running_loop().create_task(self._send(audio, request))

    async def _send(self, audio: AsyncIterable[bytes], request: dict[str, Any]) -> None:
        """Send the request, then each packet as soon as it is complete, then the last one."""
        connection = self._connection
        await connection.send(_full_request(request))
        sequence = FULL_REQUEST_SEQUENCE
        packets = AudioPackets()
        received = 0
        async for chunk in _callers_audio(audio):
            received += len(chunk)
            if received > self._max_audio_bytes:
                raise _too_long(self._max_audio_bytes, connection.log_id)
            for packet in packets.add(chunk):
                sequence += 1
                await connection.send(_audio_packet(packet, sequence, last=False))
        await connection.send(_audio_packet(packets.rest(), sequence + 1, last=True))
        # From now on only the final answer is missing: it gets receive_timeout.
        self._deadline = min(
            self._deadline, asyncio.get_running_loop().time() + self._receive_timeout
        )
        _LOGGER.debug("Sent %d audio packets (logid %s)", sequence, connection.log_id)

    async def next_response(self) -> ServerResponseFrame:
        """Wait for the next response, or for the sender to fail, within the deadline.

        There is no per-frame timeout while audio still flows: ``bigmodel_async``
        says nothing while the text does not change, which can be seconds.
        """
        sender = self._sender
        receiving = asyncio.ensure_future(self._connection.receive_unbounded())
        try:
            async with asyncio.timeout_at(self._deadline):
                await asyncio.wait({receiving, sender}, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():
                sender.result()  # the sender failed (raises) or finished: the deadline moved
                async with asyncio.timeout_at(self._deadline):
                    await asyncio.wait({receiving})
            message = receiving.result()
        except TimeoutError as err:
            if isinstance(err, VolcengineError):
                raise
            if not sender.done():  # audio still arriving: the utterance is too long
                raise _too_long(self._max_audio_bytes, self._connection.log_id) from err
            raise VolcengineTimeoutError(
                "Volcengine did not finish recognising in time", log_id=self._connection.log_id
            ) from err
        finally:
            await stop(receiving)
        return _server_response(message, self._connection.log_id)

    async def close(self) -> None:
        """Stop sending and close the connection, whatever happened."""
        try:
            await stop(self._sender)
        finally:
            await self._connection.close()


def _too_long(max_audio_bytes: int, log_id: str | None) -> AudioTooLongError:
    seconds = max_audio_bytes / (SAMPLE_RATE * SAMPLE_BYTES)
    return AudioTooLongError(f"The utterance is longer than {seconds:g} s", log_id=log_id)


async def _callers_audio(audio: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Pass the caller's audio on; a failure of the source itself is an ``AudioSourceError``.

    So a dropped microphone stream (``ConnectionResetError`` from Home Assistant's
    HTTP body) is told apart from the service's failures, and never escapes untyped.
    """
    source = aiter(audio)
    while True:
        try:
            chunk = await anext(source)
        except StopAsyncIteration:
            return
        except VolcengineError:  # already typed (a WAV header the service cannot take)
            raise
        except Exception as err:  # anything the caller's stream raises is its own failure
            raise AudioSourceError(f"The audio stream failed: {type(err).__name__}: {err}") from err
        yield chunk


def _full_request(request: dict[str, Any]) -> bytes:
    """Encode the full client request (frame 1): the audio format and the options."""
    return encode_sequenced_request(
        MessageType.FULL_CLIENT_REQUEST,
        json.dumps(request, ensure_ascii=False).encode(),
        sequence=FULL_REQUEST_SEQUENCE,
        serialization=Serialization.JSON,
    )


async def _send_login_probe(connection: Connection, request: dict[str, Any]) -> None:
    """Send the full request and an empty last packet: a session with no audio in it.

    A server that refused the login right after the upgrade may have closed already;
    then the send fails, and the refusal waiting in the socket is what the caller reads.
    """
    try:
        await connection.send(_full_request(request))
        await connection.send(_audio_packet(b"", FULL_REQUEST_SEQUENCE + 1, last=True))
    except VolcengineConnectionError as err:
        _LOGGER.debug("The login probe was not sent in full: %s", err)


def _server_response(message: bytes | str, log_id: str | None) -> ServerResponseFrame:
    """Decode one answer of the service; error frames raise their typed error."""
    match decode_message(message, log_id):
        case ServerResponseFrame() as frame:
            return frame
        case frame:
            raise ProtocolError(
                f"Unexpected {type(frame).__name__} from the recognition service",
                log_id=log_id,
            )


def _audio_packet(audio: bytes, sequence: int, *, last: bool) -> bytes:
    """Encode an audio-only request: gzip PCM (an empty last packet is a 20-byte gzip member)."""
    return encode_sequenced_request(
        MessageType.AUDIO_ONLY_CLIENT_REQUEST, audio, sequence=sequence, last=last
    )
