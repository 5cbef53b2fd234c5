"""Run the engine for minutes with faults sprinkled in; report memory and errors over time.

Run ``python -m benchmarks.soak [--minutes 1] [--concurrency 4] [--fault-every 7]``.

A TTS integration runs unattended for months: leaks, stuck connections and
counters that only go up show in hours, not in a unit test. This script keeps
``--concurrency`` requests in flight against the local emulator (behind its
latency proxy), injects a fault every ``--fault-every`` requests (a transient
error, a dropped connection, a server closing idle connections), and prints a
line per interval: requests done, failures seen by callers, retries, open
connections and memory (traced Python allocations and the process's RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    EngineConfig,
    SynthesisEngine,
    VoiceSettings,
    VolcengineError,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, EmulatorConfig, render_audio

VOICE = "zh_female_cancan_mars_bigtts"
SETTINGS = VoiceSettings(voice=VOICE)
HEADINGS = (
    "elapsed s",
    "requests",
    "failures",
    "incomplete",
    "retries",
    "connections",
    "traced MiB",
    "RSS MiB",
)
TEXTS = [f"第{index}条通知：洗衣机洗好了，请及时晾晒。" for index in range(50)]


@dataclass(slots=True)
class Sample:
    """One line of the report."""

    elapsed_s: float
    requests: int
    failures: int
    incomplete: int
    retries: int
    open_connections: int
    traced_mib: float
    rss_mib: float


@dataclass(slots=True)
class Counters:
    """What the workers have seen so far."""

    requests: int = 0
    failures: int = 0
    incomplete: int = 0


def _faults(emulator: Emulator) -> list[Callable[[], object]]:
    """Faults that a long-running installation meets sooner or later."""

    def transient() -> None:
        emulator.faults.error_code = 3031
        emulator.faults.error_count = 1

    def drop_before_audio() -> None:
        emulator.faults.drop_after_frames = 0

    def close_idle() -> object:
        return asyncio.ensure_future(emulator.close_idle_connections())

    return [transient, drop_before_audio, close_idle]


async def _worker(
    engine: SynthesisEngine, counters: Counters, deadline: float, texts: itertools.cycle[str]
) -> None:
    while time.monotonic() < deadline:
        text = next(texts)
        try:
            audio = await engine.synthesize(text, SETTINGS)
        except VolcengineError:
            counters.failures += 1
        else:
            counters.incomplete += audio != render_audio(text, VOICE)
        counters.requests += 1


async def _fault_injector(
    emulator: Emulator, counters: Counters, deadline: float, every: int
) -> None:
    faults = itertools.cycle(_faults(emulator))
    next_at = every
    while time.monotonic() < deadline:
        if counters.requests >= next_at:
            next(faults)()
            next_at += every
        await asyncio.sleep(0.05)
        emulator.faults.drop_after_frames = None  # a drop hits one request only


def _sample(started: float, counters: Counters, engine: SynthesisEngine) -> Sample:
    traced, _ = tracemalloc.get_traced_memory()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pool = engine.diagnostics()["pool"]
    return Sample(
        elapsed_s=round(time.monotonic() - started, 1),
        requests=counters.requests,
        failures=counters.failures,
        incomplete=counters.incomplete,
        retries=engine.retries,
        open_connections=pool["idle"] + pool["leased"],
        traced_mib=round(traced / 2**20, 2),
        rss_mib=round(rss_kib / 1024, 1),
    )


async def soak(minutes: float, concurrency: int, fault_every: int, interval: float) -> list[Sample]:
    """Run the soak and return one sample per interval."""
    tracemalloc.start()
    config = EmulatorConfig(max_concurrency=2, first_chunk_delay=0.02)
    async with Emulator(config, rtt=0.005) as emulator:
        engine = SynthesisEngine(
            Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
            EngineConfig(
                endpoint=emulator.url, warm_settings=SETTINGS, max_concurrency=2, retry_backoff=0.01
            ),
        )
        counters = Counters()
        started = time.monotonic()
        deadline = started + minutes * 60
        texts = itertools.cycle(TEXTS)
        tasks = [
            asyncio.create_task(_worker(engine, counters, deadline, texts))
            for _ in range(concurrency)
        ]
        tasks.append(
            asyncio.create_task(_fault_injector(emulator, counters, deadline, fault_every))
        )
        samples: list[Sample] = []
        print(f"| {' | '.join(HEADINGS)} |")
        print("|" + "---:|" * len(HEADINGS))
        while not all(task.done() for task in tasks[:-1]):
            await asyncio.wait(tasks, timeout=interval)
            sample = _sample(started, counters, engine)
            samples.append(sample)
            print("| " + " | ".join(str(value) for value in asdict(sample).values()) + " |")
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await engine.close()
    tracemalloc.stop()
    return samples


def main() -> None:
    """Parse arguments, soak, write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--fault-every", type=int, default=7, help="requests between faults")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between report lines")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/soak.json"))
    arguments = parser.parse_args()
    samples = asyncio.run(
        soak(arguments.minutes, arguments.concurrency, arguments.fault_every, arguments.interval)
    )
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps([asdict(sample) for sample in samples], indent=2))
    last = samples[-1]
    print(
        f"\n{last.requests} requests, {last.failures} failures seen by callers, "
        f"{last.incomplete} incomplete audio, {last.retries} transparent retries"
    )


if __name__ == "__main__":
    main()
