"""Byte-exact tests of the v1 frame codec, built from the documented layouts.

Vectors are written out by hand from the protocol tables (header nibbles,
big-endian u32 / int32 fields), not produced by the codec under test.
"""

from __future__ import annotations

import gzip
import json

import pytest

from custom_components.volcengine_tts.volcengine.wire.errors import ProtocolError
from custom_components.volcengine_tts.volcengine.wire.frames import (
    MAX_DECOMPRESSED_BYTES,
    AckFrame,
    AudioFrame,
    Compression,
    ErrorFrame,
    FrontendFrame,
    Header,
    MessageType,
    Serialization,
    ServerResponseFrame,
    decode_header,
    decode_server_frame,
    decompress,
    encode_audio_frame,
    encode_error_frame,
    encode_full_client_request,
    encode_header,
)

REQUEST = {"app": {"appid": "a"}, "request": {"text": "你好"}}
REQUEST_JSON = json.dumps(REQUEST, ensure_ascii=False, separators=(",", ":")).encode()


def test_full_client_request_gzip_matches_documented_header() -> None:
    frame = encode_full_client_request(REQUEST, compression=Compression.GZIP)
    # version 1 | header size 1, full client request | no flags, JSON | gzip, reserved
    assert frame[:4] == b"\x11\x10\x11\x00"
    size = int.from_bytes(frame[4:8], "big")
    assert size == len(frame) - 8
    assert json.loads(gzip.decompress(frame[8:])) == REQUEST


def test_full_client_request_plain_matches_documented_header() -> None:
    frame = encode_full_client_request(REQUEST, compression=Compression.NONE)
    assert frame == b"\x11\x10\x10\x00" + len(REQUEST_JSON).to_bytes(4, "big") + REQUEST_JSON


def test_ack_frame() -> None:
    assert decode_server_frame(b"\x11\xb0\x00\x00") == AckFrame()


def test_audio_frame_with_positive_sequence() -> None:
    frame = b"\x11\xb1\x00\x00" + b"\x00\x00\x00\x01" + b"\x00\x00\x00\x03" + b"abc"
    assert decode_server_frame(frame) == AudioFrame(b"abc", 1, is_last=False)


def test_last_audio_frame_with_negative_sequence() -> None:
    frame = b"\x11\xb3\x00\x00" + b"\xff\xff\xff\xfe" + b"\x00\x00\x00\x02" + b"yz"
    assert decode_server_frame(frame) == AudioFrame(b"yz", -2, is_last=True)


def test_last_frame_flag_two_without_sequence() -> None:
    """The newer official ``protocols`` module: flags 0b0010, size and payload only."""
    frame = b"\x11\xb2\x00\x00" + b"\x00\x00\x00\x04" + b"tail"
    assert decode_server_frame(frame) == AudioFrame(b"tail", None, is_last=True)


def test_last_frame_flag_two_with_sequence() -> None:
    """The classic demo reads a sequence number whenever flags are non-zero."""
    frame = b"\x11\xb2\x00\x00" + b"\xff\xff\xff\xff" + b"\x00\x00\x00\x04" + b"tail"
    assert decode_server_frame(frame) == AudioFrame(b"tail", -1, is_last=True)


def test_flag_one_with_negative_sequence_ends_the_stream() -> None:
    frame = b"\x11\xb1\x00\x00" + b"\xff\xff\xff\xfd" + b"\x00\x00\x00\x00"
    assert decode_server_frame(frame) == AudioFrame(b"", -3, is_last=True)


def test_header_extensions_are_skipped() -> None:
    frame = b"\x12\xb1\x00\x00" + b"EXT!" + b"\x00\x00\x00\x05" + b"\x00\x00\x00\x01" + b"x"
    assert decode_server_frame(frame) == AudioFrame(b"x", 5, is_last=False)
    header, offset = decode_header(frame)
    assert header.extensions == b"EXT!"
    assert offset == 8


def test_header_extensions_round_trip_padded() -> None:
    header = Header(MessageType.ERROR, 0, Serialization.JSON, Compression.NONE, b"ab")
    encoded = encode_header(header)
    assert encoded == b"\x12\xf0\x10\x00ab\x00\x00"


def test_error_frame_plain_message() -> None:
    message = b"illegal input text!"
    frame = (
        b"\x11\xf0\x10\x00" + (3011).to_bytes(4, "big") + len(message).to_bytes(4, "big") + message
    )
    assert decode_server_frame(frame) == ErrorFrame(3011, "illegal input text!")


def test_error_frame_gzip_message() -> None:
    body = gzip.compress(b"quota exceeded for types: concurrency")
    frame = b"\x11\xf0\x11\x00" + (3003).to_bytes(4, "big") + len(body).to_bytes(4, "big") + body
    assert decode_server_frame(frame) == ErrorFrame(3003, "quota exceeded for types: concurrency")


def test_frontend_frame_gzip_payload() -> None:
    body = gzip.compress(b'{"phonemes":[]}')
    frame = b"\x11\xc0\x11\x00" + len(body).to_bytes(4, "big") + body
    assert decode_server_frame(frame) == FrontendFrame(b'{"phonemes":[]}')


def test_deprecated_full_server_response_is_tolerated() -> None:
    frame = b"\x11\x91\x10\x00" + b"\x00\x00\x00\x01" + b"\x00\x00\x00\x02" + b"{}"
    assert decode_server_frame(frame) == ServerResponseFrame(b"{}", 1)
    plain = b"\x11\x90\x10\x00" + b"\x00\x00\x00\x02" + b"{}"
    assert decode_server_frame(plain) == ServerResponseFrame(b"{}", None)


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"", "shorter than a header"),
        (b"\x11\xb1", "shorter than a header"),
        (b"\x21\xb1\x00\x00", "protocol version"),
        (b"\x10\xb1\x00\x00", "header size"),
        (b"\x13\xb1\x00\x00\x00\x00", "header size"),
        (b"\x11\x50\x00\x00", "invalid frame header"),
        (b"\x11\x10\x11\x00\x00\x00\x00\x00", "unexpected FULL_CLIENT_REQUEST"),
        (b"\x11\xb5\x00\x00", "unknown audio frame flags"),
        (b"\x11\xb1\x00\x00\x00\x00", "no sequence number"),
        (b"\x11\xb1\x00\x00\x00\x00\x00\x01\x00\x00", "no payload size"),
        (b"\x11\xb1\x00\x00\x00\x00\x00\x01\x00\x00\x00\x09abc", "does not match"),
        (b"\x11\xb2\x00\x00\x00\x00\x00\x09abc", "does not match"),
        (b"\x11\xf0\x10\x00\x00\x00", "too short"),
        (b"\x11\xf0\x11\x00\x00\x00\x0b\xb9\x00\x00\x00\x03abc", "invalid gzip"),
        (b"\x11\xc0\x1f\x00\x00\x00\x00\x00", "unsupported compression"),
    ],
)
def test_malformed_frames_raise_protocol_error(frame: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode_server_frame(frame)


def test_truncated_gzip_is_a_protocol_error() -> None:
    body = gzip.compress(b"x" * 100)[:-6]
    with pytest.raises(ProtocolError, match="truncated gzip"):
        decompress(body, Compression.GZIP)


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\x00" * (MAX_DECOMPRESSED_BYTES + 1))
    with pytest.raises(ProtocolError, match="inflates beyond"):
        decompress(bomb, Compression.GZIP)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"sequence": None, "last": False}, AckFrame()),
        ({"sequence": 3, "last": False}, AudioFrame(b"pcm", 3, is_last=False)),
        ({"sequence": -4, "last": True}, AudioFrame(b"pcm", -4, is_last=True)),
        ({"sequence": None, "last": True, "with_sequence": False}, AudioFrame(b"pcm", None, True)),
    ],
)
def test_audio_frames_round_trip(kwargs: dict[str, object], expected: object) -> None:
    assert decode_server_frame(encode_audio_frame(b"pcm", **kwargs)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("compression", [Compression.NONE, Compression.GZIP])
def test_error_frames_round_trip(compression: Compression) -> None:
    encoded = encode_error_frame(3050, "voice 不存在", compression=compression)
    assert decode_server_frame(encoded) == ErrorFrame(3050, "voice 不存在")


def test_header_cannot_hold_more_than_fifteen_words() -> None:
    header = Header(MessageType.ERROR, 0, Serialization.JSON, Compression.NONE, b"x" * 57)
    with pytest.raises(ValueError, match="cannot be encoded"):
        encode_header(header)


def test_custom_compression_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="cannot compress"):
        encode_full_client_request({}, compression=Compression.CUSTOM)
