"""What a satellite's format costs: Home Assistant's ffmpeg per input, and in-process FLAC.

Two tables, to keep the choices in ``served_format`` honest on this machine:

1. **Home Assistant's ffmpeg by input.** Releases before 2026.11 convert every
   request that sets a rate, channel count, width or bitrate, whatever the
   entity returns: only the input decides how soon ffmpeg's first byte comes.
   Each candidate input (the emulator's speech) is written to ffmpeg at
   ``--pace`` × real time, with the command line each release builds (2026.2:
   ``-f <ext> -i pipe:0``; 2026.10 adds ``-probesize 32`` for WAV; 2026.11
   unwraps a streaming WAV to raw PCM with ``-probesize 32``), into each
   satellite's output; the first output byte is timed.
2. **In-process FLAC** (``audio_output.FlacEncoder``): how much audio the first
   packet needs, and the encoder's cost per Volcengine chunk, on the event loop.

    .venv/bin/python -m benchmarks.satellite_formats          # --runs 5 --pace 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import lameenc

from custom_components.volcengine_tts.audio_output import Container as C  # noqa: N817
from custom_components.volcengine_tts.audio_output import (
    FlacEncoder,
    OutputFormat,
    shaper_for,
)
from emulator.audio import render_audio

from .measure import ms

TEXT: Final = "洗衣机洗好了，记得晾衣服。明天会下雨，出门带伞。"
VOICE: Final = "zh_female_cancan_mars_bigtts"
PIECE_SECONDS: Final = 0.1
"""The input is written in pieces of this much audio, ``1 / pace`` of it apart."""
CHUNK_SECONDS: Final = 0.1
"""A Volcengine PCM chunk for the FLAC cost (the emulator's default frame is about this)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """An input the entity could hand Home Assistant, and how a release reads it."""

    label: str
    input_args: tuple[str, ...]
    audio: bytes
    seconds: float


OUTPUTS: Final = {
    "Voice PE flac 48k": ("-f", "flac", "-ar", "48000", "-ac", "1", "-sample_fmt", "s16"),
    "ESPHome wav 16k": ("-f", "wav", "-ar", "16000", "-ac", "1", "-sample_fmt", "s16"),
    "Echo mp3 24k 48k CBR": ("-f", "mp3", "-ar", "24000", "-ac", "1", "-b:a", "48k"),
}


def candidates() -> list[Candidate]:
    """Every input worth comparing, from the emulator's speech of ``TEXT``."""
    seconds = len(render_audio(TEXT, VOICE, encoding="pcm", sample_rate=8000)) / 16000

    def pcm(rate: int) -> bytes:
        return render_audio(TEXT, VOICE, encoding="pcm", sample_rate=rate)

    def shaped(container: C, rate: int) -> bytes:
        shaper = shaper_for(OutputFormat(container, rate))
        return shaper.feed(pcm(rate)) + shaper.finish()

    raw = ("-probesize", "32")
    found = [
        Candidate(
            "mp3 24k, emulator's (2026.2)", ("-f", "mp3"), render_audio(TEXT, VOICE), seconds
        ),
        Candidate(
            "mp3 24k, one LAME stream (2026.2)", ("-f", "mp3"), _one_mp3(pcm(24000)), seconds
        ),
        Candidate("wav 24k (2026.2)", ("-f", "wav"), shaped(C.WAV, 24000), seconds),
        Candidate("au 24k (2026.2)", ("-f", "au"), shaped(C.AU, 24000), seconds),
        Candidate("au 48k (2026.2) ← chosen", ("-f", "au"), shaped(C.AU, 48000), seconds),
        Candidate("wav 24k (2026.10)", ("-f", "wav", *raw), shaped(C.WAV, 24000), seconds),
        Candidate("wav 48k (2026.10) ← chosen", ("-f", "wav", *raw), shaped(C.WAV, 48000), seconds),
    ]
    for rate in (16000, 48000):
        unwrapped = ("-f", "s16le", "-ar", str(rate), "-ac", "1", *raw)
        label = f"streaming wav {rate // 1000}k (2026.11, unwrapped)"
        found.append(Candidate(label, unwrapped, pcm(rate), seconds))
    return found


def _one_mp3(pcm: bytes) -> bytes:
    """One continuous MP3 stream, as the service sends (the emulator joins one per syllable)."""
    encoder = lameenc.Encoder()
    encoder.set_channels(1)
    encoder.set_in_sample_rate(24000)
    encoder.set_out_sample_rate(24000)
    encoder.set_bit_rate(160)
    return bytes(encoder.encode(pcm)) + bytes(encoder.flush())


async def first_output(candidate: Candidate, output: Sequence[str], pace: float) -> float:
    """Seconds from starting ffmpeg to its first output byte, input written at ``pace``."""
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", *candidate.input_args]
    command += ["-i", "pipe:0", *output, "pipe:1"]
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    stdin, stdout = process.stdin, process.stdout
    if stdin is None or stdout is None:  # pragma: no cover - both were asked for as pipes
        raise RuntimeError("ffmpeg started without pipes")
    pieces = max(1, round(candidate.seconds / PIECE_SECONDS))
    step = -(-len(candidate.audio) // pieces)

    async def write() -> None:
        for start in range(0, len(candidate.audio), step):
            stdin.write(candidate.audio[start : start + step])
            with contextlib.suppress(ConnectionResetError):
                await stdin.drain()
            await asyncio.sleep(PIECE_SECONDS / pace)
        stdin.close()

    writer = asyncio.create_task(write())
    await stdout.read(1)
    first = time.perf_counter() - started
    await stdout.read()
    await writer
    await process.wait()
    return first


def flac_costs() -> tuple[float, float, float]:
    """First packet's audio (s), median and worst encode time per 100 ms chunk (s), 48 kHz."""
    pcm = render_audio(TEXT, VOICE, encoding="pcm", sample_rate=48000)
    chunk = round(48000 * CHUNK_SECONDS) * 2
    encoder = FlacEncoder(48000)
    first_audio = 0.0
    costs = []
    for start in range(0, len(pcm), 2):  # sample by sample until the first packet
        if encoder.feed(pcm[start : start + 2]):
            first_audio = (start + 2) / 2 / 48000
            break
    encoder.close()
    encoder = FlacEncoder(48000)
    for start in range(0, len(pcm), chunk):
        began = time.perf_counter()
        encoder.feed(pcm[start : start + chunk])
        costs.append(time.perf_counter() - began)
    encoder.finish()
    return first_audio, statistics.median(costs), max(costs)


async def run(runs: int, pace: float) -> None:
    """Print both tables."""
    print(f"## Home Assistant's ffmpeg: first output byte, p50 of {runs} (input at {pace:g}×)\n")
    found = candidates()
    print("| input | " + " | ".join(OUTPUTS) + " |")
    print("|---|" + "---:|" * len(OUTPUTS))
    for candidate in found:
        cells = []
        for output in OUTPUTS.values():
            times = [await first_output(candidate, output, pace) for _ in range(runs)]
            cells.append(f"{ms(statistics.median(times)):.0f} ms")
        print(f"| {candidate.label} | " + " | ".join(cells) + " |")
    first_audio, median, worst = flac_costs()
    print("\n## In-process FLAC, 48 kHz mono 16-bit\n")
    print("| first packet after | encode per 100 ms chunk, p50 | worst |")
    print("|---:|---:|---:|")
    print(f"| {ms(first_audio):.0f} ms of audio | {ms(median):.2f} ms | {ms(worst):.2f} ms |")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pace", type=float, default=3.0, help="input speed, × real time")
    options = parser.parse_args(argv)
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is not installed")
    asyncio.run(run(options.runs, options.pace))


if __name__ == "__main__":
    main()
