"""Sections 2 and 2b: an Assist reply spoken while an LLM writes it.

And 2b: its first sentence complete → first audio, by case and protocol.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

from custom_components.volcengine_tts.volcengine import (
    SynthesisEngine,
)
from emulator import (
    Emulator,
)

from ..measure import Endpoint, measure, ms
from .common import (
    HANDSHAKE_ROUND_TRIPS,
    MESSAGE,
    SETTINGS,
    Json,
    Options,
    Protocol,
    engine_for,
    running,
    spoken,
)

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
    expected = spoken(ASSIST_SENTENCES)
    return AssistRun(
        sentence_to_audio=sentence_to_audio,
        streamed_first_audio=streamed_first_audio,
        whole_text=whole_text,
        baseline_first_audio=waited.first_audio - clock.started,
        complete=streamed.audio == expected and waited.audio == expected,
    )


async def assist_streaming(endpoint: Endpoint, runs: int) -> list[AssistRun]:
    """Speak an LLM reply while it is written, against waiting for all of it (v3 warm)."""
    async with running(engine_for(endpoint, warm=True)) as engine:
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
        async with running(engine_for(endpoint, protocol=protocol, warm=warm)) as engine:
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
