"""Byte-exact vectors for the emulator's frame codec, from the documented header tables."""

import gzip
import json

import pytest

from emulator.framing import (
    ProtocolError,
    decode_client_request,
    encode_ack,
    encode_audio,
    encode_error,
    encode_frontend,
    encode_last_audio,
)

PAYLOAD = {"app": {"appid": "a"}, "request": {"text": "你好"}}


def _frame(header: bytes, body: bytes) -> bytes:
    return header + len(body).to_bytes(4, "big") + body


def test_ack_is_a_bare_header() -> None:
    assert encode_ack() == b"\x11\xb0\x00\x00"


def test_audio_frame_carries_positive_sequence_and_size() -> None:
    assert encode_audio(1, b"abc") == b"\x11\xb1\x00\x00\x00\x00\x00\x01\x00\x00\x00\x03abc"


def test_audio_frame_refuses_non_positive_sequence() -> None:
    with pytest.raises(ValueError, match="positive"):
        encode_audio(0, b"x")


def test_classic_last_frame_has_negative_sequence() -> None:
    frame = encode_last_audio(3, b"x", "classic")
    assert frame == b"\x11\xb3\x00\x00\xff\xff\xff\xfd\x00\x00\x00\x01x"


def test_no_sequence_last_frame_has_only_size() -> None:
    assert encode_last_audio(3, b"x", "no_sequence") == b"\x11\xb2\x00\x00\x00\x00\x00\x01x"


def test_plain_error_frame() -> None:
    assert encode_error(3001, "bad") == b"\x11\xf0\x00\x00\x00\x00\x0b\xb9\x00\x00\x00\x03bad"


def test_gzipped_json_error_frame() -> None:
    frame = encode_error(3001, '{"code": 403}', json_body=True, gzipped=True)
    assert frame[:4] == b"\x11\xf0\x11\x00"
    assert int.from_bytes(frame[4:8]) == 3001
    assert int.from_bytes(frame[8:12]) == len(frame) - 12
    assert gzip.decompress(frame[12:]) == b'{"code": 403}'


def test_frontend_frame_carries_json() -> None:
    frame = encode_frontend({"phonemes": "ni hao"})
    assert frame[:4] == b"\x11\xc0\x10\x00"
    assert int.from_bytes(frame[4:8]) == len(frame) - 8
    assert json.loads(frame[8:]) == {"phonemes": "ni hao"}


def test_decodes_gzip_request_like_the_official_demo() -> None:
    frame = _frame(b"\x11\x10\x11\x00", gzip.compress(json.dumps(PAYLOAD).encode()))
    request = decode_client_request(frame)
    assert request.payload == PAYLOAD
    assert request.compressed


def test_decodes_uncompressed_request() -> None:
    request = decode_client_request(_frame(b"\x11\x10\x10\x00", json.dumps(PAYLOAD).encode()))
    assert request.payload == PAYLOAD
    assert not request.compressed


def test_skips_header_extension_words() -> None:
    frame = _frame(b"\x12\x10\x10\x00" + b"\xde\xad\xbe\xef", json.dumps(PAYLOAD).encode())
    assert decode_client_request(frame).payload == PAYLOAD


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x11\x10", "shorter than the 4-byte header"),
        (_frame(b"\x21\x10\x10\x00", b"{}"), "version 2"),
        (_frame(b"\x10\x10\x10\x00", b"{}"), "header size"),
        (_frame(b"\x11\x20\x10\x00", b"{}"), "not a full client request"),
        (_frame(b"\x11\x11\x10\x00", b"{}"), "flags"),
        (_frame(b"\x11\x10\x00\x00", b"{}"), "not JSON"),
        (_frame(b"\x11\x10\x12\x00", b"{}"), "compression"),
        (b"\x11\x10\x10\x00\x00\x00", "ends before its payload size"),
        (b"\x11\x10\x10\x00\x00\x00\x00\x05{}", "does not match"),
        (_frame(b"\x11\x10\x11\x00", b"not gzip"), "not valid gzip"),
        (_frame(b"\x11\x10\x10\x00", b"{oops"), "not JSON"),
        (_frame(b"\x11\x10\x10\x00", b"\xff\xfe"), "not JSON"),
        (_frame(b"\x11\x10\x10\x00", b"[1, 2]"), "not a JSON object"),
    ],
)
def test_rejects_malformed_requests(frame: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode_client_request(frame)
