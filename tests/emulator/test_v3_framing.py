"""The emulator's v3 codec against the byte tables of the v3 documentation."""

import gzip
import json

import pytest

from emulator.v3_framing import (
    TRUNCATED_AUDIO_FRAME,
    Event,
    ProtocolError,
    decode_client_frame,
    encode_audio,
    encode_connection_event,
    encode_error,
    encode_session_event,
)

SESSION_ID = "nxckjoejnkegf"  # the tables' example (13 bytes, though they say 12)


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def _sized(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def test_start_connection_from_the_table_decodes() -> None:
    frame = decode_client_frame(_hex("11 14 10 00 00000001 00000002 7b7d"))
    assert frame.event is Event.START_CONNECTION
    assert frame.session_id is None
    assert frame.payload == {}
    assert not frame.compressed


def test_finish_connection_from_the_table_decodes() -> None:
    frame = decode_client_frame(_hex("11 14 10 00 00000002 00000002 7b7d"))
    assert frame.event is Event.FINISH_CONNECTION
    assert frame.session_id is None


def test_start_session_carries_its_session_id() -> None:
    meta = json.dumps({"user": {"uid": "1"}, "req_params": {"speaker": "x"}}).encode()
    raw = _hex("11 14 10 00 00000064") + _sized(SESSION_ID.encode()) + _sized(meta)
    frame = decode_client_frame(raw)
    assert frame.event is Event.START_SESSION
    assert frame.session_id == SESSION_ID
    assert frame.payload["req_params"] == {"speaker": "x"}


@pytest.mark.parametrize("event", [100, 101, 102, 200])
def test_session_events_need_a_session_id(event: int) -> None:
    raw = _hex("11 14 10 00") + event.to_bytes(4, "big") + _sized(b"") + _sized(b"{}")
    with pytest.raises(ProtocolError, match="session id is mandatory"):
        decode_client_frame(raw)


def test_gzip_payload_is_accepted() -> None:
    body = gzip.compress(b'{"req_params": {"text": "hi"}}')
    raw = _hex("11 14 11 00 000000c8") + _sized(SESSION_ID.encode()) + _sized(body)
    frame = decode_client_frame(raw)
    assert frame.event is Event.TASK_REQUEST
    assert frame.payload == {"req_params": {"text": "hi"}}
    assert frame.compressed


def test_unidirectional_request_has_no_event() -> None:
    frame = decode_client_frame(_hex("11 10 10 00") + _sized(b'{"req_params": {}}'))
    assert frame.event is None
    assert frame.session_id is None
    assert frame.payload == {"req_params": {}}


def test_undocumented_event_numbers_decode_as_plain_ints() -> None:
    session_scoped = _hex("11 14 10 00 0000012c") + _sized(b"s") + _sized(b"{}")
    assert decode_client_frame(session_scoped).event == 300
    assert decode_client_frame(session_scoped).session_id == "s"
    connection_scoped = _hex("11 14 10 00 00000007") + _sized(b"{}")
    assert decode_client_frame(connection_scoped).event == 7


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_hex("11 14 10"), "shorter than the 4-byte header"),
        (_hex("21 14 10 00 00000001 00000002 7b7d"), "protocol version"),
        (_hex("11 94 10 00 00000001 00000002 7b7d"), "not a full client request"),
        (_hex("11 13 10 00 00000001 00000002 7b7d"), "flags"),
        (_hex("11 14 00 00 00000001 00000002 7b7d"), "not JSON"),
        (_hex("11 14 12 00 00000001 00000002 7b7d"), "compression"),
        (_hex("11 14 10 00 000000"), "event number"),
        (_hex("11 14 10 00 00000001 00000009 7b7d"), "exceeds"),
        (_hex("11 14 10 00 00000001 00000002 7b7d 00"), "stray bytes"),
        (_hex("11 14 10 00 00000001 00000002 7b7b"), "not JSON"),
        (_hex("11 14 10 00 00000001 00000002 5b5d"), "not a JSON object"),
        (_hex("11 14 11 00 00000001 00000002 7b7d"), "gzip"),
    ],
)
def test_malformed_frames_are_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode_client_frame(raw)


def test_connection_started_matches_the_table() -> None:
    assert encode_connection_event(Event.CONNECTION_STARTED, "bxnweiu", {}) == _hex(
        "11 94 10 00 00000032 00000007 62786e77656975 00000002 7b7d"
    )


def test_connection_failed_carries_status_and_message() -> None:
    payload = {"status_code": 45000000, "message": "quota exceeded for types: concurrency"}
    raw = encode_connection_event(Event.CONNECTION_FAILED, "c", payload)
    assert raw[:8] == _hex("11 94 10 00 00000033")
    assert raw[8:13] == _sized(b"c")
    assert json.loads(raw[17:]) == payload


def test_session_started_matches_the_table() -> None:
    expected = _hex("11 94 10 00 00000096") + _sized(SESSION_ID.encode()) + _hex("00000002 7b7d")
    assert encode_session_event(Event.SESSION_STARTED, SESSION_ID, {}) == expected


def test_session_finished_carries_its_response_meta() -> None:
    meta = {"status_code": 20000000, "message": "ok", "usage": {"text_words": 4}}
    raw = encode_session_event(Event.SESSION_FINISHED, SESSION_ID, meta)
    header_and_id = _hex("11 94 10 00 00000098") + _sized(SESSION_ID.encode())
    assert raw.startswith(header_and_id)
    body = raw[len(header_and_id) :]
    assert int.from_bytes(body[:4], "big") == len(body) - 4
    assert json.loads(body[4:]) == meta


def test_audio_frame_is_raw_audio_only_with_event_352() -> None:
    expected = _hex("11 b4 00 00 00000160") + _sized(b"sid") + _sized(b"\x01\x02\x03")
    assert encode_audio("sid", b"\x01\x02\x03") == expected


def test_error_frame_has_no_event_and_json_body() -> None:
    raw = encode_error(45000001, "bad")
    assert raw[:4] == _hex("11 f0 10 00")
    assert int.from_bytes(raw[4:8], "big") == 45000001
    assert int.from_bytes(raw[8:12], "big") == len(raw) - 12
    assert json.loads(raw[12:]) == {"status_code": 45000001, "message": "bad"}


def test_encoders_refuse_events_of_the_wrong_family() -> None:
    with pytest.raises(ValueError, match="not a connection event"):
        encode_connection_event(Event.SESSION_STARTED, "c", {})
    with pytest.raises(ValueError, match="not a JSON session event"):
        encode_session_event(Event.TTS_RESPONSE, "s", {})


def test_truncated_frame_is_shorter_than_a_header() -> None:
    assert len(TRUNCATED_AUDIO_FRAME) < 4
