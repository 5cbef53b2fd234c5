"""Property-based tests of the recognition response parser: whatever arrives from the network
becomes a transcript or a ``ProtocolError``, never an ``IndexError``, ``KeyError`` or
``TypeError`` that would escape the client's error handling.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import struct
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.volcengine_tts.volcengine.recognition.client import (
    Transcript,
    parse_response,
)
from custom_components.volcengine_tts.volcengine.wire.errors import ProtocolError, VolcengineError
from custom_components.volcengine_tts.volcengine.wire.frames import (
    ErrorFrame,
    ServerResponseFrame,
    decode_server_frame,
    encode_server_response,
)

_SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FAST = settings(
    max_examples=300 * _SCALE,
    deadline=None,
    derandomize=_SCALE == 1,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
responses = st.fixed_dictionaries(
    {},
    optional={
        "audio_info": st.one_of(json_values, st.fixed_dictionaries({"duration": json_values})),
        "result": st.one_of(
            json_values,
            st.fixed_dictionaries({"text": json_values}, optional={"utterances": json_values}),
            st.lists(st.fixed_dictionaries({"text": json_values}), max_size=2),
        ),
    },
)


def read(data: bytes) -> Transcript | ErrorFrame | None:
    """What the client does with a message: decode it, then parse a response."""
    frame = decode_server_frame(data)
    if isinstance(frame, ServerResponseFrame):
        return parse_response(frame)
    if isinstance(frame, ErrorFrame):
        return frame
    return None


@FAST
@given(st.binary(max_size=64))
def test_any_bytes_become_a_transcript_or_a_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        read(data)


@FAST
@given(
    flags=st.integers(0, 15),
    compression=st.sampled_from([0, 1]),
    body=st.binary(max_size=48),
    sequence=st.integers(-(2**31), 2**31 - 1),
)
def test_response_headers_with_any_body_never_escape(
    flags: int, compression: int, body: bytes, sequence: int
) -> None:
    payload = gzip.compress(body, mtime=0) if compression else body
    frame = (
        bytes((0x11, 0x90 | flags, 0x10 | compression, 0))
        + (struct.pack(">i", sequence) if flags & 1 else b"")
        + struct.pack(">I", len(payload))
        + payload
    )
    with contextlib.suppress(ProtocolError):
        read(frame)


@FAST
@given(responses)
def test_any_json_shape_becomes_a_transcript_or_a_protocol_error(document: dict[str, Any]) -> None:
    frame = encode_server_response(json.dumps(document).encode(), sequence=3)
    try:
        transcript = read(frame)
    except ProtocolError:
        return
    assert isinstance(transcript, Transcript)
    assert isinstance(transcript.text, str)
    assert isinstance(transcript.audio_milliseconds, int)


@FAST
@given(
    text=st.text(),
    sequence=st.none() | st.integers(1, 2**31 - 1),
    last=st.booleans(),
    duration=st.integers(0, 2**31),
)
def test_well_formed_responses_round_trip(
    text: str, sequence: int | None, last: bool, duration: int
) -> None:
    document = {"audio_info": {"duration": duration}, "result": {"text": text}}
    frame = encode_server_response(
        json.dumps(document, ensure_ascii=False).encode(), sequence=sequence, last=last
    )
    assert read(frame) == Transcript(text, is_final=last, audio_milliseconds=duration)


@FAST
@given(code=st.integers(0, 2**32 - 1), message=st.text(max_size=40))
def test_error_frames_map_to_typed_errors(code: int, message: str) -> None:
    from custom_components.volcengine_tts.volcengine.wire.errors import error_from_server

    body = json.dumps({"error": message}).encode()
    frame = bytes.fromhex("11f01000") + struct.pack(">II", code, len(body)) + body
    decoded = read(frame)
    assert isinstance(decoded, ErrorFrame)
    error = error_from_server(decoded.code, decoded.message)
    assert isinstance(error, VolcengineError)
    assert error.code == code
