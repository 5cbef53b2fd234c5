"""Checking a recording before cloning: the format by content, the size and the length."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from custom_components.volcengine_tts.volcengine import RecordingFormat
from custom_components.volcengine_tts.volcengine.cloning.recording import (
    RecordingRefusedError,
    check_recording,
)

RATE = 24000


def encode(path: Path, container: str, codec: str, seconds: float = 5, rate: int = RATE) -> Path:
    """Write a mono tone of ``seconds`` with FFmpeg's own encoders."""
    samples = (np.sin(np.arange(int(rate * seconds)) / 8) * 8000).astype(np.int16).reshape(1, -1)
    with av.open(str(path), "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)
    return path


@pytest.mark.parametrize(
    ("name", "container", "codec", "rate", "expected"),
    [
        ("tone.wav", "wav", "pcm_s16le", RATE, RecordingFormat.WAV),
        ("tone.mp3", "mp3", "libmp3lame", RATE, RecordingFormat.MP3),
        ("tone.ogg", "ogg", "libopus", 48000, RecordingFormat.OGG),
        ("tone.m4a", "ipod", "aac", RATE, RecordingFormat.M4A),
        ("tone.aac", "adts", "aac", RATE, RecordingFormat.AAC),
    ],
)
def test_each_documented_format_is_recognised_with_its_length(
    tmp_path: Path, name: str, container: str, codec: str, rate: int, expected: RecordingFormat
) -> None:
    checked = check_recording(encode(tmp_path / name, container, codec, rate=rate))
    assert checked.format is expected
    assert checked.seconds == pytest.approx(5, abs=0.4)
    assert checked.audio == (tmp_path / name).read_bytes()


def test_the_content_decides_not_the_name(tmp_path: Path) -> None:
    path = encode(tmp_path / "recording.wav", "mp3", "libmp3lame")
    assert check_recording(path).format is RecordingFormat.MP3


def test_raw_pcm_is_taken_by_its_name_as_24_khz_mono(tmp_path: Path) -> None:
    path = tmp_path / "voice.pcm"
    path.write_bytes(b"\x01\x02" * RATE * 10)
    checked = check_recording(path)
    assert (checked.format, checked.seconds) == (RecordingFormat.PCM, 10)


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.wav", b"this is text, not audio " * 40), ("empty.wav", b"")],
)
def test_what_is_not_audio_is_refused(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecordingRefusedError) as caught:
        check_recording(path)
    assert caught.value.reason == "recording_format"


def test_a_format_the_service_does_not_take_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingRefusedError) as caught:
        check_recording(encode(tmp_path / "tone.flac", "flac", "flac"))
    assert caught.value.reason == "recording_format"


def test_a_file_without_audio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "silent-film.m4a"
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("mpeg4", rate=1)  # a video stream, no audio
        stream.width, stream.height = 16, 16
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)
    with pytest.raises(RecordingRefusedError) as caught:
        check_recording(path)
    assert caught.value.reason == "recording_format"


@pytest.mark.parametrize("seconds", [1, 61])
def test_too_short_or_too_long_is_refused(tmp_path: Path, seconds: float) -> None:
    path = encode(tmp_path / "tone.wav", "wav", "pcm_s16le", seconds=seconds, rate=8000)
    with pytest.raises(RecordingRefusedError) as caught:
        check_recording(path)
    assert caught.value.reason == "recording_length"


def test_more_than_10_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.wav"
    path.write_bytes(b"\0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(RecordingRefusedError) as caught:
        check_recording(path)
    assert caught.value.reason == "recording_too_large"
