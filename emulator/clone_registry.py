"""The cloned voices one emulator run has trained: shared by the cloning API and synthesis.

A voice trained here speaks only once its training succeeded, and its first synthesis
activates it ("首次调用合成接口即视为音色转正"); a cloned id this run never trained is
taken as one trained before, as the synthesis endpoints always did.
"""

import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Status(IntEnum):
    """``status`` of a slot."""

    NOT_FOUND = 0
    TRAINING = 1
    SUCCESS = 2
    FAILED = 3
    ACTIVE = 4


@dataclass(slots=True)
class ClonedVoice:
    """One slot's training, as the service keeps it."""

    voice_id: str
    app_id: str
    uploads: int = 0
    language: int = 0
    started: float = 0.0
    create_time: int = 0
    status: Status = Status.NOT_FOUND
    failure: Status | None = None
    """``Status.FAILED`` when this training is to fail (a fault), else ``None``."""


@dataclass(slots=True)
class CloneRegistry:
    """Every slot trained in this run, by voice id; read by synthesis too."""

    voices: dict[str, ClonedVoice] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every cloning request as received: ``path``, ``headers`` and ``body``."""

    def refresh(self, voice: ClonedVoice, training_seconds: float) -> None:
        """Finish a training whose time has come."""
        if voice.status is Status.TRAINING and time.monotonic() - voice.started >= training_seconds:
            voice.status = voice.failure or Status.SUCCESS

    def speaker_state(self, speaker: str, training_seconds: float) -> Status | None:
        """Return a cloned speaker's status; ``None`` for a voice this run never trained."""
        voice = self.voices.get(speaker)
        if voice is None:
            return None
        self.refresh(voice, training_seconds)
        return voice.status

    def activate(self, speaker: str) -> None:
        """Make a trained voice Active: its first synthesis does (and charges the slot fee)."""
        voice = self.voices.get(speaker)
        if voice is not None and voice.status is Status.SUCCESS:
            voice.status = Status.ACTIVE
