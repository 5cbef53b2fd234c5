"""The TTS entity, driven the way users drive it: ``tts.speak`` on a speaker."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncGenerator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import media_source, tts
from homeassistant.components.media_player import (
    ATTR_MEDIA_CONTENT_ID,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from mutagen.mp3 import MP3
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.volcengine_tts.audio_output import wav_header
from custom_components.volcengine_tts.const import DOMAIN
from emulator import Emulator
from emulator.audio import render_audio

from .conftest import OTHER_VOICE, VOICE, change_options, synthesized

ENTITY_ID = "tts.volcengine_text_to_speech"
SPEAKER = "media_player.kitchen"
MESSAGE = "洗衣机洗好了"


async def _set_up_with_options(hass: HomeAssistant, entry: MockConfigEntry, **options: Any) -> None:
    """Set the entry up with these options instead of the fixture's defaults."""
    hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _speak(
    hass: HomeAssistant, calls: list[ServiceCall], message: str = MESSAGE, **options: Any
) -> str:
    """Call ``tts.speak`` and return the URL the speaker was told to fetch."""
    data: dict[str, Any] = {
        "entity_id": ENTITY_ID,
        "media_player_entity_id": SPEAKER,
        "message": message,
    }
    if options:
        data["options"] = options
    await hass.services.async_call("tts", "speak", data, blocking=True)
    media_id = calls[-1].data[ATTR_MEDIA_CONTENT_ID]
    resolved = await media_source.async_resolve_media(hass, media_id, None)
    return resolved.url


async def _fetch(hass_client: ClientSessionGenerator, url: str) -> tuple[int, bytes]:
    client = await hass_client()
    response = await client.get(url)
    return response.status, await response.read()


def _cache_files(config_dir: Path) -> list[str]:
    cache = config_dir / "tts"
    return sorted(path.name for path in cache.iterdir()) if cache.exists() else []


async def test_entity_and_device(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    entity = er.async_get(hass).async_get(ENTITY_ID)
    assert entity is not None
    assert entity.unique_id == setup_entry.entry_id
    device = dr.async_get(hass).async_get(entity.device_id or "")
    assert device is not None
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.manufacturer == "Volcengine (ByteDance)"


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_speak_plays_valid_mp3_in_the_default_voice(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    config_dir: Path,
) -> None:
    url = await _speak(hass, play_media_calls)
    assert url.endswith(".mp3")
    status, audio = await _fetch(hass_client, url)

    assert status == HTTPStatus.OK
    mp3 = MP3(io.BytesIO(audio))
    assert mp3.info.length > 0.5
    # The audio is the emulator's rendering of this text in the default voice
    # (Home Assistant may prepend ID3 tags).
    assert audio.endswith(render_audio(MESSAGE, VOICE))
    assert synthesized(emulator)[-1] == (VOICE, MESSAGE)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(_cache_files(config_dir)) == 1


async def test_per_call_voice_is_used(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    url = await _speak(hass, play_media_calls, voice=OTHER_VOICE)
    status, audio = await _fetch(hass_client, url)
    assert status == HTTPStatus.OK
    assert synthesized(emulator)[-1] == (OTHER_VOICE, MESSAGE)
    assert audio.endswith(render_audio(MESSAGE, OTHER_VOICE))
    assert not audio.endswith(render_audio(MESSAGE, VOICE))


@pytest.mark.parametrize("protocol", ["v3", "v1"])
@pytest.mark.parametrize(
    ("fault", "value"),
    [
        ("error_code", 3031),
        ("drop_after_frames", 1),
        ("malformed_after_frames", 1),
    ],
)
async def test_failures_leave_nothing_in_the_cache(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    config_dir: Path,
    fault: str,
    value: int,
) -> None:
    emulator.config.chunk_bytes = 512  # several frames, so mid-stream faults happen mid-audio
    setattr(emulator.faults, fault, value)
    if fault == "error_code":
        emulator.faults.error_count = 100
    status, body = await _fetch(hass_client, await _speak(hass, play_media_calls))
    await hass.async_block_till_done(wait_background_tasks=True)
    # Before any audio the proxy answers 500; once audio flowed it can only cut
    # the body short. Either way nothing may be cached.
    complete = render_audio(MESSAGE, VOICE)
    assert status == HTTPStatus.INTERNAL_SERVER_ERROR or len(body) < len(complete)
    assert _cache_files(config_dir) == []

    # Once the fault is gone, the same announcement is synthesized afresh and works.
    setattr(emulator.faults, fault, None)
    requests_before = len(synthesized(emulator))
    status, audio = await _fetch(hass_client, await _speak(hass, play_media_calls))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert status == HTTPStatus.OK
    assert len(synthesized(emulator)) == requests_before + 1
    assert audio.endswith(render_audio(MESSAGE, VOICE))
    assert len(_cache_files(config_dir)) == 1


async def test_rejected_token_during_synthesis_starts_reauth(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    # The token is rotated in the console while Home Assistant runs; the
    # warm connection keeps working until the service drops it.
    emulator.config.accounts[setup_entry.data["app_id"]] = type(
        emulator.config.accounts[setup_entry.data["app_id"]]
    )(setup_entry.data["app_id"], "rotated-token")
    await emulator.close_idle_connections()
    status, _ = await _fetch(hass_client, await _speak(hass, play_media_calls))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert status == HTTPStatus.INTERNAL_SERVER_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert setup_entry.data[CONF_ACCESS_TOKEN] != "rotated-token"


async def test_one_shot_audio(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    extension, audio = await entity.async_get_tts_audio(MESSAGE, "zh-CN", {"voice": VOICE})
    assert extension == "mp3"
    assert audio == render_audio(MESSAGE, VOICE)
    emulator.faults.error_code = 3050
    with pytest.raises(HomeAssistantError, match="does not know this voice"):
        await entity.async_get_tts_audio(MESSAGE, "zh-CN", {"voice": VOICE})


async def test_assist_streams_speech_while_the_reply_is_written(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """The way an Assist pipeline uses the entity: a message stream in, audio out."""
    first_audio = asyncio.Event()

    async def llm_reply() -> AsyncGenerator[str]:
        for fragment in ("今天天气", "很好。", "明天"):
            yield fragment
        await first_audio.wait()  # the rest only arrives once speech has started
        yield "会下雨！"

    stream = tts.async_create_stream(hass, ENTITY_ID)
    stream.async_set_message_stream(llm_reply())
    chunks = []
    async for chunk in stream.async_stream_result():
        chunks.append(chunk)
        first_audio.set()
    audio = b"".join(chunks)
    assert audio == render_audio("今天天气很好。", VOICE) + render_audio("明天会下雨！", VOICE)
    session = [session for session in emulator.sessions if session.texts][-1]
    assert session.texts == ["今天天气很好。", "明天会下雨！"]


async def test_changing_a_default_changes_the_cache_key(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    status, audio = await _fetch(hass_client, await _speak(hass, play_media_calls))
    assert audio.endswith(render_audio(MESSAGE, VOICE))
    # The user picks another default voice; the same announcement must not replay.
    await change_options(hass, setup_entry, voice=OTHER_VOICE)
    status, audio = await _fetch(hass_client, await _speak(hass, play_media_calls))
    assert status == HTTPStatus.OK
    assert audio.endswith(render_audio(MESSAGE, OTHER_VOICE))
    assert synthesized(emulator)[-1] == (OTHER_VOICE, MESSAGE)
    # ... while asking again with unchanged defaults is served from the cache.
    before = len(synthesized(emulator))
    status, cached = await _fetch(hass_client, await _speak(hass, play_media_calls))
    assert cached == audio
    assert len(synthesized(emulator)) == before


async def test_voices_by_name_default_first_custom_last(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    await _set_up_with_options(hass, config_entry, voice=VOICE, custom_voices=["S_myclone01"])
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)

    chinese = entity.async_get_supported_voices("zh-Hans")
    assert chinese[0].voice_id == VOICE
    assert chinese[0].name == "灿灿"
    assert chinese[-1].voice_id == "S_myclone01"
    assert len(chinese) > 100
    english = entity.async_get_supported_voices("en")
    assert all("_" not in voice.name or voice.voice_id.startswith("S_") for voice in english)
    assert any(voice.voice_id == "en_female_candice_emo_v2_mars_bigtts" for voice in english)
    assert entity.async_get_supported_voices("fr") == [
        voice
        for voice in entity.async_get_supported_voices("fr")
        if voice.voice_id == "S_myclone01"
    ]


@pytest.mark.parametrize(
    ("ha_language", "expected"),
    [("zh-Hans", "zh-CN"), ("zh-Hant", "zh-TW"), ("en", "en-US"), ("de", "zh-CN")],
)
async def test_default_language_follows_home_assistant(
    hass: HomeAssistant, setup_entry: MockConfigEntry, ha_language: str, expected: str
) -> None:
    hass.config.language = ha_language
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    assert entity.default_language == expected


async def test_the_default_format_is_served_natively(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    await _set_up_with_options(hass, config_entry, voice=VOICE, format="wav")
    url = await _speak(hass, play_media_calls)
    assert url.endswith(".wav")
    status, audio = await _fetch(hass_client, url)
    assert status == HTTPStatus.OK
    # exactly Volcengine's PCM behind our header: no ffmpeg round trip happened
    assert audio == wav_header(24000) + render_audio(MESSAGE, VOICE, encoding="pcm")


async def test_a_wav_failure_before_audio_sends_no_bytes(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    await _set_up_with_options(hass, config_entry, voice=VOICE, format="wav")
    emulator.faults.error_code = 3050
    status, body = await _fetch(hass_client, await _speak(hass, play_media_calls))
    assert status == HTTPStatus.INTERNAL_SERVER_ERROR
    assert body != wav_header(24000)


async def test_configured_defaults_keep_the_warm_session_usable(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    await _set_up_with_options(
        hass, config_entry, voice=VOICE, speed=1.25, sample_rate=44100, format="wav"
    )
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    for message in ("第一句。", "第二句。"):
        await entity.async_get_tts_audio(message, "zh-CN", entity.default_options)
    statistics = config_entry.runtime_data.engine.diagnostics()["pool"]["statistics"]
    assert statistics["warm_sessions_used"] == 2
    check, *spoken = emulator.sessions
    assert check.canceled  # set-up's free login check, cancelled before any text
    assert not any(session.canceled for session in spoken)
