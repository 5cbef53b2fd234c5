"""Volcengine's binary websocket framing: bytes in, frames out, no I/O.

Every frame starts with a header of ``header_size * 4`` bytes::

    byte 0: protocol version (4 bits) | header size in 4-byte words (4 bits)
    byte 1: message type (4 bits)     | message-type-specific flags (4 bits)
    byte 2: serialization (4 bits)    | compression (4 bits)
    byte 3: reserved
    bytes 4 .. header_size * 4: header extensions (rarely used, skipped)

The body that follows depends on the message type. Two layouts of audio
frames exist in Volcengine's own clients: the classic demo reads a sequence
number and a payload size whenever the flags are non-zero, while the newer
official ``protocols`` module treats flags ``0b0010`` as "last frame, no
sequence number". :func:`decode_server_frame` accepts both, and anything it
cannot make sense of raises :class:`ProtocolError` — never ``IndexError``.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

from .errors import ProtocolError, json_object

PROTOCOL_VERSION: Final = 0b0001
HEADER_WORD_BYTES: Final = 4
MAX_DECOMPRESSED_BYTES: Final = 16 * 1024 * 1024
"""Cap on a decompressed payload: a server bug must not exhaust memory."""

MAX_HEADER_WORDS: Final = 0b1111
_U32: Final = struct.Struct(">I")
_I32: Final = struct.Struct(">i")


class MessageType(IntEnum):
    """The 4-bit message type in byte 1 of the header."""

    FULL_CLIENT_REQUEST = 0b0001
    AUDIO_ONLY_CLIENT_REQUEST = 0b0010
    FULL_SERVER_RESPONSE = 0b1001
    AUDIO_ONLY_SERVER_RESPONSE = 0b1011
    FRONTEND_SERVER_RESPONSE = 0b1100
    ERROR = 0b1111


class AudioFlags(IntEnum):
    """Message-type-specific flags of an audio-only server response."""

    ACK = 0b0000
    """Acknowledgement of the request: no sequence number, no payload."""
    SEQUENCE = 0b0001
    """A positive sequence number and a payload follow."""
    LAST = 0b0010
    """The last frame; whether a sequence number follows depends on the server."""
    LAST_SEQUENCE = 0b0011
    """The last frame: a negative sequence number and a payload follow."""


EVENT_FLAG: Final = 0b0100
"""Flags bit of v3 frames: an int32 event number follows the header."""


class Event(IntEnum):
    """v3 event numbers (client → server and server → client)."""

    START_CONNECTION = 1
    FINISH_CONNECTION = 2
    CONNECTION_STARTED = 50
    CONNECTION_FAILED = 51
    CONNECTION_FINISHED = 52
    START_SESSION = 100
    CANCEL_SESSION = 101
    FINISH_SESSION = 102
    SESSION_STARTED = 150
    SESSION_CANCELED = 151
    SESSION_FINISHED = 152
    SESSION_FAILED = 153
    USAGE_RESPONSE = 154
    TASK_REQUEST = 200
    UPDATE_CONFIG = 201
    TTS_SENTENCE_START = 350
    TTS_SENTENCE_END = 351
    TTS_RESPONSE = 352
    TTS_ENDED = 359


FIRST_SESSION_EVENT: Final = 100
"""Events below this carry a connection id; from here on a session id."""


class Serialization(IntEnum):
    """How a payload is serialized."""

    NONE = 0b0000
    JSON = 0b0001
    CUSTOM = 0b1111


class Compression(IntEnum):
    """How a payload is compressed."""

    NONE = 0b0000
    GZIP = 0b0001
    CUSTOM = 0b1111


@dataclass(frozen=True, slots=True)
class Header:
    """A decoded frame header."""

    message_type: MessageType
    flags: int
    serialization: Serialization
    compression: Compression
    extensions: bytes = b""


@dataclass(frozen=True, slots=True)
class AckFrame:
    """The server accepted a ``submit`` request; audio follows."""


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """A chunk of synthesized audio."""

    audio: bytes
    sequence: int | None
    is_last: bool


@dataclass(frozen=True, slots=True)
class FrontendFrame:
    """Front-end analysis (e.g. phonemes) the server may send before audio."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class ServerResponseFrame:
    """A full-server response: a recognition result, or TTS's deprecated side channel.

    ``is_last`` follows flags bit 1 alone: the recognition service marks its
    final result that way while keeping the sequence number positive.
    """

    payload: bytes
    sequence: int | None
    is_last: bool = False


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """The server refused or aborted the request."""

    code: int
    message: str


@dataclass(frozen=True, slots=True)
class EventFrame:
    """A v3 frame: an event, the connection or session it concerns, and a payload.

    ``event`` stays an ``int`` because servers may send events newer than
    this client; callers ignore the ones they do not know.
    """

    event: int
    payload: bytes
    session_id: str | None = None
    connection_id: str | None = None
    is_audio: bool = False

    def json(self) -> dict[str, Any]:
        """Parse the payload as a JSON object (``{}`` when empty)."""
        if not self.payload:
            return {}
        document = json_object(self.payload)
        if document is None:
            raise ProtocolError(f"event {self.event} does not carry a JSON object")
        return document


type ServerFrame = (
    AckFrame | AudioFrame | FrontendFrame | ServerResponseFrame | ErrorFrame | EventFrame
)


def encode_header(header: Header) -> bytes:
    """Encode a header, padding extensions to whole 4-byte words."""
    extensions = header.extensions
    if len(extensions) % HEADER_WORD_BYTES:
        extensions += b"\x00" * (HEADER_WORD_BYTES - len(extensions) % HEADER_WORD_BYTES)
    size_words = 1 + len(extensions) // HEADER_WORD_BYTES
    if size_words > MAX_HEADER_WORDS:
        raise ValueError("header extensions longer than 56 bytes cannot be encoded")
    return (
        bytes(
            (
                PROTOCOL_VERSION << 4 | size_words,
                header.message_type << 4 | header.flags,
                header.serialization << 4 | header.compression,
                0,
            )
        )
        + extensions
    )


def decode_header(data: bytes) -> tuple[Header, int]:
    """Decode a header; return it with the offset at which the body starts."""
    if len(data) < HEADER_WORD_BYTES:
        raise ProtocolError(f"frame of {len(data)} bytes is shorter than a header")
    version, size_words = data[0] >> 4, data[0] & 0x0F
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version {version}")
    body_offset = size_words * HEADER_WORD_BYTES
    if size_words < 1 or body_offset > len(data):
        raise ProtocolError(f"invalid header size {size_words} for a frame of {len(data)} bytes")
    try:
        header = Header(
            message_type=MessageType(data[1] >> 4),
            flags=data[1] & 0x0F,
            serialization=Serialization(data[2] >> 4),
            compression=Compression(data[2] & 0x0F),
            extensions=bytes(data[HEADER_WORD_BYTES:body_offset]),
        )
    except ValueError as err:
        raise ProtocolError(f"invalid frame header: {err}") from err
    return header, body_offset


def compress(payload: bytes, compression: Compression) -> bytes:
    """Compress a payload as the header announces."""
    if compression is Compression.GZIP:
        return gzip.compress(payload, mtime=0)
    if compression is Compression.NONE:
        return payload
    raise ValueError(f"cannot compress with {compression.name}")


def decompress(payload: bytes, compression: Compression) -> bytes:
    """Undo a payload's compression, refusing garbage and oversized output."""
    if compression is Compression.NONE:
        return payload
    if compression is not Compression.GZIP:
        raise ProtocolError(f"unsupported compression {compression.name}")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(payload, MAX_DECOMPRESSED_BYTES)
    except zlib.error as err:
        raise ProtocolError(f"invalid gzip payload: {err}") from err
    if inflater.unconsumed_tail:
        raise ProtocolError(f"gzip payload inflates beyond {MAX_DECOMPRESSED_BYTES} bytes")
    if not inflater.eof:
        raise ProtocolError("truncated gzip payload")
    return data


def encode_full_client_request(
    request: Mapping[str, Any], *, compression: Compression = Compression.GZIP
) -> bytes:
    """Encode a v1 full-client request: header, u32 payload size, JSON payload."""
    payload = compress(
        json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode(), compression
    )
    header = Header(MessageType.FULL_CLIENT_REQUEST, 0, Serialization.JSON, compression)
    return encode_header(header) + _U32.pack(len(payload)) + payload


def encode_event(
    event: Event,
    payload: Mapping[str, Any] | None = None,
    *,
    session_id: str | None = None,
    compression: Compression = Compression.NONE,
) -> bytes:
    """Encode a v3 client event: header, int32 event, [session id], sized JSON payload."""
    body = compress(
        json.dumps(payload or {}, ensure_ascii=False, separators=(",", ":")).encode(), compression
    )
    header = Header(MessageType.FULL_CLIENT_REQUEST, EVENT_FLAG, Serialization.JSON, compression)
    frame = encode_header(header) + _I32.pack(event)
    if event >= FIRST_SESSION_EVENT:
        if not session_id:
            raise ValueError(f"{event.name} needs a session id")
        frame += _sized(session_id.encode())
    return frame + _sized(body)


def encode_sequenced_request(
    message_type: MessageType,
    payload: bytes,
    *,
    sequence: int,
    last: bool = False,
    serialization: Serialization = Serialization.NONE,
    compression: Compression = Compression.GZIP,
) -> bytes:
    """Encode a numbered client frame: header, int32 sequence, u32 size, payload.

    The recognition API numbers its client frames (full request 1, audio 2,
    3, ...); the last one carries flags ``0b0011`` and its number negated.
    """
    if sequence <= 0:
        raise ValueError("client frames are numbered from 1")
    flags = AudioFlags.LAST_SEQUENCE if last else AudioFlags.SEQUENCE
    header = Header(message_type, flags, serialization, compression)
    return (
        encode_header(header)
        + _I32.pack(-sequence if last else sequence)
        + _sized(compress(payload, compression))
    )


def encode_server_response(payload: bytes, *, sequence: int | None, last: bool = False) -> bytes:
    """Encode a JSON full-server response (used by tests and round trips)."""
    flags = (AudioFlags.LAST if last else 0) | (AudioFlags.SEQUENCE if sequence is not None else 0)
    header = Header(MessageType.FULL_SERVER_RESPONSE, flags, Serialization.JSON, Compression.NONE)
    prefix = _I32.pack(sequence) if sequence is not None else b""
    return encode_header(header) + prefix + _sized(payload)


def encode_server_event(
    event: int,
    payload: bytes,
    *,
    session_id: str | None = None,
    connection_id: str | None = None,
    audio: bool = False,
) -> bytes:
    """Encode a v3 server event (used by tests and round trips)."""
    message_type = (
        MessageType.AUDIO_ONLY_SERVER_RESPONSE if audio else MessageType.FULL_SERVER_RESPONSE
    )
    serialization = Serialization.NONE if audio else Serialization.JSON
    header = Header(message_type, EVENT_FLAG, serialization, Compression.NONE)
    frame = encode_header(header) + _I32.pack(event)
    identifier = connection_id if event < FIRST_SESSION_EVENT else session_id
    if identifier is not None:
        frame += _sized(identifier.encode())
    return frame + _sized(payload)


def _sized(data: bytes) -> bytes:
    return _U32.pack(len(data)) + data


def encode_audio_frame(
    audio: bytes, *, sequence: int | None, last: bool, with_sequence: bool = True
) -> bytes:
    """Encode an audio-only server response (used by tests and round trips)."""
    if sequence is None and not last:
        return encode_header(_audio_header(AudioFlags.ACK))
    if last and not with_sequence:
        return encode_header(_audio_header(AudioFlags.LAST)) + _U32.pack(len(audio)) + audio
    flags = AudioFlags.LAST_SEQUENCE if last else AudioFlags.SEQUENCE
    return (
        encode_header(_audio_header(flags))
        + _I32.pack(sequence if sequence is not None else -1)
        + _U32.pack(len(audio))
        + audio
    )


def encode_error_frame(
    code: int, message: str, *, compression: Compression = Compression.NONE
) -> bytes:
    """Encode an error frame: u32 code, u32 message size, message."""
    body = compress(message.encode(), compression)
    header = Header(MessageType.ERROR, 0, Serialization.JSON, compression)
    return encode_header(header) + _U32.pack(code) + _U32.pack(len(body)) + body


def decode_server_frame(data: bytes) -> ServerFrame:
    """Decode one binary websocket message sent by the server."""
    header, offset = decode_header(data)
    body = memoryview(data)[offset:]
    if header.flags == EVENT_FLAG and header.message_type in _EVENT_MESSAGE_TYPES:
        return _decode_event(header, body)
    match header.message_type:
        case MessageType.AUDIO_ONLY_SERVER_RESPONSE:
            return _decode_audio(header, body)
        case MessageType.ERROR:
            return _decode_error(header, body)
        case MessageType.FRONTEND_SERVER_RESPONSE:
            return FrontendFrame(decompress(_sized_payload(body), header.compression))
        case MessageType.FULL_SERVER_RESPONSE:
            sequence, payload = _optionally_sequenced(header.flags, body)
            return ServerResponseFrame(
                decompress(payload, header.compression),
                sequence,
                is_last=bool(header.flags & AudioFlags.LAST),
            )
        case _:
            raise ProtocolError(f"unexpected {header.message_type.name} frame from the server")


_EVENT_MESSAGE_TYPES: Final = frozenset(
    {MessageType.FULL_SERVER_RESPONSE, MessageType.AUDIO_ONLY_SERVER_RESPONSE}
)


def _decode_event(header: Header, body: memoryview) -> EventFrame:
    """Decode a v3 event frame: int32 event, an optional id, then a sized payload.

    Connection events (50–52) carry a connection id and session events a
    session id; both are optional in practice (e.g. a session event with
    no id), so the id is read only when what follows still parses.
    """
    if len(body) < _I32.size:
        raise ProtocolError(f"event frame body of {len(body)} bytes has no event number")
    (event,) = _I32.unpack_from(body)
    rest = body[_I32.size :]
    identifier, payload = _identifier_and_payload(rest)
    is_audio = header.message_type is MessageType.AUDIO_ONLY_SERVER_RESPONSE
    payload = payload if is_audio else decompress(payload, header.compression)
    if event < FIRST_SESSION_EVENT:
        return EventFrame(event, payload, connection_id=identifier, is_audio=is_audio)
    return EventFrame(event, payload, session_id=identifier, is_audio=is_audio)


def _identifier_and_payload(rest: memoryview) -> tuple[str | None, bytes]:
    """Split ``[u32 id size, id,] u32 payload size, payload`` whichever way fits exactly."""
    if len(rest) >= _U32.size:
        (first,) = _U32.unpack_from(rest)
        if first == len(rest) - _U32.size:
            return None, bytes(rest[_U32.size :])
        id_end = _U32.size + first
        if len(rest) >= id_end + _U32.size:
            identifier = bytes(rest[_U32.size : id_end])
            try:
                return identifier.decode(), _sized_payload(rest[id_end:])
            except UnicodeDecodeError as err:
                raise ProtocolError("event frame id is not UTF-8") from err
    raise ProtocolError(f"event frame body of {len(rest)} bytes does not match its sizes")


def _audio_header(flags: AudioFlags) -> Header:
    return Header(
        MessageType.AUDIO_ONLY_SERVER_RESPONSE, flags, Serialization.NONE, Compression.NONE
    )


def _decode_audio(header: Header, body: memoryview) -> AckFrame | AudioFrame:
    match header.flags:
        case AudioFlags.ACK:
            return AckFrame()
        case AudioFlags.SEQUENCE:
            sequence, audio = _sequenced_payload(body)
            return AudioFrame(audio, sequence, is_last=sequence < 0)
        case AudioFlags.LAST_SEQUENCE:
            sequence, audio = _sequenced_payload(body)
            return AudioFrame(audio, sequence, is_last=True)
        case AudioFlags.LAST:
            maybe_sequence, audio = _last_frame_either_layout(body)
            return AudioFrame(audio, maybe_sequence, is_last=True)
        case _:
            raise ProtocolError(f"unknown audio frame flags {header.flags:#06b}")


def _last_frame_either_layout(body: memoryview) -> tuple[int | None, bytes]:
    """Decode flags ``0b0010``, which servers send with or without a sequence number.

    The two layouts are told apart by which size field matches the body: a
    frame whose leading u32 is exactly the remaining length has no sequence
    number; one whose second u32 is has one.
    """
    if len(body) >= _U32.size and _U32.unpack_from(body)[0] == len(body) - _U32.size:
        return None, bytes(body[_U32.size :])
    with_sequence = _I32.size + _U32.size
    if (
        len(body) >= with_sequence
        and _U32.unpack_from(body, _I32.size)[0] == len(body) - with_sequence
    ):
        return _sequenced_payload(body)
    raise ProtocolError(
        f"payload size of a last audio frame of {len(body)} bytes does not match either layout"
    )


def _decode_error(header: Header, body: memoryview) -> ErrorFrame:
    if len(body) < 2 * _U32.size:
        raise ProtocolError(f"error frame body of {len(body)} bytes is too short")
    (code,) = _U32.unpack_from(body)
    message = decompress(_sized_payload(body[_U32.size :]), header.compression)
    return ErrorFrame(code, message.decode("utf-8", errors="replace"))


def _optionally_sequenced(flags: int, body: memoryview) -> tuple[int | None, bytes]:
    if flags & AudioFlags.SEQUENCE:
        return _sequenced_payload(body)
    return None, _sized_payload(body)


def _sequenced_payload(body: memoryview) -> tuple[int, bytes]:
    if len(body) < _I32.size:
        raise ProtocolError(f"frame body of {len(body)} bytes has no sequence number")
    (sequence,) = _I32.unpack_from(body)
    return sequence, _sized_payload(body[_I32.size :])


def _sized_payload(body: memoryview) -> bytes:
    """Read a u32 size and exactly that many payload bytes."""
    if len(body) < _U32.size:
        raise ProtocolError(f"frame body of {len(body)} bytes has no payload size")
    (size,) = _U32.unpack_from(body)
    available = len(body) - _U32.size
    if size != available:
        raise ProtocolError(f"payload size {size} does not match the {available} bytes received")
    return bytes(body[_U32.size :])
