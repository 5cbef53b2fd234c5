"""The emulator's own byte codec for v3 (``/api/v3/tts/...``) frames.

Written from the byte tables of the v3 documentation, independent of both the v1 codec
and the integration's: a shared codec would make a misreading pass every test. Pure
functions, no I/O.

A v3 frame is the v1 4-byte header, then, when the flags say ``WITH_EVENT`` (0b0100), an
int32 event number; session events carry ``u32 length + session id``, server connection
events ``u32 length + connection id``; then ``u32 size + payload``. Error frames carry no
event: ``u32 error code, u32 size, JSON``. All integers are big-endian.
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
    check_client_header,
    encode_header,
)

_U32: Final = struct.Struct(">I")
_I32: Final = struct.Struct(">i")
_CODE_AND_SIZE: Final = struct.Struct(">II")

TRUNCATED_AUDIO_FRAME: Final = b"\x11\xb4"
"""An audio frame cut off after its second header byte, for the malformed-frame fault."""


class Flags(IntEnum):
    """The 4-bit message-type specific flags of byte 1 (v3 uses only these two)."""

    NONE = 0b0000
    """No event number: the unidirectional stream's text request."""
    WITH_EVENT = 0b0100


class Event(IntEnum):
    """Event numbers of the documented event table."""

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
    TASK_REQUEST = 200
    TTS_SENTENCE_START = 350
    TTS_SENTENCE_END = 351
    TTS_RESPONSE = 352


CONNECTION_EVENTS: Final = frozenset(
    {
        Event.START_CONNECTION,
        Event.FINISH_CONNECTION,
        Event.CONNECTION_STARTED,
        Event.CONNECTION_FAILED,
        Event.CONNECTION_FINISHED,
    }
)
"""Events about the connection: no session id (the server's carry a connection id)."""

_FIRST_SESSION_EVENT: Final = 100
_CLIENT_FLAGS: Final = frozenset(Flags)
"""Undocumented client event numbers from here on are read with a session id, like 100–200."""


@dataclass(frozen=True, slots=True)
class ClientFrame:
    """A decoded full-client request.

    ``event`` is ``None`` for the unidirectional stream's event-less text request, and a
    plain ``int`` for numbers the event table does not list (the handler rejects those).
    """

    event: Event | int | None
    session_id: str | None
    payload: dict[str, Any]
    compressed: bool


class _Reader:
    """Reads big-endian fields from a frame, turning every overrun into a ``ProtocolError``."""

    def __init__(self, frame: bytes, offset: int) -> None:
        self._frame = frame
        self._offset = offset

    def int32(self, what: str) -> int:
        return self._unpack(_I32, what)

    def uint32(self, what: str) -> int:
        return self._unpack(_U32, what)

    def _unpack(self, layout: struct.Struct, what: str) -> int:
        if len(self._frame) < self._offset + layout.size:
            raise ProtocolError(f"frame ends before its {what}")
        (value,) = layout.unpack_from(self._frame, self._offset)
        self._offset += layout.size
        return int(value)

    def sized(self, what: str) -> bytes:
        size = self.uint32(f"{what} size")
        end = self._offset + size
        if len(self._frame) < end:
            raise ProtocolError(f"{what} size {size} exceeds the bytes sent")
        value = self._frame[self._offset : end]
        self._offset = end
        return value

    def expect_end(self) -> None:
        if self._offset != len(self._frame):
            raise ProtocolError(f"{len(self._frame) - self._offset} stray bytes after the payload")


def _parse_json(raw: bytes, compression: Compression) -> dict[str, Any]:
    if compression is Compression.GZIP:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:  # what a corrupt gzip stream raises
            raise ProtocolError(f"payload is not valid gzip: {err}") from err
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProtocolError(f"payload is not JSON: {err}") from err
    if not isinstance(parsed, dict):
        raise ProtocolError("payload is not a JSON object")
    return parsed


def _event(number: int) -> Event | int:
    try:
        return Event(number)
    except ValueError:
        return number


def _carries_session_id(event: Event | int) -> bool:
    return event not in CONNECTION_EVENTS and event >= _FIRST_SESSION_EVENT


def decode_client_frame(frame: bytes) -> ClientFrame:
    """Decode a full-client request, with or without an event; header extensions are skipped."""
    header_length, raw_flags, compression = check_client_header(frame, _CLIENT_FLAGS)
    flags = Flags(raw_flags)
    reader = _Reader(frame, header_length)
    event: Event | int | None = None
    session_id: str | None = None
    if flags is Flags.WITH_EVENT:
        event = _event(reader.int32("event number"))
        if _carries_session_id(event):
            raw_id = reader.sized("session id")
            try:
                session_id = raw_id.decode("utf-8")
            except UnicodeDecodeError as err:
                raise ProtocolError("session id is not UTF-8") from err
            if not session_id:
                raise ProtocolError("session id is mandatory for session events")
    payload = reader.sized("payload")
    reader.expect_end()
    return ClientFrame(
        event=event,
        session_id=session_id,
        payload=_parse_json(payload, compression),
        compressed=compression is Compression.GZIP,
    )


def _json_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _sized(data: bytes) -> bytes:
    return _U32.pack(len(data)) + data


def encode_connection_event(event: Event, connection_id: str, payload: dict[str, Any]) -> bytes:
    """Encode ConnectionStarted / ConnectionFailed / ConnectionFinished."""
    if event not in CONNECTION_EVENTS:
        raise ValueError(f"{event!r} is not a connection event")
    return (
        encode_header(MessageType.FULL_SERVER_RESPONSE, Flags.WITH_EVENT, Serialization.JSON)
        + _I32.pack(event)
        + _sized(connection_id.encode("utf-8"))
        + _sized(_json_bytes(payload))
    )


def encode_session_event(event: Event, session_id: str, payload: dict[str, Any]) -> bytes:
    """Encode a JSON session or sentence event (150–153, 350, 351)."""
    if event in CONNECTION_EVENTS or event is Event.TTS_RESPONSE:
        raise ValueError(f"{event!r} is not a JSON session event")
    return (
        encode_header(MessageType.FULL_SERVER_RESPONSE, Flags.WITH_EVENT, Serialization.JSON)
        + _I32.pack(event)
        + _sized(session_id.encode("utf-8"))
        + _sized(_json_bytes(payload))
    )


def encode_audio(session_id: str, audio: bytes) -> bytes:
    """Encode a TTSResponse (352) audio-only frame: raw serialization, no compression."""
    return (
        encode_header(MessageType.AUDIO_ONLY_RESPONSE, Flags.WITH_EVENT, Serialization.NONE)
        + _I32.pack(Event.TTS_RESPONSE)
        + _sized(session_id.encode("utf-8"))
        + _sized(audio)
    )


def encode_error(code: int, message: str) -> bytes:
    """Encode an error frame: no event, u32 code, then ``{"status_code", "message"}`` JSON."""
    body = _json_bytes({"status_code": code, "message": message})
    return (
        encode_header(MessageType.ERROR, Flags.NONE, Serialization.JSON)
        + _CODE_AND_SIZE.pack(code, len(body))
        + body
    )
