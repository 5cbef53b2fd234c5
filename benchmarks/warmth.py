"""Warm when it matters: the first reply after a quiet spell, and after the service's idle close.

Run ``python -m benchmarks.warmth [--rtt 0.04] [--first-chunk 0.15] [--runs 10]``.

Most commands come after the house has been quiet for a while, when the warm
connections have closed. Against the emulator with TLS on behind its latency proxy
(every round trip costs ``--rtt``), it measures:

1. **Announcement after the service closed the idle connection**: time to first audio
   (TTFA) of a one-sentence announcement after the service dropped our idle connection
   inside our own 30 s window, against the same announcement on a warm connection and
   on a connection opened by the request itself (no warm state: how it was before).
2. **Speech-to-text start → reply**: end of speech → first audio of the spoken reply,
   after a quiet spell (no warm connection left): the command's audio goes to the
   recogniser in real time, the final transcript comes back, and the reply is asked
   for at once (Home Assistant's own agent answers in a millisecond or two). With
   ``prewarm()`` at the start of the speech (what the STT entity does) and without,
   against a warm pool; for the default MP3 and a satellite's WAV 16 kHz.

The quiet spells are real waits (``--quiet`` seconds): the benchmark models time passing,
it does not synchronise on them. Prints Markdown tables; raw numbers go to ``--json``.
Runs on code without ``prewarm`` too (the before figures of a checkout that predates it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from custom_components.volcengine_tts.volcengine import (
    AudioEncoding,
    Credentials,
    EngineConfig,
    RecognitionConfig,
    RecognitionEngine,
    RecognitionSettings,
    SynthesisEngine,
    VoiceSettings,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, EmulatorConfig, render_audio

from .measure import add_service_arguments, ms, write_results

CREDENTIALS: Final = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)
VOICE: Final = "zh_female_cancan_mars_bigtts"
MP3: Final = VoiceSettings(voice=VOICE)
SATELLITE: Final = VoiceSettings(voice=VOICE, encoding=AudioEncoding.PCM, sample_rate=16000)
FORMATS: Final = (("mp3 (defaults)", MP3), ("wav 16 kHz (satellite)", SATELLITE))
ANNOUNCEMENT: Final = "洗衣机洗好了。"
COMMAND: Final = "打开客厅的灯"
REPLY: Final = "已打开客厅的灯。"
CHUNK_BYTES: Final = 320
"""Home Assistant's 10 ms pieces of 16 kHz 16-bit audio."""
BURST_BYTES: Final = CHUNK_BYTES * 10
BYTES_PER_SECOND: Final = 32000
IDLE_SHARE: Final = 0.3
"""The emulator's idle timeout, as a share of the quiet spell, in the idle-timeout case."""
PREWARMED: Final = "after quiet, prewarm at STT start"
DEFAULT_JSON: Final = Path(__file__).resolve().parent / "results" / "warmth.json"


@dataclass(frozen=True, slots=True)
class Options:
    """What the command line chose."""

    rtt: float
    first_chunk: float
    final_delay: float
    runs: int
    quiet: float
    json_path: Path


async def _first_audio(engine: SynthesisEngine, text: str, settings: VoiceSettings) -> float:
    """Return when the first audio chunk arrived (``time.perf_counter``); read the rest."""
    first: float | None = None
    async with contextlib.aclosing(engine.stream(text, settings)) as audio:
        async for _ in audio:
            if first is None:
                first = time.perf_counter()
    if first is None:
        raise RuntimeError("no audio")
    return first


async def _ttfa(engine: SynthesisEngine, settings: VoiceSettings) -> float:
    started = time.perf_counter()
    return await _first_audio(engine, ANNOUNCEMENT, settings) - started


def _engine(emulator: Emulator) -> SynthesisEngine:
    """An engine as Home Assistant builds one: warm sessions with the entry's defaults."""
    config = EngineConfig(endpoint=emulator.url, warm_settings=MP3)
    return SynthesisEngine(CREDENTIALS, config, ssl_context=emulator.client_ssl_context())


async def _settle(engine: SynthesisEngine, seconds: float) -> None:
    """Let the house be quiet; background warm-ups, if this engine has them, end meanwhile."""
    await asyncio.sleep(seconds)
    if (wait_warm := getattr(engine, "wait_warm", None)) is not None:
        await wait_warm()


async def _announcement_runs(
    emulator: Emulator, options: Options, before: Callable[[SynthesisEngine], Awaitable[object]]
) -> list[float]:
    """Warm the pool, do ``before`` (close its connection somehow), wait, time an announcement."""
    engine = _engine(emulator)
    try:
        samples = []
        for _ in range(options.runs):
            await engine.synthesize(ANNOUNCEMENT, MP3)
            await before(engine)
            await _settle(engine, options.quiet)
            samples.append(await _ttfa(engine, MP3))
        return samples
    finally:
        await engine.close()


async def announcements(emulator: Emulator, options: Options) -> dict[str, list[float]]:
    """Section 1: warm; the service closed the idle connection; no warm state at all."""

    async def nothing(engine: SynthesisEngine) -> None:
        pass

    async def service_closes(engine: SynthesisEngine) -> None:
        await emulator.close_idle_connections()

    async def we_close(engine: SynthesisEngine) -> None:
        await engine.release_idle()

    # The service's own idle timeout, shorter than our 30 s, closes the connection
    # in the quiet spell; the one reopened in its place outlives the spell.
    emulator.config.idle_timeout = options.quiet * IDLE_SHARE
    by_timeout = await _announcement_runs(emulator, options, nothing)
    emulator.config.idle_timeout = None
    return {
        "warm connection": await _announcement_runs(emulator, options, nothing),
        "the service closed the idle connection": await _announcement_runs(
            emulator, options, service_closes
        ),
        f"the service's idle timeout ({options.quiet * IDLE_SHARE:g} s) closed it": by_timeout,
        "no warm connection (opened by the request)": await _announcement_runs(
            emulator, options, we_close
        ),
    }


async def _microphone(audio: bytes, ended: list[float]) -> AsyncIterator[bytes]:
    """Yield 10 ms pieces in 100 ms bursts, in real time; note when speech ended."""
    for start in range(0, len(audio), BURST_BYTES):
        for offset in range(start, min(start + BURST_BYTES, len(audio)), CHUNK_BYTES):
            yield audio[offset : offset + CHUNK_BYTES]
        if start + BURST_BYTES < len(audio):
            await asyncio.sleep(BURST_BYTES / BYTES_PER_SECOND)
    ended.append(time.perf_counter())


async def _pipeline_once(
    engine: SynthesisEngine, recognizer: RecognitionEngine, settings: VoiceSettings, *, warm: bool
) -> float:
    """Speak a command, recognise it, ask for the reply: end of speech → first reply audio."""
    audio = render_audio(COMMAND, VOICE, encoding="pcm", sample_rate=16000)
    ended: list[float] = []
    if warm and (prewarm := getattr(engine, "prewarm", None)) is not None:
        prewarm()  # what the STT entity does when a command starts
    text = await recognizer.recognize(_microphone(audio, ended), RecognitionSettings())
    if text != COMMAND:
        raise RuntimeError(f"recognised {text!r}")
    return await _first_audio(engine, REPLY, settings) - ended[0]


async def pipeline(emulator: Emulator, options: Options) -> dict[str, list[float]]:
    """Section 2: STT start → reply, after quiet with and without prewarm, and warm."""
    recognizer = RecognitionEngine(
        CREDENTIALS,
        RecognitionConfig(endpoint=emulator.url),
        ssl_context=emulator.client_ssl_context(),
    )
    results: dict[str, list[float]] = {}
    for label, settings in FORMATS:
        for case in ("warm pool", "after quiet, no prewarm", PREWARMED):
            engine = _engine(emulator)
            samples = []
            try:
                await engine.synthesize(ANNOUNCEMENT, settings)  # the caller's own format
                for _ in range(options.runs):
                    if case != "warm pool":
                        await engine.release_idle()  # our warm connections have closed
                    await asyncio.sleep(options.quiet)
                    samples.append(
                        await _pipeline_once(engine, recognizer, settings, warm=case == PREWARMED)
                    )
            finally:
                await engine.close()
            results[f"{label}: {case}"] = samples
    await recognizer.close()
    return results


def _table(title: str, results: dict[str, list[float]], floor: float) -> list[str]:
    lines = [
        f"\n### {title}\n",
        "| case | p50 | p95 | min | p50 − floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, samples in results.items():
        ordered = sorted(samples)
        p50 = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        lines.append(
            f"| {label} | {ms(p50):.0f} ms | {ms(p95):.0f} ms | {ms(ordered[0]):.0f} ms "
            f"| {ms(p50 - floor):.0f} ms |"
        )
    return lines


async def run(options: Options) -> None:
    """Run both sections and print their tables."""
    config = EmulatorConfig(
        first_chunk_delay=options.first_chunk, recognition_final_delay=options.final_delay
    )
    async with Emulator(config, tls=True, rtt=options.rtt) as emulator:
        first = await announcements(emulator, options)
        second = await pipeline(emulator, options)
    tts_floor = options.first_chunk + options.rtt
    print(
        f"Warmth: RTT {ms(options.rtt):.0f} ms, first chunk {ms(options.first_chunk):.0f} ms, "
        f"final delay {ms(options.final_delay):.0f} ms, quiet {options.quiet:g} s, "
        f"{options.runs} runs, TLS on, {platform.python_implementation()} "
        f"{platform.python_version()}"
    )
    print("\n".join(_table("1. Announcement TTFA (floor: first chunk + 1 RTT)", first, tts_floor)))
    pipeline_floor = options.final_delay + options.rtt + tts_floor
    print(
        "\n".join(
            _table(
                "2. End of speech → first reply audio (floor: final delay + 2 RTT + first chunk)",
                second,
                pipeline_floor,
            )
        )
    )
    write_results(
        options.json_path,
        {
            "rtt_ms": ms(options.rtt),
            "announcement_ttfa_ms": {k: [ms(v) for v in s] for k, s in first.items()},
            "speech_end_to_reply_ms": {k: [ms(v) for v in s] for k, s in second.items()},
        },
    )


def _parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.warmth")
    add_service_arguments(parser)
    parser.add_argument("--final-delay", type=float, default=0.1, help="recogniser's finish")
    parser.add_argument("--runs", type=int, default=10, help="samples per case")
    parser.add_argument("--quiet", type=float, default=1.5, help="seconds between requests")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="raw numbers")
    args = parser.parse_args(argv)
    return Options(args.rtt, args.first_chunk, args.final_delay, args.runs, args.quiet, args.json)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark."""
    asyncio.run(run(_parse_args(argv)))


if __name__ == "__main__":
    main()
