"""Speak a text through a real Home Assistant, as a user would, and save the MP3.

Boots a throw-away Home Assistant (temporary configuration, free port), creates its
owner through onboarding, adds the integration through the setup form, calls
``tts.speak`` on a speaker and fetches the audio from the URL the speaker was given.
Against the bundled emulator, or Volcengine itself when ``VOLCENGINE_APP_ID`` and
``VOLCENGINE_ACCESS_TOKEN`` are set. Run through ``scripts/demo``, which prepares the
virtual environment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from mutagen.mp3 import MP3, HeaderNotFoundError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.ha_process import (
    BackgroundEmulator,
    HomeAssistantClient,
    HomeAssistantError,
    HomeAssistantProcess,
    ServiceSettings,
    real_service,
)

DEFAULT_VOICE = "zh_female_cancan_mars_bigtts"
"""The integration's default voice (灿灿), which the emulator also speaks."""


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", help="what to say")
    parser.add_argument("--voice", default=DEFAULT_VOICE, help="Volcengine voice_type")
    parser.add_argument("-o", "--output", type=Path, default=Path("demo.mp3"))
    return parser.parse_args()


@contextlib.contextmanager
def _service(voice: str) -> Iterator[ServiceSettings]:
    """Yield what to type into the setup form: the real service if configured, else the emulator."""
    if (real := real_service(voice)) is not None:
        yield real
        return
    with BackgroundEmulator() as emulator:
        yield emulator.settings(voice)


async def _speak(arguments: argparse.Namespace, service: ServiceSettings) -> int:
    started = time.perf_counter()
    async with HomeAssistantProcess() as home_assistant:
        boot = home_assistant.boot_seconds
        print(f"home assistant:     {home_assistant.url} (booted in {boot:.1f} s)")
        setup_started = time.perf_counter()
        async with await HomeAssistantClient.onboard(home_assistant.url) as client:
            entry = await client.add_integration(service)
            tts_entity = await client.tts_entity(entry["entry_id"])
            setup_seconds = time.perf_counter() - setup_started
            print(
                f"integration added:  {tts_entity} in {setup_seconds:.2f} s (onboarding included)"
            )
            audio = await client.speak(tts_entity, arguments.text)
        try:
            duration = MP3(io.BytesIO(audio.data)).info.length
        except HeaderNotFoundError:
            print(f"Not an MP3: {len(audio.data)} bytes of {audio.content_type}", file=sys.stderr)
            home_assistant.print_log_tail()
            return 1
    arguments.output.write_bytes(audio.data)
    print(f"service:            {service.label} ({service.endpoint})")
    print(f"voice:              {service.voice}")
    print(f"wrote:              {arguments.output} ({len(audio.data)} bytes)")
    print(f"duration:           {duration:.2f} s")
    print(f"time to first byte: {audio.first_byte_seconds * 1000:.0f} ms (from tts.speak)")
    print(f"total:              {time.perf_counter() - started:.1f} s (Home Assistant stopped)")
    return 0


def main() -> int:
    """Run the demo; every process it starts is stopped when it ends, also on errors."""
    arguments = _arguments()
    try:
        with _service(arguments.voice) as service:
            return asyncio.run(_speak(arguments, service))
    except (HomeAssistantError, aiohttp.ClientError, TimeoutError) as err:
        print(f"Demo failed: {err!r}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
