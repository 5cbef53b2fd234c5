"""How soon the final transcript follows the end of speech, and what the client pays for it.

Run ``python -m benchmarks.recognition [--rtt 0.04] [--final-delay 0.1] [--runs 20]``.

The emulator runs in a child process (``python -m emulator --tls``) behind its latency
proxy, so every round trip costs ``--rtt`` seconds and the recogniser takes
``--final-delay`` seconds to finish after the last packet. Audio (the emulator's own
speech of a voice command) is fed to the recognition engine in real time, in Home
Assistant's 10 ms pieces, delivered in 100 ms bursts. The user-visible wait is from the
last audio chunk to the final transcript; its **floor is 1 RTT + the final delay**: the
last packet has to reach the server and the result has to come back.

The client's CPU is ``time.process_time`` of this process (the emulator's is its own),
per second of audio recognised. Prints a Markdown table; raw numbers go to ``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    RecognitionConfig,
    RecognitionEngine,
    RecognitionSettings,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, render_audio

from .measure import Endpoint, emulator_process, ms

COMMAND: Final = "打开客厅的灯，然后把空调调到二十五度。"
VOICE: Final = "zh_female_cancan_mars_bigtts"
HA_CHUNK_BYTES: Final = 320
"""Home Assistant re-chunks voice-command audio into 10 ms pieces."""
BURST_CHUNKS: Final = 10
BYTES_PER_SECOND: Final = 32000
DEFAULT_JSON: Final = Path(__file__).parent / "results" / "recognition.json"


@dataclass(slots=True)
class Run:
    """One utterance: when its audio ended and when its final text arrived."""

    after_last_chunk: float
    audio_seconds: float
    text: str


async def _paced(audio: bytes, pace: float, ended: list[float]) -> AsyncIterator[bytes]:
    """Yield 10 ms chunks in 100 ms bursts at ``pace`` x real time; note when it ends."""
    burst = HA_CHUNK_BYTES * BURST_CHUNKS
    for start in range(0, len(audio), burst):
        for offset in range(start, min(start + burst, len(audio)), HA_CHUNK_BYTES):
            yield audio[offset : offset + HA_CHUNK_BYTES]
        if pace > 0 and start + burst < len(audio):
            await asyncio.sleep(burst / BYTES_PER_SECOND / pace)
    ended.append(time.perf_counter())


async def _one(engine: RecognitionEngine, audio: bytes, pace: float) -> Run:
    ended: list[float] = []
    text = await engine.recognize(_paced(audio, pace, ended), RecognitionSettings())
    finished = time.perf_counter()
    return Run(finished - ended[0], len(audio) / BYTES_PER_SECOND, text)


async def _measure(endpoint: Endpoint, options: argparse.Namespace) -> tuple[list[Run], float]:
    engine = RecognitionEngine(
        Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
        RecognitionConfig(endpoint=endpoint.url),
        ssl_context=endpoint.ssl_context,
    )
    audio = render_audio(options.text, VOICE, encoding="pcm", sample_rate=16000)
    await _one(engine, audio, 0)  # warm-up: imports, TLS session setup paths
    cpu_started = time.process_time()
    runs = [await _one(engine, audio, options.pace) for _ in range(options.runs)]
    cpu = time.process_time() - cpu_started
    return runs, cpu


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _main(options: argparse.Namespace) -> int:
    async with emulator_process(
        rtt=options.rtt,
        extra_arguments=("--recognition-final-delay", repr(options.final_delay)),
    ) as endpoint:
        runs, cpu = await _measure(endpoint, options)
    wrong = [run.text for run in runs if run.text != options.text]
    waits = [run.after_last_chunk for run in runs]
    audio_seconds = sum(run.audio_seconds for run in runs)
    floor = options.rtt + options.final_delay
    p50 = statistics.median(waits)
    print(
        f"Recognition: {options.runs} utterances of {runs[0].audio_seconds:.2f} s, "
        f"RTT {ms(options.rtt)} ms, final delay {ms(options.final_delay)} ms, TLS on, "
        f"{platform.python_implementation()} {platform.python_version()}\n"
    )
    print("| last chunk → final text | p50 | p95 | min | floor | p50 − floor |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| engine (bigmodel_async) | {ms(p50):.0f} ms | {ms(_percentile(waits, 0.95)):.0f} ms "
        f"| {ms(min(waits)):.0f} ms | {ms(floor):.0f} ms | {ms(p50 - floor):.1f} ms |"
    )
    print(
        f"\nClient CPU: {ms(cpu) / audio_seconds:.1f} ms per second of audio "
        f"({ms(cpu):.0f} ms for {audio_seconds:.1f} s)"
    )
    print(f"Transcripts wrong: {len(wrong)} of {len(runs)}")
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(
        json.dumps(
            {
                "rtt_ms": ms(options.rtt),
                "final_delay_ms": ms(options.final_delay),
                "floor_ms": ms(floor),
                "after_last_chunk_ms": [ms(wait) for wait in waits],
                "cpu_ms_per_audio_second": ms(cpu) / audio_seconds,
            },
            indent=2,
        )
    )
    return 1 if wrong else 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recognition")
    parser.add_argument("--rtt", type=float, default=0.04, help="network round trip, s")
    parser.add_argument(
        "--final-delay", type=float, default=0.1, help="the service's finalisation, s"
    )
    parser.add_argument("--runs", type=int, default=20, help="utterances to time")
    parser.add_argument("--pace", type=float, default=1.0, help="1 feeds audio in real time")
    parser.add_argument("--text", default=COMMAND, help="what the utterance says")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and exit non-zero if a transcript came back wrong."""
    sys.exit(asyncio.run(_main(_arguments(argv))))


if __name__ == "__main__":
    main()
