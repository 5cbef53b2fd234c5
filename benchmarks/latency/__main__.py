"""Command line: run every section, print the tables, write the JSON.

``python -m benchmarks.latency [--rtt 0.04] [--first-chunk 0.15] [--requests 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from emulator import (
    Emulator,
    EmulatorConfig,
)

from ..measure import Endpoint, add_service_arguments, at_least, write_results
from .common import Options
from .concurrency import concurrent_burst
from .cpu import client_cpu
from .long_text import long_text
from .pool import one_sentence
from .report import Report
from .streaming import assist_streaming, first_sentence_cases

DEFAULT_JSON: Final = Path(__file__).resolve().parents[1] / "results" / "latency.json"


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


def _parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.latency", description=__doc__.splitlines()[0]
    )
    add_service_arguments(parser)
    parser.add_argument(
        "--requests", type=at_least(2), default=30, help="requests per one-sentence path"
    )
    parser.add_argument(
        "--streaming-runs", type=at_least(1), default=10, help="Assist replies to time"
    )
    parser.add_argument(
        "--cpu-requests", type=at_least(1), default=15, help="requests in the CPU run"
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
    write_results(options.json_path, report.as_json())


if __name__ == "__main__":
    main()
