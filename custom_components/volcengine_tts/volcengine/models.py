"""What callers hand the client: credentials and synthesis requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

DEFAULT_CLUSTER: Final = "volcano_tts"
DEFAULT_SAMPLE_RATE: Final = 24000
MAX_TEXT_BYTES: Final = 1024
"""v1 refuses texts longer than 1024 UTF-8 bytes (error 3010)."""


class AudioEncoding(StrEnum):
    """Audio formats Volcengine can produce."""

    MP3 = "mp3"
    PCM = "pcm"
    WAV = "wav"
    OGG_OPUS = "ogg_opus"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An app id and its access token, from the Volcengine console.

    The token is kept out of ``repr`` so it cannot end up in a log line or a
    traceback by accident.
    """

    app_id: str
    access_token: str = field(repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written to a log."""
        return tuple(value for value in (self.access_token, self.app_id) if value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SynthesisRequest:
    """One text to speak and how to speak it."""

    text: str
    voice: str
    encoding: AudioEncoding = AudioEncoding.MP3
    sample_rate: int = DEFAULT_SAMPLE_RATE
    speed_ratio: float = 1.0
    bitrate_kbps: int | None = None
