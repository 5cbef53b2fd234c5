"""The options flow: defaults by name, validated, applied by a reload."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from emulator import Emulator

from .conftest import synthesized

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
        "custom_voices": ["S_clone01"],
        "max_concurrency": 1,
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
