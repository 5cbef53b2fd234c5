"""Byte-exact tests of the v3 event framing, from the bidirection page's tables."""

from __future__ import annotations

import pytest

from custom_components.volcengine_tts.volcengine.wire.errors import ProtocolError
from custom_components.volcengine_tts.volcengine.wire.frames import (
    Compression,
    ErrorFrame,
    Event,
    EventFrame,
    decode_server_frame,
    encode_event,
    encode_server_event,
)

SESSION = "nxckjoejnkegf"


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def test_start_connection_matches_the_table() -> None:
    # 0001 0001 | 0001 0100 | 0001 0000 | 0000 0000 | int32 1 | uint32 2 | {}
    assert encode_event(Event.START_CONNECTION) == bytes.fromhex("111410000000000100000002") + b"{}"


def test_finish_connection_matches_the_table() -> None:
    assert (
        encode_event(Event.FINISH_CONNECTION) == bytes.fromhex("111410000000000200000002") + b"{}"
    )


@pytest.mark.parametrize(
    ("event", "number"),
    [(Event.FINISH_SESSION, 102), (Event.CANCEL_SESSION, 101)],
)
def test_session_control_events_carry_the_session_id(event: Event, number: int) -> None:
    expected = (
        bytes.fromhex("11141000")
        + number.to_bytes(4, "big")
        + _u32(len(SESSION))
        + SESSION.encode()
        + _u32(2)
        + b"{}"
    )
    assert encode_event(event, session_id=SESSION) == expected


def test_start_session_payload() -> None:
    frame = encode_event(Event.START_SESSION, {"event": 100}, session_id=SESSION)
    assert frame[:8] == bytes.fromhex("1114100000000064")
    assert frame[8:12] == _u32(len(SESSION))
    assert frame[25:] == _u32(len(b'{"event":100}')) + b'{"event":100}'


def test_gzip_events_set_the_compression_nibble() -> None:
    frame = encode_event(Event.START_CONNECTION, compression=Compression.GZIP)
    assert frame[2] == 0x11


def test_session_events_need_a_session_id() -> None:
    with pytest.raises(ValueError, match="needs a session id"):
        encode_event(Event.TASK_REQUEST, {"x": 1})


def test_connection_started_from_the_table() -> None:
    frame = bytes.fromhex("1194100000000032") + _u32(7) + b"bxnweiu" + _u32(2) + b"{}"
    assert decode_server_frame(frame) == EventFrame(
        Event.CONNECTION_STARTED, b"{}", connection_id="bxnweiu"
    )


def test_connection_failed_without_connection_id() -> None:
    meta = b'{"status_code":45000000,"message":"unauthorized"}'
    frame = bytes.fromhex("1194100000000033") + _u32(len(meta)) + meta
    decoded = decode_server_frame(frame)
    assert decoded == EventFrame(Event.CONNECTION_FAILED, meta)
    assert isinstance(decoded, EventFrame)
    assert decoded.json()["status_code"] == 45000000


def test_session_finished_from_the_table() -> None:
    meta = b'{"status_code":20000000,"message":"ok","usage":{"text_words":4}}'
    frame = (
        bytes.fromhex("1194100000000098")
        + _u32(len(SESSION))
        + SESSION.encode()
        + _u32(len(meta))
        + meta
    )
    decoded = decode_server_frame(frame)
    assert isinstance(decoded, EventFrame)
    assert decoded.event == Event.SESSION_FINISHED
    assert decoded.session_id == SESSION
    assert decoded.json()["usage"] == {"text_words": 4}


def test_audio_response() -> None:
    frame = (
        bytes.fromhex("11b4000000000160") + _u32(len(SESSION)) + SESSION.encode() + _u32(3) + b"mp3"
    )
    assert decode_server_frame(frame) == EventFrame(
        Event.TTS_RESPONSE, b"mp3", session_id=SESSION, is_audio=True
    )


def test_unknown_events_decode() -> None:
    frame = encode_server_event(999, b"{}", session_id="s")
    assert decode_server_frame(frame) == EventFrame(999, b"{}", session_id="s")


def test_v3_error_frame() -> None:
    body = b'{"status_code":55000000,"message":"server error"}'
    frame = bytes.fromhex("11f01000") + _u32(55000000) + _u32(len(body)) + body
    assert decode_server_frame(frame) == ErrorFrame(55000000, body.decode())


@pytest.mark.parametrize(
    ("audio", "kwargs"),
    [
        (False, {"connection_id": "c1"}),
        (False, {"session_id": "s1"}),
        (True, {"session_id": "s1"}),
        (False, {}),
    ],
)
def test_server_events_round_trip(audio: bool, kwargs: dict[str, str]) -> None:
    event = Event.CONNECTION_STARTED if "connection_id" in kwargs else Event.TTS_RESPONSE
    frame = encode_server_event(event, b"payload", audio=audio, **kwargs)
    assert decode_server_frame(frame) == EventFrame(event, b"payload", is_audio=audio, **kwargs)


@pytest.mark.parametrize(
    "frame",
    [
        bytes.fromhex("11941000"),
        bytes.fromhex("1194100000000096") + _u32(99),
        bytes.fromhex("1194100000000096") + _u32(2) + b"\xff\xfe" + _u32(0),
        bytes.fromhex("1194100000000096") + _u32(1) + b"s" + _u32(9) + b"{}",
    ],
)
def test_malformed_events(frame: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_server_frame(frame)


@pytest.mark.parametrize("payload", [b"not json", b"[1]"])
def test_event_json_must_be_an_object(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        EventFrame(Event.SESSION_FAILED, payload).json()


def test_empty_payload_is_an_empty_object() -> None:
    assert EventFrame(Event.SESSION_STARTED, b"").json() == {}
