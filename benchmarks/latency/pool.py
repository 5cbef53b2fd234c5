"""Section 1, the pool: time to first audio of one sentence.

Warm, cold, v1, and callers with their own format, each repeated.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Final

from custom_components.volcengine_tts.volcengine import (
    AudioEncoding,
    V1Client,
    VoiceSettings,
)
from emulator import (
    render_audio,
)

from ..measure import Endpoint, Sample, Summary, measure, ms
from .common import CREDENTIALS, MESSAGE, SETTINGS, VOICE, Json, engine_for, running, spoken

OWN_FORMATS: Final = (
    ("caller asks for WAV (preferred_format wav: PCM 24 kHz)", 24000),
    ("satellite asks for WAV 16 kHz (Voice PE, ESPHome)", 16000),
)
"""Callers that ask for their own format, each repeated as a satellite repeats its requests."""


@dataclass(frozen=True, slots=True)
class PathResult:
    """Repeated requests of one kind: how a request reaches the service."""

    label: str
    samples: list[Sample]
    complete: bool
    """Every request's audio was exactly the expected audio."""

    @property
    def ttfa(self) -> Summary:
        """Time to first audio."""
        return Summary.of([sample.ttfa for sample in self.samples])

    @property
    def total(self) -> Summary:
        """Time to the last audio byte."""
        return Summary.of([sample.total for sample in self.samples])

    def as_json(self) -> Json:
        """Summaries plus every raw sample, for whoever wants to plot them."""
        return {
            "label": self.label,
            "ttfa": self.ttfa.as_json(),
            "total": self.total.as_json(),
            "audio_complete": self.complete,
            "ttfa_samples_ms": [ms(sample.ttfa) for sample in self.samples],
            "total_samples_ms": [ms(sample.total) for sample in self.samples],
        }


def _path(label: str, samples: list[Sample], expected: bytes | None = None) -> PathResult:
    expected = spoken([MESSAGE]) if expected is None else expected
    return PathResult(label, samples, all(sample.audio == expected for sample in samples))


async def _own_format(endpoint: Endpoint, count: int, label: str, sample_rate: int) -> PathResult:
    """A warm engine (begun with the defaults) serving a caller that asks for PCM at its rate."""
    settings = VoiceSettings(voice=VOICE, encoding=AudioEncoding.PCM, sample_rate=sample_rate)
    async with running(engine_for(endpoint, warm=True)) as engine:
        samples = await _repeat(count, partial(engine.stream, MESSAGE, settings))
    expected = render_audio(MESSAGE, VOICE, encoding="pcm", sample_rate=sample_rate)
    return _path(f"v3 engine, warm, {label}", samples, expected)


async def _repeat(count: int, open_stream: Callable[[], AsyncGenerator[bytes]]) -> list[Sample]:
    """Time ``count`` requests in sequence, after one untimed warm-up.

    The warm-up pays for first-use costs (imports, TLS session setup, the
    emulator's audio cache) that no later request would see.
    """
    await measure(open_stream)
    return [await measure(open_stream) for _ in range(count)]


async def _v3_cold(endpoint: Endpoint, count: int) -> list[Sample]:
    """A fresh engine per request: websocket handshake, StartConnection, StartSession each time."""
    samples = []
    for _ in range(count + 1):  # the first is the untimed warm-up
        async with running(engine_for(endpoint)) as engine:
            samples.append(await measure(partial(engine.stream, MESSAGE, SETTINGS)))
    return samples[1:]


async def one_sentence(endpoint: Endpoint, count: int) -> list[PathResult]:
    """Time to first audio of a one-sentence announcement: four ways, and two callers' formats."""
    async with running(engine_for(endpoint, warm=True)) as engine:
        warm = await _repeat(count, partial(engine.stream, MESSAGE, SETTINGS))
    cold = await _v3_cold(endpoint, count)
    client = V1Client(CREDENTIALS, endpoint=endpoint.url, ssl_context=endpoint.ssl_context)
    baseline = await _repeat(count, partial(client.stream, SETTINGS.with_text(MESSAGE)))
    async with running(engine_for(endpoint, protocol="v1")) as engine:
        v1_engine = await _repeat(count, partial(engine.stream, MESSAGE, SETTINGS))
    own_formats = [await _own_format(endpoint, count, label, rate) for label, rate in OWN_FORMATS]
    return [
        _path("v3 engine, warm (pooled connection, session begun ahead)", warm),
        *own_formats,
        _path("v3 engine, cold (new engine per request)", cold),
        _path("baseline: v1 client, connection per request (official demo)", baseline),
        _path("v1 engine (connection per request)", v1_engine),
    ]
