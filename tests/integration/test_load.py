"""Load: 200 announcements, 50 at a time, through an account that allows two connections.

Nothing may be lost or cut short, the account's limit must hold (the engine never has
to retry a request the service refused for concurrency), and memory must stay bounded
while requests queue. Run with ``-s`` to see the measured numbers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts import create_engine
from custom_components.volcengine_tts.volcengine import Credentials, SynthesisEngine, VoiceSettings
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, EmulatorConfig
from emulator.audio import render_audio

from .conftest import VOICE

ENTITY_ID = "tts.volcengine_text_to_speech"
REQUESTS = 200
AT_ONCE = 50
ACCOUNT_LIMIT = 2
MEMORY_BOUND = 100 * 1024 * 1024
TEXTS = [f"第{index}号通知：洗衣机洗好了。" for index in range(REQUESTS)]
"""Distinct texts, so every result is checked against its own audio."""
EXPECTED = [render_audio(text, VOICE) for text in TEXTS]


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(max_concurrency=ACCOUNT_LIMIT, first_chunk_delay=0.0)


@dataclass(slots=True)
class LoadResult:
    """What a load run produced."""

    audio: dict[int, bytes]
    errors: dict[int, HomeAssistantError]
    peak_bytes: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{len(self.audio)} complete, {len(self.errors)} refused in {self.seconds:.2f} s, "
            f"peak traced memory growth {self.peak_bytes / 1024 / 1024:.1f} MiB"
        )


async def _load(speak: Callable[[str], Awaitable[bytes]]) -> LoadResult:
    """Run every text through ``speak``, AT_ONCE at a time; measure peak memory growth."""
    slots = asyncio.Semaphore(AT_ONCE)
    audio: dict[int, bytes] = {}
    errors: dict[int, HomeAssistantError] = {}

    async def one(index: int) -> None:
        async with slots:
            try:
                audio[index] = await speak(TEXTS[index])
            except HomeAssistantError as err:  # a refusal is an answer too: counted
                errors[index] = err

    gc.collect()
    tracemalloc.start()
    baseline, _ = tracemalloc.get_traced_memory()
    started = time.perf_counter()
    try:
        async with asyncio.timeout(60):  # nothing may hang
            await asyncio.gather(*(one(index) for index in range(REQUESTS)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return LoadResult(audio, errors, peak - baseline, time.perf_counter() - started)


def _entity_speaker(hass: HomeAssistant) -> Callable[[str], Awaitable[bytes]]:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)

    async def speak(text: str) -> bytes:
        extension, audio = await entity.async_get_tts_audio(text, "zh-CN", entity.default_options)
        assert extension == "mp3"
        return bytes(audio)

    return speak


def _assert_complete(result: LoadResult) -> None:
    for index, audio in result.audio.items():
        assert audio == EXPECTED[index], f"request {index} is not its complete audio"


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_entity_answers_every_request_under_load(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    result = await _load(_entity_speaker(hass))
    print(f"\nentity, {AT_ONCE} at once: {result}")
    _assert_complete(result)
    assert len(result.audio) == REQUESTS, str(result)


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_entity_under_load_refuses_cleanly_and_stays_within_the_account(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """What the entity does today: each request is complete or refused in words, none hangs."""
    engine = setup_entry.runtime_data.engine
    result = await _load(_entity_speaker(hass))
    print(f"\nentity, {AT_ONCE} at once: {result}")
    assert len(result.audio) + len(result.errors) == REQUESTS
    _assert_complete(result)
    assert {error.translation_key for error in result.errors.values()} <= {"rate_limited"}
    assert engine.retries == 0  # the service never had to refuse a connection
    assert result.peak_bytes < MEMORY_BOUND


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_engine_like_the_entrys_with_room_to_queue_answers_everything(
    emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """The entry's engine configuration, with a queue that holds the load: all 200 complete."""
    entry_config = create_engine(config_entry.data, config_entry.options).config
    engine = SynthesisEngine(
        Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
        dataclasses.replace(entry_config, queue_limit=AT_ONCE),
    )
    settings = VoiceSettings(voice=VOICE)

    async def speak(text: str) -> bytes:
        return await engine.synthesize(text, settings)

    result = await _load(speak)
    await engine.close()
    print(f"\nengine, {AT_ONCE} at once: {result}")
    assert result.errors == {}
    assert len(result.audio) == REQUESTS
    _assert_complete(result)
    assert engine.retries == 0  # never more connections / requests than the account allows
    assert result.peak_bytes < MEMORY_BOUND
    assert emulator.open_connections(DEFAULT_APP_ID) <= ACCOUNT_LIMIT
