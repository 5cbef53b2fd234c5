"""The emulator's recognition codec, from the byte vectors of the protocol notes."""

from __future__ import annotations

import gzip
import json

import pytest

from emulator.framing import ProtocolError
from emulator.sauc_framing import (
    ClientPacket,
    PacketKind,
    decode_client_packet,
    encode_error,
    encode_response,
)


def test_a_numbered_gzip_request_decodes() -> None:
    body = gzip.compress(b'{"a":1}')
    frame = bytes.fromhex("11111100") + (1).to_bytes(4) + len(body).to_bytes(4) + body
    packet = decode_client_packet(frame)
    assert packet == ClientPacket(PacketKind.FULL_REQUEST, 1, False, b'{"a":1}', True)
    assert packet.json() == {"a": 1}


def test_an_unnumbered_last_audio_packet_decodes() -> None:
    frame = bytes.fromhex("11220000") + (2).to_bytes(4) + b"\x01\x02"
    assert decode_client_packet(frame) == ClientPacket(PacketKind.AUDIO, None, True, b"\1\2", False)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (bytes.fromhex("11911000") + bytes(4), "not a client request"),
        (bytes.fromhex("11241000") + bytes(4), "unexpected message flags"),
        (bytes.fromhex("11100000") + bytes(4), "is not JSON"),
        (bytes.fromhex("11210000") + b"\0\0", "before its sequence number"),
        (bytes.fromhex("11200000") + b"\0\0", "before its payload size"),
        (bytes.fromhex("11200000") + (5).to_bytes(4) + b"ab", "does not match actual body size"),
        (bytes.fromhex("11200100") + (3).to_bytes(4) + b"abc", "ungzip payload"),
    ],
)
def test_malformed_client_frames_are_protocol_errors(frame: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        decode_client_packet(frame)


@pytest.mark.parametrize("payload", [b"[1]", b"\xff", b"{"])
def test_a_request_that_is_not_a_json_object_is_refused(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        ClientPacket(PacketKind.FULL_REQUEST, None, False, payload, False).json()


def test_the_ack_matches_the_live_capture_layout() -> None:
    frame = encode_response({"result": {"text": ""}}, sequence=1)
    assert frame[:8] == bytes.fromhex("1191100000000001")
    assert json.loads(frame[12:]) == {"result": {"text": ""}}


def test_a_gzipped_final_response_sets_flags_and_compression() -> None:
    frame = encode_response({"x": 1}, sequence=None, last=True, gzipped=True)
    assert frame[:4] == bytes.fromhex("11921100")
    assert json.loads(gzip.decompress(frame[8:])) == {"x": 1}


def test_an_error_frame_carries_the_code_and_json() -> None:
    frame = encode_error(45000081, "timeout")
    assert frame[:8] == bytes.fromhex("11f0100002aea591")
    assert json.loads(frame[12:]) == {"error": "timeout"}
