"""From the end of speech to the first reply audio, through Home Assistant's Assist pipeline.

Run ``python -m benchmarks.pipeline [--rtt 0.04] [--first-chunk 0.15] [--runs 5]
[--quiet 40] [--quiet-runs 2]`` with the venv of the Home Assistant to measure
(``.venv-latest`` for 2026.11.0, ``.venv`` for 2026.2.3). The defaults take about
eight minutes, most of it the quiet.

A Home Assistant in this process (``benchmarks.assist``) runs an Assist pipeline with
our speech-to-text, its own conversation agent and our text-to-speech against the
emulator (TLS on, every round trip costing ``--rtt``, ``--first-chunk`` seconds before
the service's first audio, then audio at ``--real-time-factor``: 0.33 is the three
times real time the service was seen to send, which is what an ffmpeg that Home
Assistant starts waits on). A satellite says "打开客厅的灯" into it in real time, asking
for the reply in the format its hardware plays (``PROFILES``, read from Home Assistant
2026.11's satellites), and the clock runs from the end of the speech to the first chunk
of reply audio Home Assistant hands out. Each profile is timed warm (right after another
run) and after ``--quiet`` seconds with nothing said, which is what a user meets most
often: the quiet is real time, not scaled, because the integration's pooled connections
and the service's own idle handling run on real timers.

A second table times one reply through Home Assistant's TTS alone per profile (as
``/api/tts_proxy`` streams it to a player) against the defaults, and counts the ffmpeg
processes Home Assistant started to convert formats.

Prints Markdown tables and writes the raw numbers as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from homeassistant.components import tts
from homeassistant.const import __version__ as HA_VERSION  # noqa: N812

from .assist import AssistHome, Reply, assist_home
from .measure import Summary, add_service_arguments, at_least, emulator_process, ms, write_results

DEFAULT_JSON: Final = Path("benchmarks/results/pipeline.json")
REPLY: Final = "好的，客厅的灯已打开。"
ORDERS: Final = ("round-robin", "blocks")
"""What the TTS table speaks: a reply of the length Assist usually gives."""
_PREFERRED_BITRATE: Final = "preferred_bitrate"
"""``tts.ATTR_PREFERRED_BITRATE`` (Home Assistant 2026.11 and later)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What one kind of satellite asks Home Assistant's TTS for (its ``tts_audio_output``)."""

    name: str
    options: dict[str, Any]

    @property
    def supported(self) -> bool:
        """False when this Home Assistant does not know one of the options."""
        return _PREFERRED_BITRATE not in self.options or hasattr(tts, "ATTR_PREFERRED_BITRATE")


def _pcm(audio_format: str, sample_rate: int) -> dict[str, Any]:
    return {
        "preferred_format": audio_format,
        "preferred_sample_rate": sample_rate,
        "preferred_sample_channels": 1,
        "preferred_sample_bytes": 2,
    }


PROFILES: Final = (
    Profile("defaults (mp3)", {}),
    # esphome/assist_satellite.py: the media player's supported format (the Voice PE).
    Profile("Voice PE (flac 48 kHz)", _pcm("flac", 48000)),
    # esphome/assist_satellite.py: a satellite with a plain speaker.
    Profile("ESPHome speaker (wav 16 kHz)", _pcm("wav", 16000)),
    # wyoming/assist_satellite.py.
    Profile("Wyoming (wav 22.05 kHz)", _pcm("wav", 22050)),
    # An Echo (alexa_devices): MP3 at 24 kHz, 48 kbit/s.
    Profile(
        "Echo (mp3 24 kHz 48 kbit/s)",
        {"preferred_format": "mp3", "preferred_sample_rate": 24000, _PREFERRED_BITRATE: 48},
    ),
)


@dataclass(frozen=True, slots=True)
class Options:
    """The command line, parsed."""

    rtt: float
    first_chunk: float
    real_time_factor: float
    runs: int
    quiet: float
    quiet_runs: int
    requests: int
    order: str
    """``round-robin``: profiles take turns, a home with every kind of satellite;
    ``blocks``: one profile's runs in a row, a home with that satellite alone."""
    json_path: Path


@dataclass(slots=True)
class ProfileResult:
    """Everything measured for one profile."""

    profile: Profile
    warm: list[Reply] = field(default_factory=list)
    after_quiet: list[Reply] = field(default_factory=list)
    speak: list[float] = field(default_factory=list)
    speak_ffmpeg: int = 0

    def summary(self, replies: Sequence[Reply]) -> Summary | None:
        """p50 / p95 of the replies' latencies (None when not measured)."""
        return Summary.of([reply.latency for reply in replies]) if replies else None

    @property
    def pipeline_ffmpeg(self) -> int:
        """ffmpeg processes Home Assistant started over all pipeline runs."""
        return sum(reply.ffmpeg for reply in (*self.warm, *self.after_quiet))

    def as_json(self) -> dict[str, Any]:
        """Raw numbers for the JSON file."""

        def summary(values: Sequence[float]) -> dict[str, float | int] | None:
            return Summary.of(values).as_json() if values else None

        return {
            "options": self.profile.options,
            "supported": self.profile.supported,
            "pipeline_warm": summary([reply.latency for reply in self.warm]),
            "pipeline_after_quiet": summary([reply.latency for reply in self.after_quiet]),
            "pipeline_ffmpeg_processes": self.pipeline_ffmpeg,
            "pipeline_runs": len(self.warm) + len(self.after_quiet),
            "tts_first_audio": summary(self.speak),
            "tts_ffmpeg_processes": self.speak_ffmpeg,
            "tts_requests": len(self.speak),
        }


@dataclass(slots=True)
class Report:
    """All profiles' results, and how they were taken."""

    options: Options
    results: list[ProfileResult]

    def header(self) -> str:
        """The conditions, in one paragraph."""
        options = self.options
        return (
            f"Home Assistant {HA_VERSION} on Python {platform.python_version()}; emulator "
            f"RTT {ms(options.rtt):.0f} ms, first chunk {ms(options.first_chunk):.0f} ms, "
            f"audio at {1 / options.real_time_factor if options.real_time_factor else 0:.1f}× "
            f"real time (0: at once), TLS on (floor: first chunk + 1 RTT = "
            f"{ms(options.first_chunk + options.rtt):.0f} ms). Warm: {options.runs} runs a "
            f"profile; after quiet: {options.quiet_runs} runs a profile, each after "
            f"{options.quiet:.0f} s with nothing said. Order: {options.order}."
        )

    def pipeline_table(self) -> str:
        """End of speech → first reply audio, per profile."""
        lines = [
            "| satellite asks for | warm p50 | warm p95 | after quiet p50 | after quiet p95 "
            "| ffmpeg started |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for result in self.results:
            if not result.profile.supported:
                lines.append(f"| {result.profile.name} | not in this Home Assistant |||||")
                continue
            warm = result.summary(result.warm)
            quiet = result.summary(result.after_quiet)
            runs = len(result.warm) + len(result.after_quiet)
            lines.append(
                f"| {result.profile.name} | {_ms(warm, 'p50')} | {_ms(warm, 'p95')} "
                f"| {_ms(quiet, 'p50')} | {_ms(quiet, 'p95')} "
                f"| {result.pipeline_ffmpeg} of {runs} runs |"
            )
        return "\n".join(lines)

    def tts_table(self) -> str:
        """One reply through Home Assistant's TTS, per profile, against the defaults."""
        baseline = Summary.of(self.results[0].speak).p50 if self.results[0].speak else None
        lines = [
            "| satellite asks for | first audio p50 | p95 | vs defaults (p50) | ffmpeg started |",
            "|---|---:|---:|---:|---:|",
        ]
        for result in self.results:
            if not result.speak:
                lines.append(f"| {result.profile.name} | not in this Home Assistant ||||")
                continue
            summary = Summary.of(result.speak)
            delta = "—" if baseline is None else f"{ms(summary.p50 - baseline):+.0f} ms"
            lines.append(
                f"| {result.profile.name} | {ms(summary.p50):.0f} ms | {ms(summary.p95):.0f} ms "
                f"| {delta} | {result.speak_ffmpeg} of {len(result.speak)} requests |"
            )
        return "\n".join(lines)

    def markdown(self) -> str:
        """Both tables with their headings."""
        return "\n\n".join(
            [
                self.header(),
                "### End of speech → first reply audio (Assist pipeline)",
                self.pipeline_table(),
                "### One reply through Home Assistant's TTS (first audio)",
                self.tts_table(),
            ]
        )

    def as_json(self) -> dict[str, Any]:
        """Raw numbers and conditions."""
        options = self.options
        return {
            "home_assistant": HA_VERSION,
            "python": platform.python_version(),
            "rtt_ms": ms(options.rtt),
            "first_chunk_ms": ms(options.first_chunk),
            "real_time_factor": options.real_time_factor,
            "quiet_s": options.quiet,
            "order": options.order,
            "profiles": {result.profile.name: result.as_json() for result in self.results},
        }


def _ms(summary: Summary | None, which: str) -> str:
    if summary is None:
        return "—"
    return f"{ms(getattr(summary, which)):.0f} ms"


async def run(options: Options, progress: Callable[[str], None]) -> Report:
    """Start the emulator and Home Assistant; time every profile."""
    results = [ProfileResult(profile) for profile in PROFILES]
    supported = [result for result in results if result.profile.supported]
    async with (
        emulator_process(
            rtt=options.rtt,
            first_chunk_delay=options.first_chunk,
            real_time_factor=options.real_time_factor,
        ) as endpoint,
        assist_home(endpoint) as home,
    ):
        progress("warming up")
        await home.ask(None)
        await home.speak(REPLY, {})
        # Round-robin over the profiles, so a slow moment of the machine does not
        # land on one profile alone; each request then follows another format,
        # whose warm session it cannot use. In blocks, a profile follows itself.
        for result, _ in _turns(supported, options.requests, options.order):
            seconds, _size, ffmpeg = await home.speak(REPLY, result.profile.options)
            result.speak.append(seconds)
            result.speak_ffmpeg += ffmpeg
        progress(f"TTS table done; {options.runs} warm pipeline runs a profile")
        for result, _ in _turns(supported, options.runs, options.order):
            result.warm.append(await _ask(home, result.profile))
        for result, round_number in _turns(supported, options.quiet_runs, options.order):
            progress(
                f"quiet {options.quiet:.0f} s, then {result.profile.name} "
                f"(round {round_number + 1} of {options.quiet_runs})"
            )
            await asyncio.sleep(options.quiet)
            result.after_quiet.append(await _ask(home, result.profile))
    return Report(options, results)


def _turns(results: list[ProfileResult], count: int, order: str) -> list[tuple[ProfileResult, int]]:
    """Each result ``count`` times, with the index of the round, in the order asked."""
    if order == "blocks":
        return [(result, index) for result in results for index in range(count)]
    return [(result, index) for index in range(count) for result in results]


async def _ask(home: AssistHome, profile: Profile) -> Reply:
    return await home.ask(profile.options or None)


def _parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pipeline", description=__doc__.splitlines()[0]
    )
    add_service_arguments(parser)
    parser.add_argument(
        "--real-time-factor",
        type=float,
        default=0.33,
        help="service's audio pace (1 = real time, 0.33 = three times faster, 0 = at once)",
    )
    parser.add_argument("--runs", type=at_least(1), default=5, help="warm pipeline runs a profile")
    parser.add_argument(
        "--quiet", type=float, default=40.0, help="seconds with nothing said before a run"
    )
    parser.add_argument(
        "--quiet-runs", type=at_least(0), default=2, help="runs after quiet, a profile"
    )
    parser.add_argument(
        "--requests", type=at_least(1), default=10, help="TTS-only requests a profile"
    )
    parser.add_argument(
        "--order",
        choices=ORDERS,
        default="round-robin",
        help="round-robin: the profiles take turns (each request follows another format); "
        "blocks: each profile's runs in a row (a home with that satellite alone)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    args = parser.parse_args(argv)
    return Options(
        rtt=args.rtt,
        first_chunk=args.first_chunk,
        real_time_factor=args.real_time_factor,
        runs=args.runs,
        quiet=args.quiet,
        quiet_runs=args.quiet_runs,
        requests=args.requests,
        order=args.order,
        json_path=args.json,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the tables, write the JSON."""
    options = _parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    def progress(message: str) -> None:
        print(f"... {message}", file=sys.stderr, flush=True)

    report = asyncio.run(run(options, progress))
    print(report.markdown())
    write_results(options.json_path, report.as_json())


if __name__ == "__main__":
    main()
