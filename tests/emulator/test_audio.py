"""The emulator's stand-in speech: real audio, deterministic, as long as the text."""

import io
import wave
from typing import Any

import pytest
from mutagen.mp3 import MP3

from emulator import render_audio, speech_duration
from emulator.audio import PAUSE_SECONDS, SYLLABLE_SECONDS, has_speech

VOICE = "zh_female_cancan_mars_bigtts"
OTHER_VOICE = "BV002_streaming"


def _mp3_seconds(audio: bytes) -> float:
    return MP3(io.BytesIO(audio)).info.length


def test_mp3_parses_and_grows_with_the_text() -> None:
    short = render_audio("你好。", VOICE)
    long = render_audio("你好。" * 50, VOICE)
    assert 0 < _mp3_seconds(short) < _mp3_seconds(long)
    assert _mp3_seconds(long) >= speech_duration("你好。" * 50)


@pytest.mark.parametrize("sample_rate", [8000, 16000, 22050, 24000, 32000, 44100, 48000])
def test_mp3_keeps_the_requested_sample_rate(sample_rate: int) -> None:
    info = MP3(io.BytesIO(render_audio("好", VOICE, sample_rate=sample_rate))).info
    assert info.sample_rate == sample_rate
    assert info.channels == 1


def test_mp3_uses_the_requested_bitrate() -> None:
    assert MP3(io.BytesIO(render_audio("好", VOICE, bitrate_kbps=64))).info.bitrate == 64000


def test_long_text_renders_from_cached_segments() -> None:
    text = "字节跳动语音合成。" * 250  # 2,250 characters
    assert _mp3_seconds(render_audio(text, VOICE)) >= speech_duration(text)


def test_same_input_gives_identical_bytes() -> None:
    assert render_audio("你好", VOICE) == render_audio("你好", VOICE)


@pytest.mark.parametrize("encoding", ["mp3", "pcm", "wav"])
def test_voices_sound_different(encoding: str) -> None:
    assert render_audio("你好", VOICE, encoding=encoding) != render_audio(
        "你好", OTHER_VOICE, encoding=encoding
    )


def test_duration_counts_syllables_and_pauses_only() -> None:
    assert speech_duration("a b, c") == pytest.approx(3 * SYLLABLE_SECONDS + PAUSE_SECONDS)
    assert speech_duration("你好！", speed_ratio=2.0) == pytest.approx(
        (2 * SYLLABLE_SECONDS + PAUSE_SECONDS) / 2
    )


@pytest.mark.parametrize("sample_rate", [8000, 24000, 48000])
@pytest.mark.parametrize("speed_ratio", [0.5, 1.0, 1.7])
def test_pcm_is_16_bit_mono_at_the_sample_rate(sample_rate: int, speed_ratio: float) -> None:
    text = "今天天气不错，我们去公园。"
    pcm = render_audio(
        text, VOICE, encoding="pcm", sample_rate=sample_rate, speed_ratio=speed_ratio
    )
    expected_samples = sample_rate * speech_duration(text, speed_ratio=speed_ratio)
    assert len(pcm) % 2 == 0
    assert abs(len(pcm) / 2 - expected_samples) <= len(text)  # rounding per segment


def test_wav_is_pcm_with_a_riff_header() -> None:
    pcm = render_audio("你好。", VOICE, encoding="pcm", sample_rate=16000)
    audio = render_audio("你好。", VOICE, encoding="wav", sample_rate=16000)
    assert audio[:4] == b"RIFF"
    assert audio[8:12] == b"WAVE"
    with wave.open(io.BytesIO(audio)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (
            1,
            2,
            16000,
        )
        assert reader.readframes(reader.getnframes()) == pcm


def test_pcm_is_not_silent() -> None:
    pcm = render_audio("好", VOICE, encoding="pcm")
    assert max(pcm[1::2]) > 0


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"encoding": "ogg_opus"}, "encoding"),
        ({"sample_rate": 11025}, "sample rate"),
        ({"speed_ratio": 0.0}, "speed_ratio"),
    ],
)
def test_rejects_what_it_cannot_render(kwargs: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        render_audio("你好", VOICE, **kwargs)


@pytest.mark.parametrize(
    ("text", "speech"),
    [
        ("", False),
        ("  \n", False),
        ("。，！？...", False),
        ("$$", False),
        ("a", True),
        ("1。", True),
    ],
)
def test_has_speech(text: str, speech: bool) -> None:
    assert has_speech(text) is speech


def test_markdown_symbols_are_read_by_name_unless_filtered() -> None:
    # The v3 documentation: unfiltered, **你好** is read "星星你好星星".
    assert speech_duration("**你好**") == pytest.approx(6 * SYLLABLE_SECONDS)
    assert speech_duration("**你好**", markdown_filter=True) == pytest.approx(2 * SYLLABLE_SECONDS)
    assert render_audio("**你好**", VOICE, markdown_filter=True) == render_audio("你好", VOICE)
    assert render_audio("**你好**", VOICE) == render_audio("星星你好星星", VOICE)
    assert has_speech("**")
    assert not has_speech("**", markdown_filter=True)
