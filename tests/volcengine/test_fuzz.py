"""Property-based tests: the codec and the splitter against whatever hypothesis can think of.

The codec faces bytes from the network: whatever arrives must become a frame or a
``ProtocolError``, never an ``IndexError`` or a ``struct.error`` that would escape the
client's error handling. The splitter faces arbitrary text (an LLM's deltas, emoji,
mixed scripts): it must never lose, duplicate or reorder what is to be spoken, and
never hand the service a piece over its byte limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import struct
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.volcengine_tts.volcengine.synthesis.text import (
    byte_length,
    pack,
    pack_gradually,
    split_text,
    split_text_gradually,
    stream_sentences,
)
from custom_components.volcengine_tts.volcengine.wire.errors import (
    ProtocolError,
    TransientServerError,
    VolcengineError,
    error_from_handshake,
    error_from_server,
    error_from_text_frame,
)
from custom_components.volcengine_tts.volcengine.wire.frames import (
    EVENT_FLAG,
    AckFrame,
    AudioFlags,
    AudioFrame,
    Compression,
    ErrorFrame,
    EventFrame,
    FrontendFrame,
    MessageType,
    Serialization,
    ServerResponseFrame,
    compress,
    decode_server_frame,
    decompress,
    encode_audio_frame,
    encode_error_frame,
    encode_server_event,
)

_SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FAST = settings(
    max_examples=300 * _SCALE,
    deadline=None,
    derandomize=_SCALE == 1,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SLOW = settings(FAST, max_examples=60 * _SCALE)
"""Example counts sized so the whole file runs in a few seconds, the same examples every
run (tests must be deterministic). ``FUZZ_SCALE=50`` explores 50 times more, randomly."""

FRAME_TYPES = (AckFrame, AudioFrame, FrontendFrame, ServerResponseFrame, ErrorFrame, EventFrame)
U32 = st.integers(min_value=0, max_value=2**32 - 1)
I32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)


def _decodes_or_refuses(data: bytes) -> None:
    """The codec's contract: a frame, or ProtocolError; nothing else escapes."""
    try:
        frame = decode_server_frame(data)
    except ProtocolError:
        return
    assert isinstance(frame, FRAME_TYPES)


# ---------------------------------------------------------------- the codec


@FAST
@given(st.binary(max_size=256))
def test_any_bytes_decode_to_a_frame_or_a_protocol_error(data: bytes) -> None:
    _decodes_or_refuses(data)


@st.composite
def _header(draw: st.DrawFn) -> bytes:
    """A well-formed header: version 1, any size, any type / flags / serialization / compression."""
    words = draw(st.integers(min_value=1, max_value=15))
    message_type = draw(st.sampled_from(list(MessageType)) | st.integers(0, 15))
    flags = draw(st.integers(0, 15))
    serialization = draw(st.sampled_from(list(Serialization)) | st.integers(0, 15))
    compression = draw(st.sampled_from(list(Compression)) | st.integers(0, 15))
    extensions = draw(st.binary(min_size=(words - 1) * 4, max_size=(words - 1) * 4))
    return (
        bytes((0x10 | words, message_type << 4 | flags, serialization << 4 | compression, 0))
        + extensions
    )


@st.composite
def _body(draw: st.DrawFn) -> bytes:
    """A body made of the fields frames really have, with sizes that may or may not fit."""
    parts = draw(
        st.lists(
            st.one_of(
                I32.map(lambda value: struct.pack(">i", value)),
                U32.map(lambda value: struct.pack(">I", value)),
                st.binary(max_size=32),
                st.binary(max_size=32).map(lambda data: struct.pack(">I", len(data)) + data),
                st.binary(max_size=32).map(_gzip_sized),
            ),
            max_size=5,
        )
    )
    return b"".join(parts)


def _gzip_sized(data: bytes) -> bytes:
    body = compress(data, Compression.GZIP)
    return struct.pack(">I", len(body)) + body


@FAST
@given(_header(), _body())
def test_valid_headers_with_any_body_decode_or_refuse(header: bytes, body: bytes) -> None:
    _decodes_or_refuses(header + body)


@FAST
@given(_header(), _body(), st.integers(min_value=0, max_value=64))
def test_truncated_frames_decode_or_refuse(header: bytes, body: bytes, cut: int) -> None:
    frame = header + body
    _decodes_or_refuses(frame[: max(0, len(frame) - cut)])


@FAST
@given(st.binary(max_size=2048), I32.filter(lambda value: value > 0))
def test_audio_frames_round_trip(audio: bytes, sequence: int) -> None:
    frame = encode_audio_frame(audio, sequence=sequence, last=False)
    assert decode_server_frame(frame) == AudioFrame(audio, sequence, is_last=False)


@FAST
@given(st.binary(max_size=2048), I32.filter(lambda value: value < 0), st.booleans())
def test_last_audio_frames_round_trip_in_both_layouts(
    audio: bytes, sequence: int, with_sequence: bool
) -> None:
    frame = encode_audio_frame(audio, sequence=sequence, last=True, with_sequence=with_sequence)
    expected_sequence = sequence if with_sequence else None
    assert decode_server_frame(frame) == AudioFrame(audio, expected_sequence, is_last=True)


@FAST
@given(st.binary(max_size=2048), I32.filter(lambda value: value < 0))
def test_last_frame_flags_0b0010_with_a_negative_sequence(audio: bytes, sequence: int) -> None:
    """Servers that keep the sequence number under flags 0b0010 are read right too."""
    header = bytes((0x11, MessageType.AUDIO_ONLY_SERVER_RESPONSE << 4 | AudioFlags.LAST, 0, 0))
    frame = header + struct.pack(">iI", sequence, len(audio)) + audio
    assert decode_server_frame(frame) == AudioFrame(audio, sequence, is_last=True)


@FAST
@given(U32, st.text(max_size=300), st.sampled_from([Compression.NONE, Compression.GZIP]))
def test_error_frames_round_trip(code: int, message: str, compression: Compression) -> None:
    frame = encode_error_frame(code, message, compression=compression)
    assert decode_server_frame(frame) == ErrorFrame(code, message)


@FAST
@given(
    I32,
    st.binary(max_size=512),
    st.none() | st.text(max_size=64),
    st.booleans(),
)
def test_v3_server_events_round_trip(
    event: int, payload: bytes, identifier: str | None, audio: bool
) -> None:
    connection_event = event < 100
    frame = encode_server_event(
        event,
        payload,
        session_id=None if connection_event else identifier,
        connection_id=identifier if connection_event else None,
        audio=audio,
    )
    decoded = decode_server_frame(frame)
    assert decoded == EventFrame(
        event,
        payload,
        session_id=None if connection_event else identifier,
        connection_id=identifier if connection_event else None,
        is_audio=audio,
    )
    assert frame[1] & 0x0F == EVENT_FLAG


@FAST
@given(st.binary(max_size=512), st.sampled_from(list(Compression)))
def test_decompress_returns_bytes_or_refuses(data: bytes, compression: Compression) -> None:
    with contextlib.suppress(ProtocolError):
        assert isinstance(decompress(data, compression), bytes)


@FAST
@given(st.binary(max_size=4096), st.sampled_from([Compression.NONE, Compression.GZIP]))
def test_compression_round_trips(data: bytes, compression: Compression) -> None:
    assert decompress(compress(data, compression), compression) == data


@FAST
@given(st.binary(min_size=1, max_size=512), st.integers(min_value=1, max_value=64))
def test_damaged_gzip_is_refused_or_still_decodes(data: bytes, cut: int) -> None:
    packed = compress(data, Compression.GZIP)
    try:
        result = decompress(packed[: max(0, len(packed) - cut)], Compression.GZIP)
    except ProtocolError:
        return
    assert isinstance(result, bytes)


# ------------------------------------------------- what the server says when it fails

NESTED = "[" * 100_000
"""Deeply nested JSON: ``json.loads`` gives up with RecursionError, not ValueError."""
JSONISH = st.one_of(
    st.text(max_size=200),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    ).map(json.dumps),
    st.fixed_dictionaries(
        {"code": st.integers() | st.text(max_size=5), "message": st.text(max_size=50)}
    ).map(json.dumps),
)
"""Text and JSON shaped like what servers and proxies put in errors."""


@FAST
@given(st.binary(max_size=256) | JSONISH.map(str.encode), I32)
def test_event_payload_json_is_an_object_or_a_protocol_error(payload: bytes, event: int) -> None:
    with contextlib.suppress(ProtocolError):
        assert isinstance(EventFrame(event, payload).json(), dict)


@FAST
@given(JSONISH)
def test_any_text_frame_becomes_a_typed_error(text: str) -> None:
    assert isinstance(error_from_text_frame(text), VolcengineError)


@FAST
@given(U32, JSONISH)
def test_any_error_frame_becomes_a_typed_error(code: int, message: str) -> None:
    assert isinstance(error_from_server(code, message), VolcengineError)


@FAST
@given(st.integers(100, 599), st.binary(max_size=600))
def test_any_refused_handshake_becomes_a_typed_error(status: int, body: bytes) -> None:
    assert isinstance(error_from_handshake(status, body), VolcengineError)


def test_deeply_nested_event_payload_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        EventFrame(152, NESTED.encode()).json()


def test_deeply_nested_text_frame_is_a_protocol_error() -> None:
    assert isinstance(error_from_text_frame(NESTED), ProtocolError)


def test_deeply_nested_error_message_keeps_the_code() -> None:
    error = error_from_server(3031, NESTED)
    assert isinstance(error, TransientServerError)
    assert error.code == 3031


# ---------------------------------------------------------------- the splitter

SCRIPT = st.sampled_from(
    [
        *"你好世界今天天气很好我们一起去公园",  # CJK: 3 bytes each
        *"abcdefgXYZ0123456789",
        *"。！？，、；：…—「」“”（）",  # full-width punctuation
        *".!?,;:'\"()-",
        " ",
        "\n",
        "\t",
        "😀",  # 4 bytes
        "👨‍👩‍👧",  # a ZWJ sequence: several code points
        "é",  # 2 bytes
        "3.14",  # a decimal point is not a sentence end
        "Mr. ",
    ]
)
TEXT = st.lists(SCRIPT | st.characters(codec="utf-8"), max_size=120).map("".join)
MAX_BYTES = st.sampled_from([4, 5, 7, 12, 30, 64, 1024])
"""At least 4: one character may take 4 bytes, and a piece holds at least one."""


def _run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a private loop (``asyncio.run`` would unset the test's loop)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def _letters(text: str) -> str:
    """What must come out, in order, exactly once: the text without whitespace.

    (Markdown is stripped before splitting, when asked for, by ``markup``; the splitter
    itself keeps every character.)
    """
    return "".join(text.split())


def _check_pieces(text: str, pieces: list[str], max_bytes: int) -> None:
    assert _letters("".join(pieces)) == _letters(text)
    for piece in pieces:
        assert piece, pieces
        assert byte_length(piece) <= max_bytes, (piece, max_bytes)


@FAST
@given(TEXT, MAX_BYTES)
def test_split_text_keeps_every_character_within_the_limit(text: str, max_bytes: int) -> None:
    _check_pieces(text, split_text(text, max_bytes), max_bytes)


async def _gradually(text: str, max_bytes: int) -> list[str]:
    return [piece async for piece in split_text_gradually(text, max_bytes)]


@SLOW
@given(st.lists(TEXT, max_size=12).map("".join), MAX_BYTES)
def test_split_text_gradually_keeps_every_character_within_the_limit(
    text: str, max_bytes: int
) -> None:
    _check_pieces(text, _run(_gradually(text, max_bytes)), max_bytes)


async def _streamed(fragments: list[str], max_bytes: int) -> list[str]:
    async def source() -> AsyncIterator[str]:
        for fragment in fragments:
            yield fragment

    return [piece async for piece in stream_sentences(source(), max_bytes)]


@st.composite
def _fragmented(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text and a random way of cutting it into deltas (some empty)."""
    text = draw(TEXT)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=20)))
    bounds = [0, *cuts, len(text)]
    return text, [text[start:end] for start, end in itertools.pairwise(bounds)]


@SLOW
@given(_fragmented(), MAX_BYTES)
def test_streamed_pieces_are_exactly_the_text_in_order(
    fragmented: tuple[str, list[str]], max_bytes: int
) -> None:
    """Nothing lost, duplicated or reordered, for any fragmentation: every character."""
    text, fragments = fragmented
    pieces = _run(_streamed(fragments, max_bytes))
    assert "".join(pieces) == text
    assert all(piece and byte_length(piece) <= max_bytes for piece in pieces)


@SLOW
@given(_fragmented(), MAX_BYTES)
def test_stream_sentences_keeps_every_character_within_the_limit(
    fragmented: tuple[str, list[str]], max_bytes: int
) -> None:
    text, fragments = fragmented
    _check_pieces(text, _run(_streamed(fragments, max_bytes)), max_bytes)


_PIECES = st.lists(st.text(min_size=1, max_size=20), max_size=30)


@FAST
@given(_PIECES, st.booleans())
def test_pack_joins_in_order_within_the_limit(pieces: list[str], first_alone: bool) -> None:
    max_bytes = max([byte_length(piece) for piece in pieces], default=1) * 2
    packed = pack(pieces, max_bytes, first_alone=first_alone)
    assert "".join(packed) == "".join(pieces)
    assert all(byte_length(piece) <= max_bytes for piece in packed)
    if first_alone and pieces:
        assert packed[0] == pieces[0]
    # Packing is greedy: no two neighbours could have been joined (past the first).
    start = 1 if first_alone else 0
    for left, right in zip(packed[start:], packed[start + 1 :], strict=False):
        assert byte_length(left) + byte_length(right) > max_bytes


async def _packed_gradually(pieces: list[str], max_bytes: int) -> list[str]:
    async def source() -> AsyncIterator[str]:
        for piece in pieces:
            yield piece

    return [piece async for piece in pack_gradually(source(), max_bytes)]


@SLOW
@given(_PIECES)
def test_pack_gradually_is_pack(pieces: list[str]) -> None:
    max_bytes = max([byte_length(piece) for piece in pieces], default=1) * 2
    assert _run(_packed_gradually(pieces, max_bytes)) == pack(pieces, max_bytes)
