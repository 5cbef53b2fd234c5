"""Usage sensors through Home Assistant: what is billed per local day and month, across restarts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers import restore_state
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_load_restore_state_from_storage,
)

from custom_components.volcengine_tts.const import CONF_VOICE, DOMAIN
from custom_components.volcengine_tts.diagnostics import async_get_config_entry_diagnostics
from custom_components.volcengine_tts.errors import ERROR_KEYS
from custom_components.volcengine_tts.usage import period_key, storage_key
from emulator import Emulator

from .conftest import VOICE

TODAY = "sensor.volcengine_characters_today"
MONTH = "sensor.volcengine_characters_this_month"
LAST_ERROR = "sensor.volcengine_last_error"
TTS_ENTITY = "tts.volcengine_text_to_speech"


@pytest.fixture(autouse=True)
async def shanghai(hass: HomeAssistant) -> None:
    """Count in the users' own time zone: local midnight is not UTC midnight."""
    await hass.config.async_set_time_zone("Asia/Shanghai")


async def _speak(hass: HomeAssistant, message: str) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(TTS_ENTITY)
    await entity.async_get_tts_audio(message, "zh-CN", entity.default_options)
    await hass.async_block_till_done()


def _value(hass: HomeAssistant, entity_id: str) -> int:
    state = hass.states.get(entity_id)
    assert state is not None
    return int(state.state)


def _next_month(now: datetime) -> datetime:
    first = dt_util.start_of_local_day(now).replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


async def test_sensors_are_total_increasing_character_counts(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    for entity_id in (TODAY, MONTH):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes[ATTR_STATE_CLASS] == SensorStateClass.TOTAL_INCREASING
        assert state.attributes["unit_of_measurement"] == "characters"


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_speaking_counts_the_billed_characters(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    assert _value(hass, TODAY) == 0
    await _speak(hass, "洗衣机洗好了")
    assert _value(hass, TODAY) == 6
    assert _value(hass, MONTH) == 6


async def test_local_midnight_starts_a_new_day_but_not_a_new_month(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-12-14 23:59:00+08:00")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await _speak(hass, "洗衣机洗好了")
    freezer.move_to("2026-12-14 23:59:59+08:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _value(hass, TODAY) == 6  # not midnight yet
    freezer.move_to("2026-12-15 00:00:00+08:00")  # 16:00 UTC: local midnight, not UTC's
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _value(hass, TODAY) == 0
    assert _value(hass, MONTH) == 6
    async_fire_time_changed(hass)  # the same midnight again changes nothing
    await hass.async_block_till_done()
    assert _value(hass, MONTH) == 6


async def test_the_first_of_the_month_starts_a_new_month(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-12-31 23:59:00+08:00")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await _speak(hass, "洗衣机洗好了")
    freezer.move_to("2027-01-01 00:00:00+08:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _value(hass, TODAY) == 0
    assert _value(hass, MONTH) == 0


async def _restarted_with(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    saved: list[tuple[State, dict[str, object]]],
) -> None:
    """Load ``saved`` as Home Assistant does after a restart: from its restore-state store.

    (The test plugin's ``mock_restore_cache_with_extra_data`` fills a field that
    Home Assistant 2026.11 no longer reads; the store is the same on every release.)
    """
    hass_storage[restore_state.STORAGE_KEY] = {
        "version": restore_state.STORAGE_VERSION,
        "key": restore_state.STORAGE_KEY,
        "data": [
            {
                "state": json_loads(state.as_dict_json),
                "extra_data": extra_data,
                "last_seen": dt_util.utcnow().isoformat(),
            }
            for state, extra_data in saved
        ],
    }
    await async_mock_load_restore_state_from_storage(hass)


def _saved(entity_id: str, characters: int, period: str) -> tuple[State, dict[str, object]]:
    return (
        State(entity_id, str(characters)),
        {"native_value": characters, "native_unit_of_measurement": "characters", "period": period},
    )


async def test_counts_the_0_2_sensors_saved_are_taken_over(
    hass: HomeAssistant, hass_storage: dict[str, Any], config_entry: MockConfigEntry
) -> None:
    now = dt_util.now()
    await _restarted_with(
        hass,
        hass_storage,
        [
            _saved(TODAY, 120, period_key("today", now)),
            _saved(MONTH, 4000, period_key("month", now)),
        ],
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _value(hass, TODAY) == 120
    assert _value(hass, MONTH) == 4000


async def test_a_count_from_an_ended_period_is_not_restored(
    hass: HomeAssistant, hass_storage: dict[str, Any], config_entry: MockConfigEntry
) -> None:
    await _restarted_with(
        hass, hass_storage, [_saved(TODAY, 120, "2020-01-01"), _saved(MONTH, 4000, "2020-01")]
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _value(hass, TODAY) == 0
    assert _value(hass, MONTH) == 0


async def test_saved_data_that_is_not_a_count_is_ignored(
    hass: HomeAssistant, hass_storage: dict[str, Any], config_entry: MockConfigEntry
) -> None:
    saved: tuple[State, dict[str, object]] = (
        State(TODAY, "12"),
        {"native_value": "12", "native_unit_of_measurement": None},
    )
    await _restarted_with(hass, hass_storage, [saved])
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _value(hass, TODAY) == 0


async def test_a_failed_request_counts_nothing_and_shows_its_code(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    assert hass.states.get(LAST_ERROR).state == "unknown"  # type: ignore[union-attr]
    emulator.faults.error_code = 45000001
    emulator.faults.error_message = "invalid params"
    with pytest.raises(HomeAssistantError):
        await _speak(hass, "洗衣机洗好了")
    assert _value(hass, TODAY) == 0
    state = hass.states.get(LAST_ERROR)
    assert state is not None
    assert state.state == "invalid_input"
    assert state.attributes["code"] == 45000001
    assert dt_util.parse_datetime(state.attributes["time"]) is not None
    assert "invalid params" not in repr(state.as_dict())


async def test_diagnostics_include_the_counters(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    await _speak(hass, "洗衣机洗好了")
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    usage = diagnostics["usage"]
    assert usage["today"]["characters"] == 6
    assert usage["month"] == {
        "period": period_key("month", dt_util.now()),
        "characters": 6,
    }
    assert usage["last_error"] is None


async def test_a_nearly_used_monthly_budget_raises_a_repair_issue_until_the_month_ends(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_VOICE: VOICE, "monthly_budget": 10}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    issue_id = f"monthly_budget_{config_entry.entry_id}"
    await _speak(hass, "洗衣机洗好了")  # 6 of 10: below 90 %
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    await _speak(hass, "我们到家了")  # 11 of 10
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["used"] == "11"
    assert issue.translation_placeholders["budget"] == "10"
    async_fire_time_changed(hass, dt_util.as_utc(_next_month(dt_util.now())))
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_no_budget_no_issue(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    await _speak(hass, "洗衣机洗好了" * 10)
    assert not [issue for issue in ir.async_get(hass).issues.values() if issue.domain == DOMAIN]


def _disable(hass: HomeAssistant, entity_id: str, disabled: bool) -> None:
    er.async_get(hass).async_update_entity(
        entity_id, disabled_by=er.RegistryEntryDisabler.USER if disabled else None
    )


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_the_month_survives_its_sensor_switched_off_and_a_restart(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """Issue 17.4: with the month sensor off, a restart used to start the month at 0"""
    await _speak(hass, "洗衣机洗好了")
    _disable(hass, MONTH, disabled=True)
    await _restart(hass, setup_entry)
    assert hass.states.get(MONTH) is None
    assert setup_entry.runtime_data.usage.characters("month") == 6
    await _speak(hass, "好的")  # counted while the sensor is off

    _disable(hass, MONTH, disabled=False)
    await _restart(hass, setup_entry)
    assert _value(hass, MONTH) == 8  # nothing lost while it was off
    assert _value(hass, TODAY) == 8


async def test_a_sensor_renamed_and_renamed_back_adds_nothing_twice(
    hass: HomeAssistant, hass_storage: dict[str, Any], config_entry: MockConfigEntry
) -> None:
    """Issue 17.4: each restore of a renamed sensor used to add the saved count again."""
    await _restarted_with(
        hass, hass_storage, [_saved(MONTH, 4000, period_key("month", dt_util.now()))]
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    registry = er.async_get(hass)
    registry.async_update_entity(MONTH, new_entity_id="sensor.spent")
    await hass.async_block_till_done()
    registry.async_update_entity("sensor.spent", new_entity_id=MONTH)
    await hass.async_block_till_done()
    assert _value(hass, MONTH) == 4000
    await _restart(hass, config_entry)
    assert _value(hass, MONTH) == 4000  # the store has it now; the old state is not read again


async def test_counts_are_saved_when_home_assistant_stops(
    hass: HomeAssistant, setup_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """Home Assistant's final write saves what the debounce still held (no unload on stop)."""
    await _speak(hass, "洗衣机洗好了")
    key = storage_key(setup_entry.entry_id)
    assert key not in hass_storage  # the debounced save has not run yet
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["month"]["characters"] == 6


async def test_the_usage_goes_with_the_entry(
    hass: HomeAssistant, setup_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    await _speak(hass, "洗衣机洗好了")
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    key = storage_key(setup_entry.entry_id)
    assert hass_storage[key]["data"]["month"]["characters"] == 6  # saved on unload
    assert await hass.config_entries.async_remove(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_the_last_error_survives_a_restart(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    emulator.faults.error_code = 45000292
    emulator.faults.error_message = "quota exceeded for types: tts_lifetime"
    with pytest.raises(HomeAssistantError):
        await _speak(hass, "洗衣机洗好了")
    await _restart(hass, setup_entry)
    state = hass.states.get(LAST_ERROR)
    assert state is not None
    assert state.state == "quota_exhausted"
    assert state.attributes["code"] == 45000292
    assert state.attributes["options"][-1] == "service_error"


@pytest.mark.parametrize("language", ["en", "zh-Hans", "zh-Hant"])
def test_every_last_error_state_is_translated(language: str) -> None:
    """A state without a translation shows its raw key; cloning and SSML added seven."""
    translations = Path(__file__).parents[2] / "custom_components/volcengine_tts/translations"
    strings = json.loads((translations / f"{language}.json").read_text(encoding="utf-8"))
    assert list(strings["entity"]["sensor"]["last_error"]["state"]) == list(ERROR_KEYS)
