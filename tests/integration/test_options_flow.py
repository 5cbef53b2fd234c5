"""The options flow: defaults by name, validated, applied by a reload."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.const import VALIDATION_TEXT
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, EmulatorConfig

from .conftest import change_options, synthesized

EMOTIONAL = "zh_female_shuangkuaisisi_emo_v2_mars_bigtts"


def _input(**overrides: Any) -> dict[str, Any]:
    return {
        "voice": "BV002_streaming",
        "speed": 1.25,
        "volume": 1.0,
        "pitch": 2,
        "emotion_scale": 3,
        "format": "mp3",
        "sample_rate": "44100",
        "custom_voices": [" S_clone01 ", "S_clone01", ""],
        "max_concurrency": 1,
    } | overrides


async def test_the_form_shows_voices_by_name(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    hass.config.language = "zh-Hans"
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    voice_selector = result["data_schema"].schema["voice"]
    options = voice_selector.config["options"]
    assert {"value": "zh_female_cancan_mars_bigtts", "label": "灿灿"} in options
    assert len(options) >= 60


async def test_saving_options_reloads_with_the_new_defaults(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, setup_calls: AsyncMock
) -> None:
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], _input())
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_calls.await_count == 1  # the flow's own reload, once
    assert setup_entry.options == {
        "voice": "BV002_streaming",
        "speed": 1.25,
        "volume": 1.0,
        "pitch": 2,
        "emotion_scale": 3,
        "format": "mp3",
        "sample_rate": 44100,
        "filter_markdown": True,
        "custom_voices": ["S_clone01"],
        "max_concurrency": 1,
        "monthly_budget": 0,
        "speech_to_text": {
            "stt_enabled": True,
            "stt_resource_id": "volc.bigasr.sauc.duration",
            "stt_punctuation": True,
            "stt_itn": True,
            "stt_hot_words": [],
        },
    }
    # the reload validated the new default voice, and the entity uses the defaults
    assert synthesized(emulator)[-1][0] == "BV002_streaming"
    entity = hass.data["entity_components"]["tts"].get_entity("tts.volcengine_text_to_speech")
    assert entity.default_options["speed"] == 1.25
    assert entity.default_options["sample_rate"] == 44100
    assert setup_entry.runtime_data.engine.config.max_concurrency == 1
    assert entity.async_get_supported_voices("zh-CN")[-1].voice_id == "S_clone01"


async def test_an_emotion_the_voice_lacks_is_refused(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _input(voice="zh_female_cancan_mars_bigtts", emotion="angry")
    )
    assert result["errors"] == {"emotion": "emotion_not_supported"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _input(voice=EMOTIONAL, emotion="happy")
    )
    await hass.async_block_till_done()  # the reload it schedules
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_entry.options["emotion"] == "happy"


async def test_a_voice_is_required(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], _input(voice=" "))
    assert result["errors"] == {"voice": "voice_required"}


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            accounts={
                DEFAULT_APP_ID: Account(
                    DEFAULT_APP_ID,
                    DEFAULT_TOKEN,
                    granted_voices=frozenset({"zh_female_cancan_mars_bigtts"}),
                )
            }
        )
    ],
)
async def test_a_default_voice_the_app_may_not_use_is_refused(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, setup_calls: AsyncMock
) -> None:
    """Issue 11 item 7: the options check the new default voice, as set-up does."""
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], _input())
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "resource_not_granted"}
    assert "BV002_streaming" in [session.speaker for session in emulator.sessions]  # tried
    assert setup_calls.await_count == 0  # nothing saved, nothing reloaded
    assert setup_entry.options == {"voice": "zh_female_cancan_mars_bigtts"}
    assert setup_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("tts.volcengine_text_to_speech") is not None


async def test_unchanged_defaults_are_not_checked_again(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """Only a change of what a request sends costs a billed check."""
    await change_options(hass, setup_entry, max_concurrency=1)  # nothing a request sends
    before = len(synthesized(emulator))
    await change_options(hass, setup_entry, monthly_budget=1000)
    assert synthesized(emulator)[before:] == []  # neither the form nor the reload's set-up


async def test_any_changed_default_is_checked_as_set_up_will_send_it(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """Not only the voice: emotion, format and rate are refused by the set-up after it too."""
    before = len(emulator.sessions)
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _input(voice="zh_female_cancan_mars_bigtts", sample_rate="16000")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    check = next(session for session in emulator.sessions[before:] if session.texts)
    assert check.texts == [VALIDATION_TEXT]
    assert check.audio_params["sample_rate"] == 16000  # the new default, before it was saved
    await hass.async_block_till_done()


async def test_the_voice_of_an_entry_that_is_not_loaded_is_checked_on_its_own(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], _input())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the flow's reload sets it up
    assert synthesized(emulator)[0] == ("BV002_streaming", VALIDATION_TEXT)


async def test_markdown_filtering_can_be_turned_off_as_a_default(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**_input(), "filter_markdown": False}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_entry.options["filter_markdown"] is False
    entity = hass.data["entity_components"]["tts"].get_entity("tts.volcengine_text_to_speech")
    # a default, so in Home Assistant's cache key: old filtered audio is not replayed
    assert entity.default_options["filter_markdown"] is False
    assert setup_entry.runtime_data.engine.config.warm_settings.filter_markdown is False
