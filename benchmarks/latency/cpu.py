"""Section 5: the client CPU a warm request costs, with the emulator in another process."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

from mutagen.mp3 import MP3

from emulator import (
    speech_duration,
)

from ..measure import emulator_process
from .common import MESSAGE, SETTINGS, Json, Options, engine_for, running, spoken


@dataclass(frozen=True, slots=True)
class CpuResult:
    """Client CPU per second of audio, with the emulator in another process."""

    requests: int
    cpu_seconds: float
    wall_seconds: float
    audio_seconds: float
    """Playing time of the MP3s, as mutagen reads it (encoder padding included)."""
    speech_seconds: float
    """The emulator's nominal speech time (no padding): the stricter denominator."""
    real_time_factor: float
    complete: bool

    @property
    def percent_of_core(self) -> float:
        """Percent of one core per real-time stream: CPU seconds per audio second x 100."""
        return self.cpu_seconds / self.audio_seconds * 100

    @property
    def percent_of_core_nominal(self) -> float:
        """The same against the nominal speech time (no encoder padding)."""
        return self.cpu_seconds / self.speech_seconds * 100

    def as_json(self) -> Json:
        """Seconds, and the two percentages."""
        return {
            "requests": self.requests,
            "cpu_seconds": round(self.cpu_seconds, 4),
            "wall_seconds": round(self.wall_seconds, 3),
            "audio_seconds": round(self.audio_seconds, 3),
            "nominal_speech_seconds": round(self.speech_seconds, 3),
            "server_real_time_factor": self.real_time_factor,
            "percent_of_one_core_per_stream": round(self.percent_of_core, 3),
            "percent_of_one_core_per_stream_nominal": round(self.percent_of_core_nominal, 3),
            "audio_complete": self.complete,
        }


async def client_cpu(options: Options) -> CpuResult:
    """CPU the client spends on warm v3 requests, the emulator's CPU excluded.

    The emulator runs in a child process; ``time.process_time`` counts this
    process only (all its threads). Decoding the MP3 lengths happens after
    the clock stops.
    """
    async with (
        emulator_process(
            rtt=options.rtt,
            first_chunk_delay=options.first_chunk,
            real_time_factor=options.cpu_real_time_factor,
        ) as endpoint,
        running(engine_for(endpoint, warm=True)) as engine,
    ):
        await engine.synthesize(MESSAGE, SETTINGS)  # warm-up
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        clips = [await engine.synthesize(MESSAGE, SETTINGS) for _ in range(options.cpu_requests)]
        cpu = time.process_time() - cpu_started
        wall = time.perf_counter() - wall_started
    expected = spoken([MESSAGE])
    return CpuResult(
        requests=len(clips),
        cpu_seconds=cpu,
        wall_seconds=wall,
        audio_seconds=sum(_mp3_seconds(clip) for clip in clips),
        speech_seconds=len(clips) * speech_duration(MESSAGE),
        real_time_factor=options.cpu_real_time_factor,
        complete=all(clip == expected for clip in clips),
    )


def _mp3_seconds(clip: bytes) -> float:
    # mutagen 1.48 annotates FileType.info as None; MP3 sets it to an MPEGInfo.
    info: Any = MP3(io.BytesIO(clip)).info
    return float(info.length)
