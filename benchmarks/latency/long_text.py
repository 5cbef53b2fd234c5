"""Section 3: a ~20,000-character text, and what splitting it costs."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from functools import partial
from typing import Final

from custom_components.volcengine_tts.volcengine.synthesis.text import split_text
from custom_components.volcengine_tts.volcengine.wire.models import MAX_TEXT_BYTES

from ..measure import Endpoint, Sample, measure, ms
from .common import MESSAGE, SETTINGS, Json, Protocol, engine_for, running, spoken

LONG_SENTENCES: Final = tuple(
    f"第{index}句话，今天的天气非常好，我们一起去公园散步吧。" for index in range(800)
)
"""About 20,000 characters: far beyond one request's 1024 bytes."""

LONG_TEXT: Final = "".join(LONG_SENTENCES)
LONG_TEXT_PATHS: Final[tuple[tuple[str, Protocol, bool, int], ...]] = (
    ("v3 engine, warm", "v3", True, 3),
    ("v1 engine", "v1", False, 1),
)
"""Label, protocol, whether a session is begun ahead, and runs (v1 takes ~25 s a run)."""
SPLIT_RUNS: Final = 3


@dataclass(frozen=True, slots=True)
class LongTextResult:
    """One ~20,000-character text, spoken through one protocol, one or more times."""

    label: str
    samples: list[Sample]
    complete: bool
    """Every run's audio equals the emulator's rendering of every sentence, byte for byte."""
    expected_bytes: int

    @property
    def ttfa(self) -> float:
        """Median time to first audio."""
        return statistics.median(sample.ttfa for sample in self.samples)

    @property
    def total(self) -> float:
        """Median time to the last audio byte."""
        return statistics.median(sample.total for sample in self.samples)

    def as_json(self) -> Json:
        """Timings in milliseconds, sizes in bytes."""
        return {
            "label": self.label,
            "runs": len(self.samples),
            "ttfa_p50_ms": ms(self.ttfa),
            "total_p50_ms": ms(self.total),
            "ttfa_samples_ms": [ms(sample.ttfa) for sample in self.samples],
            "total_samples_ms": [ms(sample.total) for sample in self.samples],
            "audio_bytes": [len(sample.audio) for sample in self.samples],
            "expected_bytes": self.expected_bytes,
            "audio_complete": self.complete,
        }


async def long_text(endpoint: Endpoint) -> tuple[list[LongTextResult], float]:
    """Time to first audio and total time of a long text; also how long splitting it takes.

    The engine cuts a whole text into sentences before it sends the first
    one, synchronously, so that splitting time sits on the critical path of
    the first audio (and blocks the event loop meanwhile).
    """
    expected = spoken(LONG_SENTENCES)
    results = []
    for label, protocol, warm, runs in LONG_TEXT_PATHS:
        async with running(engine_for(endpoint, protocol=protocol, warm=warm)) as engine:
            await engine.synthesize(MESSAGE, SETTINGS)  # warm-up
            samples = [
                await measure(partial(engine.stream, LONG_TEXT, SETTINGS)) for _ in range(runs)
            ]
        complete = all(sample.audio == expected for sample in samples)
        results.append(LongTextResult(label, samples, complete, len(expected)))
    split_times = []
    for _ in range(SPLIT_RUNS):
        started = time.perf_counter()
        split_text(LONG_TEXT, MAX_TEXT_BYTES)
        split_times.append(time.perf_counter() - started)
    return results, statistics.median(split_times)
