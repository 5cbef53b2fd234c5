"""Check a recording before it is uploaded for cloning: format, size and length.

The service refuses what it cannot use only after an upload (and some refusals
count against the slot's trainings), so what it would refuse is refused here
first: a format it does not take (recognised from the content, not the file
name), more than 10 MB, or a length outside what cloning can learn from.
Blocking (it reads a file): run it in an executor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import av

from ..wire.errors import InvalidInputError
from .client import MAX_RECORDING_BYTES, RecordingFormat

MIN_RECORDING_SECONDS: Final = 3.0
"""*Uncertain*: no documented minimum; shorter recordings cannot carry a voice."""
MAX_RECORDING_SECONDS: Final = 60.0
"""*Uncertain*: no documented maximum besides 10 MB; 10–30 s is what the guides advise."""
PCM_SAMPLE_RATE: Final = 24000
"""Raw ``pcm`` is taken only as 24 kHz mono (16-bit): it carries no header to say otherwise."""
PCM_BYTES_PER_SECOND: Final = PCM_SAMPLE_RATE * 2
PCM_SUFFIX: Final = ".pcm"
_CONTAINERS: Final[dict[str, RecordingFormat]] = {
    "wav": RecordingFormat.WAV,
    "mp3": RecordingFormat.MP3,
    "ogg": RecordingFormat.OGG,
    "mov,mp4,m4a,3gp,3g2,mj2": RecordingFormat.M4A,
    "aac": RecordingFormat.AAC,
}
"""FFmpeg's name of each container the service takes."""
_MICROSECONDS: Final = 1_000_000


class RecordingRefusedError(InvalidInputError):
    """The recording cannot be used for cloning; ``reason`` says why (a translation key)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CheckedRecording:
    """A recording that passed the checks, with what was learnt about it."""

    audio: bytes = field(repr=False)
    format: RecordingFormat
    seconds: float


def check_recording(path: Path) -> CheckedRecording:
    """Read and check the recording at ``path``; raise ``RecordingRefusedError``."""
    size = path.stat().st_size
    if size > MAX_RECORDING_BYTES:
        raise RecordingRefusedError("recording_too_large", f"{size} bytes is more than 10 MB")
    if size == 0:
        raise RecordingRefusedError("recording_format", "The file is empty")
    audio = path.read_bytes()
    recording_format, seconds = _sniff(path)
    if not MIN_RECORDING_SECONDS <= seconds <= MAX_RECORDING_SECONDS:
        raise RecordingRefusedError(
            "recording_length",
            f"{seconds:.1f} s is outside {MIN_RECORDING_SECONDS:g}–{MAX_RECORDING_SECONDS:g} s",
        )
    return CheckedRecording(audio, recording_format, seconds)


def _sniff(path: Path) -> tuple[RecordingFormat, float]:
    """Recognise the container from the content; raw PCM only by its name."""
    try:
        container = av.open(str(path))
    except av.FFmpegError as err:
        if path.suffix.lower() == PCM_SUFFIX:
            return RecordingFormat.PCM, path.stat().st_size / PCM_BYTES_PER_SECOND
        raise RecordingRefusedError("recording_format", "The file is not audio") from err
    try:
        recording_format = _CONTAINERS.get(container.format.name)
        if recording_format is None:
            raise RecordingRefusedError(
                "recording_format", f"{container.format.name} is not a format Volcengine takes"
            )
        if not container.streams.audio:
            raise RecordingRefusedError("recording_format", "The file has no audio")
        return recording_format, _seconds(container)
    except av.FFmpegError as err:
        raise RecordingRefusedError("recording_format", "The audio cannot be read") from err
    finally:
        container.close()


def _seconds(container: av.container.InputContainer) -> float:
    """Measure the length: from the container, the stream, or (ADTS AAC) by decoding."""
    if container.duration:
        return container.duration / _MICROSECONDS
    stream = container.streams.audio[0]
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    samples = sum(frame.samples for frame in container.decode(stream))
    return samples / stream.rate if stream.rate else 0.0
