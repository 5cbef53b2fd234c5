"""The emulator's own byte codec for the streaming recognition (``/api/v3/sauc/...``) frames.

Written from the recognition documentation's tables and the captures in the project's
protocol notes, on the header code the TTS side uses (``framing``); independent of the
integration's codec. Pure functions, no I/O.

A client frame is the 4-byte header, an int32 sequence number when flags bit 0 is set,
then ``u32 size + payload``. Flags: ``0b0000`` unnumbered, ``0b0001`` numbered,
``0b0010`` unnumbered last packet, ``0b0011`` numbered last packet (sequence negated).
Full client requests carry JSON, audio-only requests PCM; either may be gzipped.
"""

import gzip
import json
import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

from .framing import (
    Compression,
    MessageType,
    ProtocolError,
    Serialization,
    encode_header,
    read_client_header,
)

_U32: Final = struct.Struct(">I")
_I32: Final = struct.Struct(">i")
_CODE_AND_SIZE: Final = struct.Struct(">II")

SEQUENCE_FLAG: Final = 0b0001
LAST_FLAG: Final = 0b0010
_CLIENT_TYPES: Final = frozenset({MessageType.FULL_CLIENT_REQUEST, MessageType.AUDIO_ONLY_REQUEST})


class PacketKind(IntEnum):
    """What a client frame is."""

    FULL_REQUEST = MessageType.FULL_CLIENT_REQUEST
    AUDIO = MessageType.AUDIO_ONLY_REQUEST


@dataclass(frozen=True, slots=True)
class ClientPacket:
    """A decoded client frame: the request (JSON) or a packet of audio."""

    kind: PacketKind
    sequence: int | None
    """As sent (negative on a numbered last packet); ``None`` when unnumbered."""
    last: bool
    payload: bytes
    """Decompressed."""
    compressed: bool

    def json(self) -> dict[str, Any]:
        """Parse a full request's payload as a JSON object."""
        try:
            parsed = json.loads(self.payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ProtocolError(f"payload is not JSON: {err}") from err
        if not isinstance(parsed, dict):
            raise ProtocolError("payload is not a JSON object")
        return parsed


def decode_client_packet(frame: bytes) -> ClientPacket:
    """Decode a recognition client frame (full request or audio), numbered or not."""
    header = read_client_header(frame)
    if header.message_type not in _CLIENT_TYPES:
        raise ProtocolError(f"message type {header.message_type:#06b} is not a client request")
    kind = PacketKind(header.message_type)
    if header.flags & ~(SEQUENCE_FLAG | LAST_FLAG):
        raise ProtocolError(f"unexpected message flags {header.flags:#06b}")
    if kind is PacketKind.FULL_REQUEST and header.serialization != Serialization.JSON:
        raise ProtocolError(f"serialization {header.serialization:#06b} is not JSON")
    offset = header.length
    sequence: int | None = None
    if header.flags & SEQUENCE_FLAG:
        if len(frame) < offset + _I32.size:
            raise ProtocolError("frame ends before its sequence number")
        (sequence,) = _I32.unpack_from(frame, offset)
        offset += _I32.size
    if len(frame) < offset + _U32.size:
        raise ProtocolError("frame ends before its payload size")
    (declared,) = _U32.unpack_from(frame, offset)
    payload = frame[offset + _U32.size :]
    if declared != len(payload):
        raise ProtocolError(
            f"declared body size {declared} does not match actual body size {len(payload)}"
        )
    compressed = header.compression is Compression.GZIP
    return ClientPacket(
        kind=kind,
        sequence=sequence,
        last=bool(header.flags & LAST_FLAG),
        payload=_ungzip(payload) if compressed else payload,
        compressed=compressed,
    )


def _ungzip(payload: bytes) -> bytes:
    if not payload:
        raise ProtocolError("ungzip payload: EOF")  # what the service says to size 0 + gzip
    try:
        return gzip.decompress(payload)
    except (OSError, EOFError, zlib.error) as err:  # what a corrupt gzip stream raises
        raise ProtocolError(f"ungzip payload: {err}") from err


def encode_response(
    payload: dict[str, Any], *, sequence: int | None, last: bool = False, gzipped: bool = False
) -> bytes:
    """Encode a full-server response: JSON, uncompressed unless asked (as captured live)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if gzipped:
        body = gzip.compress(body, mtime=0)
    flags = (LAST_FLAG if last else 0) | (SEQUENCE_FLAG if sequence is not None else 0)
    compression = Compression.GZIP if gzipped else Compression.NONE
    prefix = _I32.pack(sequence) if sequence is not None else b""
    return (
        encode_header(MessageType.FULL_SERVER_RESPONSE, flags, Serialization.JSON, compression)
        + prefix
        + _U32.pack(len(body))
        + body
    )


def encode_error(code: int, message: str) -> bytes:
    """Encode an error frame: u32 code, u32 size, ``{"error": message}`` JSON, uncompressed."""
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    return (
        encode_header(MessageType.ERROR, 0, Serialization.JSON)
        + _CODE_AND_SIZE.pack(code, len(body))
        + body
    )
