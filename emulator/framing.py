"""The emulator's own byte codec for v1 ``ws_binary`` frames.

Deliberately independent of the integration's codec: if both sides shared one, a
misreading of the protocol would pass every test. Pure functions, no I/O.

Every frame starts with a 4-byte header::

    byte 0: protocol version (4 bits, 1) | header size in 4-byte words (4 bits)
    byte 1: message type (4 bits)        | message-type specific flags (4 bits)
    byte 2: serialization (4 bits)       | compression (4 bits)
    byte 3: reserved
"""

import gzip
import json
import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

from .config import LastFrameLayout

PROTOCOL_VERSION: Final = 1
HEADER_WORD_BYTES: Final = 4
_BASE_HEADER_WORDS: Final = 1
_U32: Final = struct.Struct(">I")
_SEQUENCE_AND_SIZE: Final = struct.Struct(">iI")
_CODE_AND_SIZE: Final = struct.Struct(">II")

TRUNCATED_AUDIO_FRAME: Final = b"\x11\xb1"
"""An audio frame cut off after its second header byte, for the malformed-frame fault."""


class MessageType(IntEnum):
    """The 4-bit message type of byte 1 (v1 and v3 share the header)."""

    FULL_CLIENT_REQUEST = 0b0001
    AUDIO_ONLY_REQUEST = 0b0010
    FULL_SERVER_RESPONSE = 0b1001
    AUDIO_ONLY_RESPONSE = 0b1011
    FRONTEND_RESPONSE = 0b1100
    ERROR = 0b1111


class AudioFlags(IntEnum):
    """The 4-bit flags of an audio-only response."""

    ACK = 0b0000
    """No sequence number and no payload."""
    POSITIVE_SEQUENCE = 0b0001
    LAST_NO_SEQUENCE = 0b0010
    NEGATIVE_SEQUENCE = 0b0011


class Serialization(IntEnum):
    """How a payload is serialized."""

    NONE = 0b0000
    JSON = 0b0001


class Compression(IntEnum):
    """How a payload is compressed."""

    NONE = 0b0000
    GZIP = 0b0001


class ProtocolError(ValueError):
    """A client frame that does not follow the v1 protocol."""


@dataclass(frozen=True, slots=True)
class ClientRequest:
    """A decoded full-client-request frame."""

    payload: dict[str, Any]
    compressed: bool


def encode_header(
    message_type: MessageType,
    flags: int,
    serialization: Serialization = Serialization.NONE,
    compression: Compression = Compression.NONE,
) -> bytes:
    """Encode the 4-byte header every v1 and v3 server frame starts with."""
    return bytes(
        (
            PROTOCOL_VERSION << 4 | _BASE_HEADER_WORDS,
            message_type << 4 | flags,
            serialization << 4 | compression,
            0,
        )
    )


@dataclass(frozen=True, slots=True)
class ClientHeader:
    """The fields of a client frame's header that every protocol checks."""

    length: int
    message_type: int
    flags: int
    serialization: int
    compression: Compression


def read_client_header(frame: bytes) -> ClientHeader:
    """Read a client frame's header, refusing what no protocol of the family allows."""
    if len(frame) < HEADER_WORD_BYTES:
        raise ProtocolError(f"frame of {len(frame)} bytes is shorter than the 4-byte header")
    version, header_words = frame[0] >> 4, frame[0] & 0x0F
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version {version}")
    if header_words < _BASE_HEADER_WORDS:
        raise ProtocolError("header size must be at least one 4-byte word")
    if len(frame) < header_words * HEADER_WORD_BYTES:
        raise ProtocolError("frame ends inside its header extensions")
    compression = frame[2] & 0x0F
    if compression not in tuple(Compression):
        raise ProtocolError(f"unsupported compression {compression:#06b}")
    return ClientHeader(
        length=header_words * HEADER_WORD_BYTES,
        message_type=frame[1] >> 4,
        flags=frame[1] & 0x0F,
        serialization=frame[2] >> 4,
        compression=Compression(compression),
    )


def check_client_header(
    frame: bytes, allowed_flags: frozenset[int] = frozenset({0})
) -> tuple[int, int, Compression]:
    """Validate a full-client-request header; return header length, flags and compression.

    v1 and v3 share the header; they differ only in the flags a client may set.
    """
    header = read_client_header(frame)
    if header.message_type != MessageType.FULL_CLIENT_REQUEST:
        raise ProtocolError(f"message type {header.message_type:#06b} is not a full client request")
    if header.flags not in allowed_flags:
        raise ProtocolError(f"unexpected message flags {header.flags:#06b}")
    if header.serialization != Serialization.JSON:
        raise ProtocolError(f"serialization {header.serialization:#06b} is not JSON")
    return header.length, header.flags, header.compression


def _payload(frame: bytes, header_length: int) -> bytes:
    """Cut the payload out of a frame, checking its declared size."""
    body_start = header_length + _U32.size
    if len(frame) < body_start:
        raise ProtocolError("frame ends before its payload size")
    (declared,) = _U32.unpack_from(frame, header_length)
    actual = len(frame) - body_start
    if declared != actual:
        raise ProtocolError(f"payload size {declared} does not match the {actual} bytes sent")
    return frame[body_start:]


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProtocolError(f"payload is not JSON: {err}") from err
    if not isinstance(parsed, dict):
        raise ProtocolError("payload is not a JSON object")
    return parsed


def decode_client_request(frame: bytes) -> ClientRequest:
    """Decode a full client request; header extension words are skipped."""
    header_length, _, compression = check_client_header(frame)
    raw = _payload(frame, header_length)
    if compression is Compression.GZIP:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:  # what a corrupt gzip stream raises
            raise ProtocolError(f"payload is not valid gzip: {err}") from err
    return ClientRequest(_parse_json(raw), compressed=compression is Compression.GZIP)


def encode_ack() -> bytes:
    """Encode the audio-only ACK: flags 0 and no payload at all."""
    return encode_header(MessageType.AUDIO_ONLY_RESPONSE, AudioFlags.ACK)


def encode_audio(sequence: int, audio: bytes) -> bytes:
    """Encode a non-final audio frame with its positive sequence number."""
    if sequence <= 0:
        raise ValueError("a non-final audio frame needs a positive sequence number")
    return (
        encode_header(MessageType.AUDIO_ONLY_RESPONSE, AudioFlags.POSITIVE_SEQUENCE)
        + _SEQUENCE_AND_SIZE.pack(sequence, len(audio))
        + audio
    )


def encode_last_audio(sequence: int, audio: bytes, layout: LastFrameLayout) -> bytes:
    """Encode the final audio frame; ``sequence`` is its (positive) position."""
    if layout == "no_sequence":
        return (
            encode_header(MessageType.AUDIO_ONLY_RESPONSE, AudioFlags.LAST_NO_SEQUENCE)
            + _U32.pack(len(audio))
            + audio
        )
    return (
        encode_header(MessageType.AUDIO_ONLY_RESPONSE, AudioFlags.NEGATIVE_SEQUENCE)
        + _SEQUENCE_AND_SIZE.pack(-abs(sequence), len(audio))
        + audio
    )


def encode_error(
    code: int, message: str, *, json_body: bool = False, gzipped: bool = False
) -> bytes:
    """Encode an error frame: u32 code, u32 message size, message (gzipped on request)."""
    body = message.encode("utf-8")
    if gzipped:
        body = gzip.compress(body, mtime=0)
    serialization = Serialization.JSON if json_body else Serialization.NONE
    compression = Compression.GZIP if gzipped else Compression.NONE
    return (
        encode_header(MessageType.ERROR, 0, serialization, compression)
        + _CODE_AND_SIZE.pack(code, len(body))
        + body
    )


def encode_frontend(payload: dict[str, Any]) -> bytes:
    """Encode a frontend-result frame carrying uncompressed JSON."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return (
        encode_header(MessageType.FRONTEND_RESPONSE, 0, Serialization.JSON)
        + _U32.pack(len(body))
        + body
    )
