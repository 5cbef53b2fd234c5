"""Measuring one audio stream, summarising many, and running the emulator elsewhere.

Kept apart from the scenarios in ``latency`` so each scenario reads as what it
measures, not how a stopwatch works.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import ssl
import statistics
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
_BANNER_TIMEOUT: Final = 30.0
_STOP_TIMEOUT: Final = 10.0
_PERCENTILES: Final = 100
_P95_INDEX: Final = 94  # quantiles(n=100) returns the 1st … 99th percentile


@dataclass(frozen=True, slots=True)
class Sample:
    """One request, timed (``time.perf_counter``) from just before ``stream()`` was called."""

    started: float
    first_audio: float
    finished: float
    audio: bytes

    @property
    def ttfa(self) -> float:
        """Seconds to the first audio chunk: what a listener waits before hearing anything."""
        return self.first_audio - self.started

    @property
    def total(self) -> float:
        """Seconds to the last audio chunk."""
        return self.finished - self.started


@dataclass(frozen=True, slots=True)
class Summary:
    """Median and 95th percentile of a set of durations, in seconds."""

    p50: float
    p95: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        """Summarise ``values``; p95 interpolates, so 30 samples give a meaningful tail."""
        if len(values) < 2:  # noqa: PLR2004 - quantiles needs two points
            only = values[0]
            return cls(only, only, len(values))
        p95 = statistics.quantiles(values, n=_PERCENTILES, method="inclusive")[_P95_INDEX]
        return cls(statistics.median(values), p95, len(values))

    def as_json(self) -> dict[str, float | int]:
        """Milliseconds, as the tables show them."""
        return {"p50_ms": ms(self.p50), "p95_ms": ms(self.p95), "n": self.count}


def ms(seconds: float) -> float:
    """Seconds to milliseconds, rounded to 0.1 ms (finer is noise)."""
    return round(seconds * 1000, 1)


async def measure(open_stream: Callable[[], AsyncGenerator[bytes]]) -> Sample:
    """Time one request: the clock starts just before ``stream()`` is called.

    Calling an async generator runs none of its code, so the connection,
    handshake and every frame are inside the measured interval.
    """
    started = time.perf_counter()
    first: float | None = None
    chunks: list[bytes] = []
    async with contextlib.aclosing(open_stream()) as audio:
        async for chunk in audio:
            if first is None:
                first = time.perf_counter()
            chunks.append(chunk)
    finished = time.perf_counter()
    if first is None:
        raise RuntimeError("the request produced no audio")
    return Sample(started, first, finished, b"".join(chunks))


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where an emulator listens, and the SSL context that trusts its throw-away CA."""

    url: str
    ssl_context: ssl.SSLContext


@contextlib.asynccontextmanager
async def emulator_process(
    *,
    rtt: float,
    first_chunk_delay: float = 0.0,
    real_time_factor: float = 0.0,
    extra_arguments: Sequence[str] = (),
) -> AsyncIterator[Endpoint]:
    """Run ``python -m emulator --tls`` in a child process until the block ends.

    Its CPU then is not the benchmark's: ``time.process_time`` counts the client only.

    Reads the banner the CLI prints (URL first, then ``CA file:``) and trusts
    that CA, so certificate verification stays on as in production.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--tls",
        "--rtt",
        repr(rtt),
        "--first-chunk-delay",
        repr(first_chunk_delay),
        "--real-time-factor",
        repr(real_time_factor),
        *extra_arguments,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        if process.stdout is None:  # pragma: no cover - stdout=PIPE guarantees it
            raise RuntimeError("no pipe to the emulator")
        async with asyncio.timeout(_BANNER_TIMEOUT):
            url, ca_file = await _read_banner(process.stdout)
        yield Endpoint(url, ssl.create_default_context(cafile=ca_file))
    finally:
        await _stop(process)


async def _read_banner(stdout: asyncio.StreamReader) -> tuple[str, str]:
    """Parse the URL (first line) and the CA file from the emulator's banner."""
    url: str | None = None
    ca_file: str | None = None
    while line := (await stdout.readline()).decode():
        if url is None:
            url = line.split()[-1]
        elif line.strip().startswith("CA file:"):
            ca_file = line.split(":", 1)[1].strip()
        elif line.startswith("Press Ctrl-C"):
            break
    if url is None or ca_file is None:
        raise RuntimeError("the emulator did not print its URL and CA file")
    return url, ca_file


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM is the emulator's clean shutdown; kill only if it hangs."""
    if process.returncode is None:
        process.terminate()
    try:
        async with asyncio.timeout(_STOP_TIMEOUT):
            await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type for counts: percentiles need samples, medians need one."""

    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulated network and service every benchmark takes: ``--rtt``, ``--first-chunk``."""
    parser.add_argument("--rtt", type=float, default=0.04, help="network round trip, s")
    parser.add_argument(
        "--first-chunk", type=float, default=0.15, help="service's delay before audio, s"
    )


def write_results(path: Path, results: Any) -> None:  # noqa: ANN401 - any JSON document
    """Write raw numbers as JSON for whoever wants to plot them, and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"Results written to {path}")
