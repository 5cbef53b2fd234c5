"""Synthesize one text through the integration's client and save the MP3.

Run through ``scripts/demo``, which prepares the virtual environment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from mutagen.mp3 import MP3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.volcengine_tts.const import DEFAULT_VOICE
from custom_components.volcengine_tts.volcengine import (
    DEFAULT_CLUSTER,
    DEFAULT_ENDPOINT,
    Credentials,
    SynthesisRequest,
    V1Client,
    VolcengineError,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("text", help="what to say")
    parser.add_argument("--voice", default=DEFAULT_VOICE, help="Volcengine voice_type")
    parser.add_argument("-o", "--output", type=Path, default=Path("demo.mp3"))
    return parser.parse_args()


@contextlib.asynccontextmanager
async def _service() -> AsyncIterator[tuple[str, Credentials, str]]:
    """Yield (endpoint, credentials, label): the real service if configured, else the emulator."""
    app_id = os.environ.get("VOLCENGINE_APP_ID")
    token = os.environ.get("VOLCENGINE_ACCESS_TOKEN")
    if app_id and token:
        endpoint = os.environ.get("VOLCENGINE_ENDPOINT", DEFAULT_ENDPOINT)
        yield endpoint, Credentials(app_id, token), "Volcengine"
        return
    async with Emulator() as emulator:
        yield emulator.url, Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN), "emulator"


async def _main(arguments: argparse.Namespace) -> int:
    async with _service() as (endpoint, credentials, label):
        client = V1Client(
            credentials,
            cluster=os.environ.get("VOLCENGINE_CLUSTER", DEFAULT_CLUSTER),
            endpoint=endpoint,
        )
        request = SynthesisRequest(text=arguments.text, voice=arguments.voice)
        started = time.perf_counter()
        first_byte: float | None = None
        audio = bytearray()
        try:
            async for chunk in client.stream(request):
                first_byte = first_byte or time.perf_counter() - started
                audio += chunk
        except VolcengineError as err:
            print(f"Synthesis failed: {err}", file=sys.stderr)
            return 1
    arguments.output.write_bytes(audio)
    duration = MP3(io.BytesIO(bytes(audio))).info.length
    print(f"service:            {label} ({endpoint})")
    print(f"voice:              {arguments.voice}")
    print(f"wrote:              {arguments.output} ({len(audio)} bytes)")
    print(f"duration:           {duration:.2f} s")
    print(f"time to first byte: {(first_byte or 0) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(_arguments())))
