"""How soon a listener hears the first syllable, and what the client pays for it.

Run ``python -m benchmarks.latency [--rtt 0.04] [--first-chunk 0.15] [--requests 30]``.

On loopback a connection costs nothing, so the engine's warm connections,
pre-begun sessions and sentence streaming would look pointless. This script
runs everything against the emulator with TLS on, behind its latency proxy
(every round trip costs ``--rtt``), with a server that takes ``--first-chunk``
seconds before its first audio, and compares the engine with a client that
opens a connection per request, as Volcengine's official demo does.
The lowest possible time to first audio is then ``first chunk + 1 RTT``: the
text has to reach the server and the audio has to come back.

It prints Markdown tables and writes the raw numbers as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import itertools
import json
import logging
import math
import platform
import statistics
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal

from mutagen.mp3 import MP3

from custom_components.volcengine_tts.volcengine import (
    AudioEncoding,
    Credentials,
    EngineConfig,
    SynthesisEngine,
    V1Client,
    VoiceSettings,
)
from custom_components.volcengine_tts.volcengine.models import MAX_TEXT_BYTES
from custom_components.volcengine_tts.volcengine.text import split_text
from emulator import (
    DEFAULT_APP_ID,
    DEFAULT_TOKEN,
    Emulator,
    EmulatorConfig,
    render_audio,
    speech_duration,
)

from .measure import Endpoint, Sample, Summary, emulator_process, measure, ms

VOICE: Final = "zh_female_cancan_mars_bigtts"
SETTINGS: Final = VoiceSettings(voice=VOICE)
OWN_FORMATS: Final = (
    ("caller asks for WAV (preferred_format wav: PCM 24 kHz)", 24000),
    ("satellite asks for WAV 16 kHz (Voice PE, ESPHome)", 16000),
)
"""Callers that ask for their own format, each repeated as a satellite repeats its requests."""
OWN_FORMAT_SLACK: Final = 0.010
"""A repeated caller with its own format gets the warm first audio of defaults, within this."""
CREDENTIALS: Final = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)

MESSAGE: Final = "洗衣机洗好了。"
"""A typical automation announcement: one short sentence."""

ASSIST_SENTENCES: Final = (
    "好的，已经为你打开客厅的灯。",
    "现在室内温度是二十三度，湿度百分之四十五。",
    "洗衣机还有十分钟洗完，洗好后我会提醒你。",
    "还有别的需要吗？",
)
"""An Assist reply: what a conversation agent's LLM writes, a few words at a time."""
ASSIST_FRAGMENT_COUNT: Final = 10
FRAGMENT_INTERVAL: Final = 0.2
"""Seconds between fragments: ten of them take 2 s, a fair pace for a cloud LLM."""
TERMINATORS: Final = frozenset("。！？；.!?;\n")
"""What ends a sentence, for the emulator and for the client's sentence detector alike."""

LONG_SENTENCES: Final = tuple(
    f"第{index}句话，今天的天气非常好，我们一起去公园散步吧。" for index in range(800)
)
"""About 20,000 characters: far beyond one request's 1024 bytes."""

CONCURRENT_REQUESTS: Final = 20
CONCURRENCY_LIMIT: Final = 2
"""The free tier's limit, on both sides: the engine's pool and the emulated account."""
SINGLE_REQUEST_RUNS: Final = 5

HANDSHAKE_ROUND_TRIPS: Final = 3
"""TCP, TLS 1.3 and the websocket upgrade: what a connection per request pays again."""
WARM_SLACK: Final = 0.005
SENTENCE_SLACK: Final = 0.015
"""First audio after the first sentence: at most this over the floor (issue 10)."""
CPU_TARGET_PERCENT: Final = 1.0
DEFAULT_JSON: Final = Path(__file__).resolve().parent / "results" / "latency.json"

type Protocol = Literal["v3", "v1"]
type Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Options:
    """What the command line chose."""

    rtt: float
    first_chunk: float
    requests: int
    streaming_runs: int
    cpu_requests: int
    cpu_real_time_factor: float
    json_path: Path

    @property
    def floor(self) -> float:
        """The lowest possible time to first audio: the server's delay plus one round trip."""
        return self.first_chunk + self.rtt


def _engine(
    endpoint: Endpoint, *, protocol: Protocol = "v3", warm: bool = False
) -> SynthesisEngine:
    """An engine as Home Assistant builds one; ``warm`` begins a session ahead of each request."""
    config = EngineConfig(
        protocol=protocol,
        endpoint=endpoint.url,
        max_concurrency=CONCURRENCY_LIMIT,
        warm_settings=SETTINGS if warm else None,
    )
    return SynthesisEngine(CREDENTIALS, config, ssl_context=endpoint.ssl_context)


@contextlib.asynccontextmanager
async def _running(engine: SynthesisEngine) -> AsyncIterator[SynthesisEngine]:
    """Close the engine's connections afterwards, so each section starts from a clean slate."""
    try:
        yield engine
    finally:
        await engine.close()


def _spoken(sentences: Sequence[str]) -> bytes:
    """The audio the emulator renders for these sentences: what a complete answer is."""
    return b"".join(render_audio(sentence, VOICE) for sentence in sentences)


# 1. One sentence ------------------------------------------------------------------------


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
    expected = _spoken([MESSAGE]) if expected is None else expected
    return PathResult(label, samples, all(sample.audio == expected for sample in samples))


async def _own_format(endpoint: Endpoint, count: int, label: str, sample_rate: int) -> PathResult:
    """A warm engine (begun with the defaults) serving a caller that asks for PCM at its rate."""
    settings = VoiceSettings(voice=VOICE, encoding=AudioEncoding.PCM, sample_rate=sample_rate)
    async with _running(_engine(endpoint, warm=True)) as engine:
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
        async with _running(_engine(endpoint)) as engine:
            samples.append(await measure(partial(engine.stream, MESSAGE, SETTINGS)))
    return samples[1:]


async def one_sentence(endpoint: Endpoint, count: int) -> list[PathResult]:
    """Time to first audio of a one-sentence announcement: four ways, and two callers' formats."""
    async with _running(_engine(endpoint, warm=True)) as engine:
        warm = await _repeat(count, partial(engine.stream, MESSAGE, SETTINGS))
    cold = await _v3_cold(endpoint, count)
    client = V1Client(CREDENTIALS, endpoint=endpoint.url, ssl_context=endpoint.ssl_context)
    baseline = await _repeat(count, partial(client.stream, SETTINGS.with_text(MESSAGE)))
    async with _running(_engine(endpoint, protocol="v1")) as engine:
        v1_engine = await _repeat(count, partial(engine.stream, MESSAGE, SETTINGS))
    own_formats = [await _own_format(endpoint, count, label, rate) for label, rate in OWN_FORMATS]
    return [
        _path("v3 engine, warm (pooled connection, session begun ahead)", warm),
        *own_formats,
        _path("v3 engine, cold (new engine per request)", cold),
        _path("baseline: v1 client, connection per request (official demo)", baseline),
        _path("v1 engine (connection per request)", v1_engine),
    ]


# 2. Assist-style streaming ------------------------------------------------------------


def _fragments(text: str, count: int) -> list[str]:
    """Cut ``text`` into ``count`` pieces of nearly equal length, as an LLM's deltas."""
    bounds = [round(len(text) * index / count) for index in range(count + 1)]
    return [text[start:end] for start, end in itertools.pairwise(bounds)]


ASSIST_FRAGMENTS: Final = _fragments("".join(ASSIST_SENTENCES), ASSIST_FRAGMENT_COUNT)


@dataclass(slots=True)
class ReplyClock:
    """When the emulated LLM produced what (``time.perf_counter`` seconds)."""

    started: float
    first_sentence: float | None = None
    """The fragment that completes the first sentence was yielded."""
    whole_text: float | None = None
    """The last fragment was yielded."""


async def llm_reply(clock: ReplyClock) -> AsyncIterator[str]:
    """Yield the Assist reply one fragment every FRAGMENT_INTERVAL, on a fixed schedule.

    Deadlines are measured from ``clock.started``, so a slow consumer cannot
    stretch the reply and flatter the streaming numbers.
    """
    for index, fragment in enumerate(ASSIST_FRAGMENTS):
        due = clock.started + FRAGMENT_INTERVAL * (index + 1)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        now = time.perf_counter()
        if clock.first_sentence is None and TERMINATORS.intersection(fragment):
            clock.first_sentence = now
        if index == len(ASSIST_FRAGMENTS) - 1:
            clock.whole_text = now
        yield fragment


@dataclass(frozen=True, slots=True)
class AssistRun:
    """One streamed reply and one reply spoken only once complete."""

    sentence_to_audio: float
    """Streaming: first sentence complete → first audio byte."""
    streamed_first_audio: float
    """Streaming: start of the reply → first audio byte."""
    whole_text: float
    """Start of the reply → last fragment."""
    baseline_first_audio: float
    """Wait for the whole text, then speak it: start → first audio byte."""
    complete: bool


async def _assist_run(engine: SynthesisEngine) -> AssistRun:
    clock = ReplyClock(time.perf_counter())
    streamed = await measure(partial(engine.stream, llm_reply(clock), SETTINGS))
    if clock.first_sentence is None or clock.whole_text is None:
        raise RuntimeError("the reply has no sentence terminator")
    sentence_to_audio = streamed.first_audio - clock.first_sentence
    streamed_first_audio = streamed.first_audio - clock.started
    whole_text = clock.whole_text - clock.started

    clock = ReplyClock(time.perf_counter())
    text = "".join([fragment async for fragment in llm_reply(clock)])
    waited = await measure(partial(engine.stream, text, SETTINGS))
    expected = _spoken(ASSIST_SENTENCES)
    return AssistRun(
        sentence_to_audio=sentence_to_audio,
        streamed_first_audio=streamed_first_audio,
        whole_text=whole_text,
        baseline_first_audio=waited.first_audio - clock.started,
        complete=streamed.audio == expected and waited.audio == expected,
    )


async def assist_streaming(endpoint: Endpoint, runs: int) -> list[AssistRun]:
    """Speak an LLM reply while it is written, against waiting for all of it (v3 warm)."""
    async with _running(_engine(endpoint, warm=True)) as engine:
        await engine.synthesize(MESSAGE, SETTINGS)  # warm-up: connection and session ready
        return [await _assist_run(engine) for _ in range(runs)]


# 2b. The first sentence, by case and protocol -------------------------------------

FRAGMENT_END_FRAGMENTS: Final = (
    "好的，",
    "已经为你",
    "打开客厅",
    "的灯。",
    "现在室内温度是",
    "二十三度，",
    "湿度百分之四十五。",
    "洗衣机还有十分钟洗完，",
    "洗好后我会提醒你。",
    "还有别的需要吗？",
)
"""The issue's case: the first sentence ends with 。 at the end of the 4th fragment."""
MARKDOWN_FRAGMENTS: Final = (
    "**好的**，",
    "已经为你打开",
    "[客厅的灯](https://",
    "example.com/light)。\n",
    "## 当前状态\n",
    "- 温度：`23度`\n",
    "- 湿度：45%\n",
    "| 房间 | 温度 |\n|---|---|\n",
    "| 卧室 | 21度 |\n",
    "还有别的需要吗？😊",
)
"""What an LLM writes for a screen: bold, a link, a heading, a list, a table, an emoji."""
FIRST_SENTENCE_FRAGMENT: Final = 3
"""Index of the fragment that completes the first sentence, in both replies."""
MARKUP: Final = frozenset("*#`|[]~😊")
"""Characters that are screen-only in these replies: spoken, they become noise."""
CASES: Final = (
    ("terminator at the end of a fragment", FRAGMENT_END_FRAGMENTS),
    ("Markdown reply", MARKDOWN_FRAGMENTS),
)
CASE_PATHS: Final[tuple[tuple[str, Protocol, bool], ...]] = (
    ("v3 warm", "v3", True),
    ("v1", "v1", False),
)


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One reply case through one protocol, several runs."""

    case: str
    path: str
    floor: float
    """The lowest possible first audio after the sentence (v1: plus its connection)."""
    sentence_to_audio: list[float]
    markup_sent: int
    """Screen-only characters (and URLs) one reply sent to the service to speak."""
    filter_switch: bool
    """Whether the service's own Markdown filter was switched on."""

    @property
    def p50(self) -> float:
        """Median of first sentence complete → first audio."""
        return statistics.median(self.sentence_to_audio)

    def as_json(self) -> Json:
        """Milliseconds."""
        return {
            "case": self.case,
            "path": self.path,
            "floor_ms": ms(self.floor),
            "p50_ms": ms(self.p50),
            "over_floor_ms": ms(self.p50 - self.floor),
            "samples_ms": [ms(value) for value in self.sentence_to_audio],
            "markup_characters_sent": self.markup_sent,
            "service_markdown_filter": self.filter_switch,
        }


async def paced_reply(fragments: Sequence[str], clock: ReplyClock) -> AsyncIterator[str]:
    """Yield ``fragments`` on FRAGMENT_INTERVAL's fixed schedule, noting the first sentence."""
    for index, fragment in enumerate(fragments):
        due = clock.started + FRAGMENT_INTERVAL * (index + 1)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if index == FIRST_SENTENCE_FRAGMENT:
            clock.first_sentence = time.perf_counter()
        yield fragment


def _sent_since(emulator: Emulator, requests: int, sessions: int) -> str:
    """All text the emulator was asked to speak after it had seen so many of each."""
    return "".join(
        [request.text for request in emulator.requests[requests:]]
        + ["".join(session.texts) for session in emulator.sessions[sessions:]]
    )


def _filter_switch(emulator: Emulator) -> bool:
    """Whether the last request or session asked for the service's Markdown filter."""
    if emulator.sessions and emulator.sessions[-1].texts:
        return bool(emulator.sessions[-1].additions.get("disable_markdown_filter"))
    extra = emulator.requests[-1].payload.get("request", {}).get("extra_param") or "{}"
    return bool(json.loads(extra).get("disable_markdown_filter"))


async def first_sentence_cases(
    emulator: Emulator, endpoint: Endpoint, options: Options
) -> list[CaseResult]:
    """First audio after the first sentence is complete, per case, on v3 warm and v1."""
    results = []
    for path, protocol, warm in CASE_PATHS:
        floor = options.floor + (0 if warm else HANDSHAKE_ROUND_TRIPS * options.rtt)
        async with _running(_engine(endpoint, protocol=protocol, warm=warm)) as engine:
            await engine.synthesize(MESSAGE, SETTINGS)  # warm-up
            for case, fragments in CASES:
                delays = []
                seen = len(emulator.requests), len(emulator.sessions)
                for _ in range(options.streaming_runs):
                    clock = ReplyClock(time.perf_counter())
                    sample = await measure(
                        partial(engine.stream, paced_reply(fragments, clock), SETTINGS)
                    )
                    if clock.first_sentence is None:  # pragma: no cover - set on the 4th
                        raise RuntimeError("the reply ended before its first sentence")
                    delays.append(sample.first_audio - clock.first_sentence)
                sent = _sent_since(emulator, *seen)
                markup = sum(character in MARKUP for character in sent) + sent.count("http")
                markup //= options.streaming_runs  # per reply
                switch = _filter_switch(emulator)
                results.append(CaseResult(case, path, floor, delays, markup, switch))
    return results


# 3. Long text ---------------------------------------------------------------------------

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
    expected = _spoken(LONG_SENTENCES)
    results = []
    for label, protocol, warm, runs in LONG_TEXT_PATHS:
        async with _running(_engine(endpoint, protocol=protocol, warm=warm)) as engine:
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


# 4. Concurrency -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BurstResult:
    """Many requests at once through one engine, against an account limited to two."""

    requests: int
    failures: int
    """Requests whose caller saw an exception or incomplete audio."""
    errors: list[str]
    retries: int
    """Failures the engine hid by retrying (the callers never saw them)."""
    wall: float
    single_total: float
    """Median total time of one warm request, alone."""
    pool: Json

    @property
    def ideal(self) -> float:
        """Perfect queueing: ceil(requests / limit) rounds of one warm request each."""
        return math.ceil(self.requests / CONCURRENCY_LIMIT) * self.single_total

    def as_json(self) -> Json:
        """Timings in milliseconds."""
        return {
            "requests": self.requests,
            "concurrency_limit": CONCURRENCY_LIMIT,
            "failures": self.failures,
            "errors": self.errors,
            "retries": self.retries,
            "wall_ms": ms(self.wall),
            "single_request_total_ms": ms(self.single_total),
            "ideal_ms": ms(self.ideal),
            "wall_over_ideal": round(self.wall / self.ideal, 3),
            "pool": self.pool,
        }


async def concurrent_burst(options: Options) -> BurstResult:
    """Fire CONCURRENT_REQUESTS at once; the pool must queue them, not fail them.

    Audio goes out as fast as possible (real-time factor 0), so the time is
    set by the first-chunk delay and the round trips, which is what the
    queueing could waste.
    """
    config = EmulatorConfig(
        max_concurrency=CONCURRENCY_LIMIT,
        first_chunk_delay=options.first_chunk,
        real_time_factor=0.0,
    )
    async with Emulator(config, tls=True, rtt=options.rtt) as emulator:
        endpoint = Endpoint(emulator.url, emulator.client_ssl_context())
        async with _running(_engine(endpoint, warm=True)) as engine:
            # Warm-up: open both connections, each with a session begun.
            await asyncio.gather(
                *(engine.synthesize(MESSAGE, SETTINGS) for _ in range(CONCURRENCY_LIMIT))
            )
            alone = [
                await measure(partial(engine.stream, MESSAGE, SETTINGS))
                for _ in range(SINGLE_REQUEST_RUNS)
            ]
            started = time.perf_counter()
            results = await asyncio.gather(
                *(
                    measure(partial(engine.stream, MESSAGE, SETTINGS))
                    for _ in range(CONCURRENT_REQUESTS)
                ),
                return_exceptions=True,
            )
            wall = time.perf_counter() - started
            diagnostics = engine.diagnostics()
    expected = _spoken([MESSAGE])
    errors = [
        repr(result) if isinstance(result, BaseException) else "incomplete audio"
        for result in results
        if isinstance(result, BaseException) or result.audio != expected
    ]
    return BurstResult(
        requests=CONCURRENT_REQUESTS,
        failures=len(errors),
        errors=errors,
        retries=diagnostics["retries"],
        wall=wall,
        single_total=statistics.median(sample.total for sample in alone),
        pool=diagnostics["pool"]["statistics"],
    )


# 5. Client CPU --------------------------------------------------------------------------


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
        _running(_engine(endpoint, warm=True)) as engine,
    ):
        await engine.synthesize(MESSAGE, SETTINGS)  # warm-up
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        clips = [await engine.synthesize(MESSAGE, SETTINGS) for _ in range(options.cpu_requests)]
        cpu = time.process_time() - cpu_started
        wall = time.perf_counter() - wall_started
    expected = _spoken([MESSAGE])
    return CpuResult(
        requests=len(clips),
        cpu_seconds=cpu,
        wall_seconds=wall,
        audio_seconds=sum(_mp3_seconds(clip) for clip in clips),
        speech_seconds=len(clips) * speech_duration(MESSAGE),
        real_time_factor=options.cpu_real_time_factor,
        complete=all(clip == expected for clip in clips),
    )


# Report ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One of the targets the project wants to show."""

    target: str
    measured: str
    met: bool


@dataclass(slots=True)
class Report:
    """Everything measured, as Markdown for people and JSON for tools."""

    options: Options
    paths: list[PathResult] = field(default_factory=list)
    assist: list[AssistRun] = field(default_factory=list)
    cases: list[CaseResult] = field(default_factory=list)
    long: list[LongTextResult] = field(default_factory=list)
    split_seconds: float = 0.0
    burst: BurstResult | None = None
    cpu: CpuResult | None = None

    def path(self, prefix: str) -> PathResult:
        """The one-sentence result whose label starts with ``prefix``."""
        return next(path for path in self.paths if path.label.startswith(prefix))

    def checks(self) -> list[Check]:
        """Compare the measurements with the targets."""
        options = self.options
        warm, baseline = self.path("v3 engine, warm").ttfa, self.path("baseline").ttfa
        handshake = HANDSHAKE_ROUND_TRIPS * options.rtt
        streamed = statistics.median(run.streamed_first_audio for run in self.assist)
        whole = statistics.median(run.whole_text for run in self.assist)
        checks = [
            Check(
                "warm v3 TTFA p50 <= first chunk + 1 RTT + 5 ms"
                f" = {ms(options.floor + WARM_SLACK)} ms",
                f"{ms(warm.p50)} ms",
                warm.p50 <= options.floor + WARM_SLACK,
            ),
            *(
                Check(
                    f"{path.label.removeprefix('v3 engine, warm, ')}: warm TTFA p50 <= "
                    f"defaults' p50 + {ms(OWN_FORMAT_SLACK)} ms = "
                    f"{ms(warm.p50 + OWN_FORMAT_SLACK)} ms",
                    f"{ms(path.ttfa.p50)} ms",
                    path.ttfa.p50 <= warm.p50 + OWN_FORMAT_SLACK,
                )
                for path in self.paths
                if path.label.startswith("v3 engine, warm, ")
            ),
            Check(
                f"baseline p50 - warm p50 >= {HANDSHAKE_ROUND_TRIPS} RTT = {ms(handshake)} ms",
                f"{ms(baseline.p50 - warm.p50)} ms",
                baseline.p50 - warm.p50 >= handshake,
            ),
            Check(
                f"streamed first audio p50 < whole text available p50 ({ms(whole)} ms)",
                f"{ms(streamed)} ms",
                streamed < whole,
            ),
        ]
        checks += [
            Check(
                f"{result.case}, {result.path}: first audio after the first sentence p50"
                f" <= floor + {ms(SENTENCE_SLACK):g} ms = {ms(result.floor + SENTENCE_SLACK)} ms",
                f"{ms(result.p50)} ms",
                result.p50 <= result.floor + SENTENCE_SLACK,
            )
            for result in self.cases
        ]
        checks += [
            Check(
                f"{result.case}, {result.path}: no markup characters sent to be spoken",
                f"{result.markup_sent}",
                result.markup_sent == 0,
            )
            for result in self.cases
            if result.case == "Markdown reply"
        ]
        if self.cpu is not None:
            checks.append(
                Check(
                    f"client CPU < {CPU_TARGET_PERCENT:g} % of one core per real-time stream",
                    f"{self.cpu.percent_of_core:.3f} %",
                    self.cpu.percent_of_core < CPU_TARGET_PERCENT,
                )
            )
        if self.burst is not None:
            checks.append(
                Check(
                    f"0 failures for {self.burst.requests} concurrent requests, limit 2",
                    f"{self.burst.failures} failures",
                    self.burst.failures == 0,
                )
            )
        complete = all(path.complete for path in self.paths) and all(
            result.complete for result in self.long
        )
        complete = complete and all(run.complete for run in self.assist)
        checks.append(Check("all audio complete, byte for byte", str(complete), complete))
        return checks

    def markdown(self) -> str:
        """The tables, in the order of the sections."""
        return "\n".join(
            [
                *self._one_sentence_table(),
                *self._assist_table(),
                *self._cases_table(),
                *self._long_table(),
                *self._burst_table(),
                *self._cpu_table(),
                *self._checks_table(),
            ]
        )

    def _one_sentence_table(self) -> list[str]:
        options = self.options
        lines = [
            f"### 1. Time to first audio, one sentence ({MESSAGE})",
            "",
            f"RTT {ms(options.rtt)} ms, first chunk {ms(options.first_chunk)} ms, TLS on, "
            f"{options.requests} requests each.",
            "",
            "| Path | TTFA p50 | TTFA p95 | RTTs over floor (p50) | Total p50 | Total p95 |",
            "|---|---:|---:|---:|---:|---:|",
            f"| floor = first chunk + 1 RTT | {ms(options.floor)} | | 0 | | |",
        ]
        lines += [
            f"| {path.label} | {ms(path.ttfa.p50)} | {ms(path.ttfa.p95)} "
            f"| {self._round_trips_over_floor(path.ttfa.p50)} "
            f"| {ms(path.total.p50)} | {ms(path.total.p95)} |"
            for path in self.paths
        ]
        return [*lines, "", "All times in ms.", ""]

    def _round_trips_over_floor(self, seconds: float) -> str:
        """Round trips a path pays beyond the floor: how many sit on its critical path."""
        if self.options.rtt <= 0:
            return "n/a"
        return f"{(seconds - self.options.floor) / self.options.rtt:.2f}"

    def _assist_table(self) -> list[str]:
        def p50(values: list[float]) -> str:
            return f"{ms(statistics.median(values))}"

        runs = self.assist
        return [
            f"### 2. Assist reply streamed: {ASSIST_FRAGMENT_COUNT} fragments, one every "
            f"{ms(FRAGMENT_INTERVAL)} ms (v3 warm, p50 of {len(runs)} runs)",
            "",
            "| Measurement | p50 (ms) |",
            "|---|---:|",
            "| streaming: first sentence complete → first audio | "
            f"{p50([run.sentence_to_audio for run in runs])} |",
            "| streaming: start → first audio | "
            f"{p50([run.streamed_first_audio for run in runs])} |",
            f"| whole text available (start → last fragment) | "
            f"{p50([run.whole_text for run in runs])} |",
            "| baseline (wait for the whole text): start → first audio | "
            f"{p50([run.baseline_first_audio for run in runs])} |",
            "",
        ]

    def _cases_table(self) -> list[str]:
        if not self.cases:
            return []
        lines = [
            "### 2b. First sentence complete → first audio, by case "
            f"({ms(FRAGMENT_INTERVAL):g} ms between fragments, the first sentence "
            "completed by fragment "
            f"{FIRST_SENTENCE_FRAGMENT + 1}; p50 of {len(self.cases[0].sentence_to_audio)} runs)",
            "",
            "| Case | Path | Floor | p50 | Over floor | Markup sent per reply "
            "| Service filter on |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {result.case} | {result.path} | {ms(result.floor)} | {ms(result.p50)} "
            f"| {ms(result.p50 - result.floor)} | {result.markup_sent} "
            f"| {'yes' if result.filter_switch else 'no'} |"
            for result in self.cases
        ]
        return [
            *lines,
            "",
            "Floor: first chunk + 1 RTT; on v1 plus the connection each sentence opens "
            f"({HANDSHAKE_ROUND_TRIPS} RTT). All times in ms.",
            "",
        ]

    def _long_table(self) -> list[str]:
        reference = {
            "v3 engine, warm": self.path("v3 engine, warm").ttfa.p50,
            "v1 engine": self.path("v1 engine").ttfa.p50,
        }
        lines = [
            f"### 3. Long text ({len(LONG_TEXT)} characters, {len(LONG_SENTENCES)} sentences)",
            "",
            "| Path | Runs | TTFA p50 | one-sentence TTFA p50 | Total p50 | Audio bytes "
            "| Complete |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {result.label} | {len(result.samples)} | {ms(result.ttfa)} "
            f"| {ms(reference[result.label])} | {ms(result.total)} | {result.expected_bytes} "
            f"| {'yes' if result.complete else 'NO'} |"
            for result in self.long
        ]
        return [
            *lines,
            "",
            f"Splitting the whole text into sentences takes {ms(self.split_seconds)} ms on its "
            "own (median of 3); the engine splits one segment at a time, so the first "
            "piece does not wait for it.",
            "",
        ]

    def _burst_table(self) -> list[str]:
        burst = self.burst
        if burst is None:
            return []
        return [
            f"### 4. {burst.requests} concurrent requests, one v3 engine, "
            f"limit {CONCURRENCY_LIMIT} on both sides (real-time factor 0)",
            "",
            "| Failures | Hidden retries | Wall (ms) | Ideal (ms) | Wall / ideal |",
            "|---:|---:|---:|---:|---:|",
            f"| {burst.failures} | {burst.retries} | {ms(burst.wall)} | {ms(burst.ideal)} "
            f"| {burst.wall / burst.ideal:.2f} |",
            "",
            f"Ideal = ceil({burst.requests}/{CONCURRENCY_LIMIT}) × one warm request's total time "
            f"({ms(burst.single_total)} ms, median of {SINGLE_REQUEST_RUNS}).",
            "",
        ]

    def _cpu_table(self) -> list[str]:
        cpu = self.cpu
        if cpu is None:
            return []
        return [
            f"### 5. Client CPU, {cpu.requests} warm v3 requests, emulator in another process "
            f"(real-time factor {cpu.real_time_factor:g})",
            "",
            "| CPU (s) | Wall (s) | Audio (s) | % of one core per real-time stream "
            "| same, vs nominal speech time |",
            "|---:|---:|---:|---:|---:|",
            f"| {cpu.cpu_seconds:.3f} | {cpu.wall_seconds:.2f} | {cpu.audio_seconds:.2f} "
            f"| {cpu.percent_of_core:.3f} | {cpu.percent_of_core_nominal:.3f} |",
            "",
        ]

    def _checks_table(self) -> list[str]:
        lines = ["### Targets", "", "| Target | Measured | Met |", "|---|---:|---|"]
        lines += [
            f"| {check.target} | {check.measured} | {'yes' if check.met else 'NO'} |"
            for check in self.checks()
        ]
        return [*lines, ""]

    def as_json(self) -> Json:
        """Every number, raw samples included."""
        options = self.options
        return {
            "environment": {
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
            "options": {
                "rtt_ms": ms(options.rtt),
                "first_chunk_ms": ms(options.first_chunk),
                "requests": options.requests,
                "floor_ms": ms(options.floor),
            },
            "one_sentence": [path.as_json() for path in self.paths],
            "assist_streaming": {
                "fragments": ASSIST_FRAGMENTS,
                "fragment_interval_ms": ms(FRAGMENT_INTERVAL),
                "runs": [
                    {
                        "first_sentence_to_audio_ms": ms(run.sentence_to_audio),
                        "streamed_first_audio_ms": ms(run.streamed_first_audio),
                        "whole_text_ms": ms(run.whole_text),
                        "baseline_first_audio_ms": ms(run.baseline_first_audio),
                        "audio_complete": run.complete,
                    }
                    for run in self.assist
                ],
            },
            "first_sentence_cases": [result.as_json() for result in self.cases],
            "long_text": {
                "characters": len(LONG_TEXT),
                "split_ms": ms(self.split_seconds),
                "results": [result.as_json() for result in self.long],
            },
            "concurrency": self.burst.as_json() if self.burst else None,
            "client_cpu": self.cpu.as_json() if self.cpu else None,
            "targets": [
                {"target": check.target, "measured": check.measured, "met": check.met}
                for check in self.checks()
            ],
        }


async def run(options: Options) -> Report:
    """Run every section; the in-process emulator goes before the CPU section starts."""
    report = Report(options)
    config = EmulatorConfig(first_chunk_delay=options.first_chunk, real_time_factor=0.0)
    async with Emulator(config, tls=True, rtt=options.rtt) as emulator:
        endpoint = Endpoint(emulator.url, emulator.client_ssl_context())
        _progress("1/5 one sentence")
        report.paths = await one_sentence(endpoint, options.requests)
        _progress("2/5 Assist streaming")
        report.assist = await assist_streaming(endpoint, options.streaming_runs)
        _progress("2b/5 first sentence, by case")
        report.cases = await first_sentence_cases(emulator, endpoint, options)
        _progress("3/5 long text")
        report.long, report.split_seconds = await long_text(endpoint)
    _progress("4/5 concurrency")
    report.burst = await concurrent_burst(options)
    _progress("5/5 client CPU")
    report.cpu = await client_cpu(options)
    return report


def _progress(step: str) -> None:
    print(f"… {step}", file=sys.stderr, flush=True)


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type for counts: percentiles need samples, medians need one."""

    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def _parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.latency", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rtt", type=float, default=0.04, help="network round trip, s")
    parser.add_argument(
        "--first-chunk", type=float, default=0.15, help="server's delay before audio, s"
    )
    parser.add_argument(
        "--requests", type=_at_least(2), default=30, help="requests per one-sentence path"
    )
    parser.add_argument(
        "--streaming-runs", type=_at_least(1), default=10, help="Assist replies to time"
    )
    parser.add_argument(
        "--cpu-requests", type=_at_least(1), default=15, help="requests in the CPU run"
    )
    parser.add_argument(
        "--cpu-real-time-factor",
        type=float,
        default=1.0,
        help="server pacing in the CPU run (1 = audio arrives in real time)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    args = parser.parse_args(argv)
    return Options(
        rtt=args.rtt,
        first_chunk=args.first_chunk,
        requests=args.requests,
        streaming_runs=args.streaming_runs,
        cpu_requests=args.cpu_requests,
        cpu_real_time_factor=args.cpu_real_time_factor,
        json_path=args.json,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the tables, write the JSON."""
    options = _parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(run(options))
    print(report.markdown())
    options.json_path.parent.mkdir(parents=True, exist_ok=True)
    options.json_path.write_text(
        json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"Results written to {options.json_path}")


if __name__ == "__main__":
    main()


def _mp3_seconds(clip: bytes) -> float:
    # mutagen 1.48 annotates FileType.info as None; MP3 sets it to an MPEGInfo.
    info: Any = MP3(io.BytesIO(clip)).info
    return float(info.length)
