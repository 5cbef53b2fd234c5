"""The text hidden in the emulator's speech, and reading it back."""

from __future__ import annotations

import random

import pytest

from emulator.audio import render_audio, speech_duration
from emulator.speech_marks import MarkReader, mark


def read(pcm: bytes, chunk: int = 321) -> str:
    reader = MarkReader()
    for start in range(0, len(pcm), chunk):
        reader.feed(pcm[start : start + chunk])
    return reader.text


@pytest.mark.parametrize("sample_rate", [8000, 16000, 24000, 48000])
@pytest.mark.parametrize("text", ["打开客厅的灯", "  Hello, world! 你好。 ", "...", "a", "🎉ok"])
def test_pcm_carries_its_text_exactly(text: str, sample_rate: int) -> None:
    pcm = render_audio(text, "v", encoding="pcm", sample_rate=sample_rate, speed_ratio=2.0)
    assert read(pcm) == text


def test_wav_carries_its_text_after_its_header() -> None:
    wav = render_audio("你好", "v", encoding="wav", sample_rate=16000)
    assert read(wav[44:]) == "你好"


def test_marks_do_not_change_the_length_of_the_speech() -> None:
    pcm = render_audio("你好，世界", "v", encoding="pcm", sample_rate=16000)
    assert len(pcm) == round(speech_duration("你好，世界") * 16000) * 2


def test_a_mark_changes_only_least_significant_bits() -> None:
    plain = bytes(2000)
    marked = mark(plain, "好")
    assert marked != plain
    assert all(value in (0, 1) for value in marked[::2])
    assert set(marked[1::2]) == {0}


def test_text_too_long_for_its_segment_is_shortened() -> None:
    marked = mark(bytes(200), "a" + " " * 50)
    assert read(marked).startswith("a")
    assert len(read(marked)) < 51


def test_an_empty_text_leaves_the_segment_alone() -> None:
    assert mark(bytes(200), "") == bytes(200)


def test_random_audio_carries_no_text() -> None:
    noise = random.Random(12).randbytes(32000 * 30)
    reader = MarkReader()
    reader.feed(noise)
    assert not reader.found
    assert reader.text == ""


def test_a_corrupted_mark_is_skipped() -> None:
    pcm = bytearray(render_audio("好的", "v", encoding="pcm", sample_rate=16000))
    pcm[2 * 45] ^= 1  # flip a payload bit of the first mark: its checksum fails
    assert read(bytes(pcm)) == "的"


def test_a_mark_with_invalid_utf8_is_skipped() -> None:
    from emulator.speech_marks import _SYNC_BITS, _bits, _checksum

    payload = b"\xff"
    bits = [*_SYNC_BITS, *_bits(b"\x01"), *_bits(payload), *_bits(bytes((_checksum(payload),)))]
    pcm = b"".join(bytes((bit, 0)) for bit in bits) + bytes(200)
    assert read(pcm + mark(bytes(400), "好")) == "好"
