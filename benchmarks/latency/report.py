"""The tables and the targets: what was measured, as Markdown for people and JSON for tools."""

from __future__ import annotations

import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Final

from ..measure import ms
from .common import CONCURRENCY_LIMIT, HANDSHAKE_ROUND_TRIPS, MESSAGE, Json, Options
from .concurrency import SINGLE_REQUEST_RUNS, BurstResult
from .cpu import CpuResult
from .long_text import LONG_SENTENCES, LONG_TEXT, LongTextResult
from .pool import PathResult
from .streaming import (
    ASSIST_FRAGMENT_COUNT,
    ASSIST_FRAGMENTS,
    FIRST_SENTENCE_FRAGMENT,
    FRAGMENT_INTERVAL,
    AssistRun,
    CaseResult,
)

OWN_FORMAT_SLACK: Final = 0.010
"""A repeated caller with its own format gets the warm first audio of defaults, within this."""
WARM_SLACK: Final = 0.005
SENTENCE_SLACK: Final = 0.015
"""First audio after the first sentence: at most this over the floor (issue 10)."""
CPU_TARGET_PERCENT: Final = 1.0


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
