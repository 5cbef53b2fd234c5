"""Speak a text through a real Home Assistant, as a user would, and save the MP3.

With ``--listen FILE.wav`` it runs a whole Assist pipeline instead: the WAV (16 kHz,
16-bit mono) goes to our STT, the text to Home Assistant's own agent, the reply to our
TTS; it prints the recognised text and the reply and saves the reply's audio.
``--command TEXT`` first writes the emulator's speech of TEXT to that WAV, which the
emulator then recognises as TEXT.

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
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
from mutagen.mp3 import MP3, HeaderNotFoundError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import render_audio
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
    parser.add_argument("text", nargs="?", default="你好，世界", help="what to say")
    parser.add_argument(
        "--listen", type=Path, metavar="FILE.wav", help="run an Assist pipeline on this WAV"
    )
    parser.add_argument(
        "--command", metavar="TEXT", help="with --listen: first write the emulator's speech of TEXT"
    )
    parser.add_argument("--language", default="zh-CN", help="the pipeline's language")
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
            # mutagen 1.48 annotates FileType.info as None; MP3 sets it to an MPEGInfo.
            info: Any = MP3(io.BytesIO(audio.data)).info
            duration = float(info.length)
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


def _read_pcm(path: Path) -> bytes:
    """Read a WAV file's samples, refusing what the recogniser cannot take."""
    with wave.open(str(path), "rb") as reader:
        shape = (reader.getframerate(), reader.getsampwidth(), reader.getnchannels())
        if shape != (16000, 2, 1):
            raise ValueError(f"{path} is {shape[0]} Hz, {8 * shape[1]}-bit, {shape[2]} channel(s)")
        return reader.readframes(reader.getnframes())


def _event(events: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    for event in events:
        if event["type"] == kind:
            data: dict[str, Any] = event.get("data") or {}
            return data
    return {}


async def _listen(arguments: argparse.Namespace, service: ServiceSettings) -> int:
    pcm = _read_pcm(arguments.listen)
    async with HomeAssistantProcess() as home_assistant:
        print(f"home assistant:     {home_assistant.url}")
        async with await HomeAssistantClient.onboard(home_assistant.url) as client:
            entry = await client.add_integration(service)
            stt_entity = await client.entity_of(entry["entry_id"], "stt")
            tts_entity = await client.entity_of(entry["entry_id"], "tts")
            pipeline = await client.create_pipeline(stt_entity, tts_entity, arguments.language)
            print(f"pipeline:           {stt_entity} → Home Assistant → {tts_entity}")
            started = time.perf_counter()
            events = await client.run_pipeline(pipeline, pcm)
            finished = time.perf_counter() - started
            if error := _event(events, "error"):
                print(f"Pipeline failed: {error}", file=sys.stderr)
                home_assistant.print_log_tail()
                return 1
            heard = _event(events, "stt-end")["stt_output"]["text"]
            response = _event(events, "intent-end")["intent_output"]["response"]
            reply = response["speech"]["plain"]["speech"]
            audio = await client.fetch(_event(events, "tts-end")["tts_output"]["url"])
    arguments.output.write_bytes(audio.data)
    print(f"heard:              {heard}")
    print(f"intent response:    {response['response_type']}: {reply}")
    print(f"reply audio:        {arguments.output} ({len(audio.data)} bytes)")
    print(f"audio in → reply:   {finished * 1000:.0f} ms ({len(pcm) / 32000:.2f} s of audio)")
    return 0


def main() -> int:
    """Run the demo; every process it starts is stopped when it ends, also on errors."""
    arguments = _arguments()
    if arguments.listen is not None and arguments.command:
        wav = render_audio(arguments.command, arguments.voice, encoding="wav", sample_rate=16000)
        arguments.listen.write_bytes(wav)
    try:
        with _service(arguments.voice) as service:
            if arguments.listen is not None:
                return asyncio.run(_listen(arguments, service))
            return asyncio.run(_speak(arguments, service))
    except (HomeAssistantError, aiohttp.ClientError, TimeoutError, ValueError, OSError) as err:
        print(f"Demo failed: {err!r}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
