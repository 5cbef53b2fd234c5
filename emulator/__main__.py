"""Run the emulator by hand: ``python -m emulator [--port 8765] [--tls] [--rtt 0.04]``.

Prints the URL first (scripts and tests read that line; with ``--rtt`` it is the latency
proxy's), then the demo credentials, and serves until Ctrl-C or SIGTERM.
"""

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from . import (
    BIDIRECTION_PATH,
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    DEFAULT_CLUSTER,
    DEFAULT_TOKEN,
    SAUC_ENDPOINTS,
    UNIDIRECTIONAL_PATH,
    V1_PATH,
    Emulator,
    EmulatorConfig,
)

_DEFAULT_PORT = 8765


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Local Volcengine speech emulator (v1 ws_binary, v3 TTS, recognition).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=_DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--tls", action="store_true", help="serve wss:// with a throw-away CA")
    parser.add_argument(
        "--first-chunk-delay", type=float, default=0.0, metavar="S", help="seconds before audio"
    )
    parser.add_argument(
        "--real-time-factor", type=float, default=0.0, metavar="F", help="1.0 paces in real time"
    )
    parser.add_argument(
        "--rtt",
        type=float,
        default=0.0,
        metavar="S",
        help="emulated network round trip in seconds (serves through a latency proxy)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        metavar="S",
        help="close a v3 connection idle this long, as the service does (default: never)",
    )
    parser.add_argument(
        "--recognition-final-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds the recogniser takes to finish after the last audio packet",
    )
    parser.add_argument(
        "--transcript", default="", help="what the recogniser hears in audio not its own"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def _termination_event() -> asyncio.Event:
    """Return an event set on SIGINT or SIGTERM, so either shuts the emulator down cleanly.

    Installed before the URL is printed: whoever reads that line may signal at once.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows has no signal handlers in asyncio; Ctrl-C then interrupts asyncio.run.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


async def _serve(args: argparse.Namespace) -> None:
    stop = _termination_event()
    config = EmulatorConfig(
        host=args.host,
        port=args.port,
        first_chunk_delay=args.first_chunk_delay,
        real_time_factor=args.real_time_factor,
        idle_timeout=args.idle_timeout,
        recognition_final_delay=args.recognition_final_delay,
        transcript=args.transcript,
    )
    async with Emulator(config, tls=args.tls, rtt=args.rtt) as emulator:
        print(f"Volcengine TTS emulator listening on {emulator.url}", flush=True)
        print(f'  endpoint: {emulator.url}  (the integration\'s "Service endpoint")')
        print(f"  app id:   {DEFAULT_APP_ID}")
        print(f"  token:    {DEFAULT_TOKEN}")
        print(f"  cluster:  {DEFAULT_CLUSTER}")
        print(f"  api key:  {DEFAULT_API_KEY}  (v3, instead of app id + token)")
        if emulator.ca_file is not None:
            print(f"  CA file:  {emulator.ca_file}")
        print(f"  v1 ws_binary:      {emulator.url}{V1_PATH}")
        print(f"  v3 bidirection:    {emulator.url}{BIDIRECTION_PATH}")
        print(f"  v3 unidirectional: {emulator.url}{UNIDIRECTIONAL_PATH}")
        if emulator.rtt > 0:
            print(f"  round trip: {emulator.rtt:g} s (latency proxy)")
        for path in SAUC_ENDPOINTS:
            print(f"  recognition:       {emulator.url}{path}")
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the emulator until interrupted."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
