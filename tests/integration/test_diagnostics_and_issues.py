"""Diagnostics carry no credentials; console-only problems become repair issues."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from unittest.mock import AsyncMock

import pytest
from homeassistant.components import tts
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.const import DOMAIN
from custom_components.volcengine_tts.diagnostics import async_get_config_entry_diagnostics
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator

ENTITY_ID = "tts.volcengine_text_to_speech"


async def test_diagnostics_are_redacted_and_useful(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    emulator.faults.error_code = 3031
    emulator.faults.error_count = 1
    await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)  # retried once

    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    dumped = json.dumps(diagnostics, ensure_ascii=False)
    assert DEFAULT_TOKEN not in dumped
    assert DEFAULT_APP_ID not in dumped
    assert diagnostics["entry"]["data"]["access_token"] == "**REDACTED**"
    assert diagnostics["voices"]["catalogue"] >= 60
    assert diagnostics["voices"]["by_generation"]["2.0"] > 0
    assert diagnostics["voices"]["custom"] == 0
    engine = diagnostics["engine"]
    assert engine["protocol"] == "v3"
    assert engine["pool"]["max_size"] == 2
    error = engine["recent_errors"][-1]
    assert error["code"] == 3031
    assert error["log_id"]


def _restrict(emulator: Emulator, **grants: frozenset[str] | int) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(DEFAULT_APP_ID, DEFAULT_TOKEN, **grants)


async def _speak(hass: HomeAssistant, text: str = "你好") -> bytes:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    _, audio = await entity.async_get_tts_audio(text, "zh-CN", entity.default_options)
    return bytes(audio or b"")


def _loaded_with_everything(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The entry is up: speech-to-text and the usage sensors work while TTS is refused."""
    assert entry.state is ConfigEntryState.LOADED
    for entity_id in (
        ENTITY_ID,
        "stt.volcengine_speech_to_text",
        "sensor.volcengine_characters_this_month",
        "sensor.volcengine_last_error",
    ):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state != "unavailable", entity_id


async def test_default_voice_not_granted_at_setup_leaves_the_entry_loaded_with_its_repair(
    hass: HomeAssistant,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    setup_calls: AsyncMock,
) -> None:
    """Issue 17.1: a grant the console fixes never fails set-up for good."""
    _restrict(emulator, granted_voices=frozenset({"BV001_streaming"}))
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    _loaded_with_everything(hass, config_entry)
    issue_id = f"voice_not_granted_{config_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["voice"] == config_entry.options["voice"]
    assert hass.states.get("sensor.volcengine_last_error").state == "resource_not_granted"  # type: ignore[union-attr]
    with pytest.raises(HomeAssistantError, match="not enabled"):
        await _speak(hass)

    # Enabled in the console: the next announcement works and clears the repair, no reload.
    _restrict(emulator)
    assert await _speak(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert setup_calls.await_count == 1


async def test_used_up_quota_at_setup_leaves_the_entry_loaded_until_a_refill_clears_it(
    hass: HomeAssistant,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    setup_calls: AsyncMock,
) -> None:
    """Issue 17.1: HA restarting while the free quota is used up keeps STT and the sensors."""
    _restrict(emulator, character_quota=0)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    _loaded_with_everything(hass, config_entry)
    issue_id = f"quota_exhausted_{config_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    with pytest.raises(HomeAssistantError, match="quota is used up"):
        await _speak(hass)
    assert hass.states.get("sensor.volcengine_last_error").state == "quota_exhausted"  # type: ignore[union-attr]

    _restrict(emulator, character_quota=100)  # refilled in the console
    assert await _speak(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert setup_calls.await_count == 1


async def test_quota_used_up_during_use_raises_a_repair_issue(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    emulator.faults.error_code = 45000292
    emulator.faults.error_message = "quota exceeded for types: tts_lifetime"
    with pytest.raises(HomeAssistantError, match="quota is used up"):
        await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"quota_exhausted_{setup_entry.entry_id}")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR


async def test_a_granted_voice_clears_its_repair_issue_on_the_next_success(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    issue_id = f"voice_not_granted_{setup_entry.entry_id}"
    _restrict(emulator, granted_voices=frozenset({"BV001_streaming"}))
    await emulator.close_idle_connections()  # no session begun while it was granted
    with pytest.raises(HomeAssistantError, match="not enabled"):
        await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    # Enabled in the console: the next request succeeds and the issue goes, no restart needed.
    _restrict(emulator)
    await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_a_success_clears_the_quota_issue(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    issue_id = f"quota_exhausted_{setup_entry.entry_id}"
    emulator.faults.error_code = 45000292
    emulator.faults.error_message = "quota exceeded for types: tts_lifetime"
    with pytest.raises(HomeAssistantError, match="quota is used up"):
        await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    await entity.async_get_tts_audio("再见", "zh-CN", entity.default_options)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_another_voice_succeeding_keeps_the_default_voices_issue(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    issue_id = f"voice_not_granted_{setup_entry.entry_id}"
    _restrict(emulator, granted_voices=frozenset({"BV001_streaming"}))
    await emulator.close_idle_connections()
    with pytest.raises(HomeAssistantError):
        await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    await entity.async_get_tts_audio(
        "你好", "zh-CN", {**entity.default_options, "voice": "BV001_streaming"}
    )
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_punctuation_only_text_is_a_translated_nothing_to_speak(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    with pytest.raises(HomeAssistantError) as caught:
        await entity.async_get_tts_audio("。。。！", "zh-CN", entity.default_options)
    assert caught.value.translation_key == "nothing_to_speak"
    assert "nothing to speak" in str(caught.value)


async def test_an_assist_reply_cut_off_by_the_quota_raises_its_repair_not_cannot_connect(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    emulator.faults.error_code = 45000292
    emulator.faults.error_message = "quota exceeded for types: tts_lifetime"
    emulator.faults.error_count = 10

    async def llm_reply() -> AsyncGenerator[str]:
        yield "今天天气很好。"
        yield "明天"
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)  # the server hung up
        yield "会下雨！"

    stream = tts.async_create_stream(hass, ENTITY_ID)
    stream.async_set_message_stream(llm_reply())
    with pytest.raises(HomeAssistantError, match="quota is used up"):
        async for _ in stream.async_stream_result():
            pass
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"quota_exhausted_{setup_entry.entry_id}")
    assert issue is not None
    assert setup_entry.runtime_data.engine.retries == 0
