"""A compressed month of a free-tier home: the acceptance run of issue 17.

Created through the config flow (which speaks once, billed); an announcement;
the month sensor switched off; a restart; another announcement; the quota runs
out and Home Assistant restarts; an announcement refused; the quota refilled;
an announcement without a reload; the sensor switched back on; a restart. The
month shown must equal what the emulator billed, and no restart may have
sent a synthesis.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from custom_components.volcengine_tts.const import DOMAIN
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator

from .conftest import VOICE
from .flows import form_input

QUOTA = 20
"""The trial's characters: used up by the third announcement."""


@pytest.fixture(autouse=True)
async def shanghai(hass: HomeAssistant) -> None:
    """Count in the users' own time zone."""
    await hass.config.async_set_time_zone("Asia/Shanghai")


async def _add_through_the_flow(hass: HomeAssistant, emulator: Emulator) -> ConfigEntry:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        form_input(
            app_id=DEFAULT_APP_ID,
            access_token=DEFAULT_TOKEN,
            voice=VOICE,
            protocol="v3",
            resource_id="auto",
            cluster="volcano_tts",
            endpoint=emulator.url,
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    entry: ConfigEntry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


def _entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None
    return entity_id


async def _speak(hass: HomeAssistant, entry: ConfigEntry, text: str) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(
        _entity_id(hass, "tts", entry.entry_id)
    )
    _, audio = await entity.async_get_tts_audio(text, "zh-CN", entity.default_options)
    assert audio


async def _restart(hass: HomeAssistant, entry: ConfigEntry, emulator: Emulator) -> None:
    """Restart as far as the entry sees it, and check the restart billed nothing."""
    syntheses = _syntheses(emulator)
    billed = emulator.billed(DEFAULT_APP_ID)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert _syntheses(emulator) == syntheses
    assert emulator.billed(DEFAULT_APP_ID) == billed


def _syntheses(emulator: Emulator) -> list[str]:
    return ["".join(session.texts) for session in emulator.sessions if session.texts]


def _switch(hass: HomeAssistant, entity_id: str, *, on: bool) -> None:
    er.async_get(hass).async_update_entity(
        entity_id, disabled_by=None if on else er.RegistryEntryDisabler.USER
    )


async def test_a_compressed_month_counts_every_billed_character_once(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    account = replace(emulator.config.accounts[DEFAULT_APP_ID], character_quota=QUOTA)
    emulator.config.accounts[DEFAULT_APP_ID] = account
    entry = await _add_through_the_flow(hass, emulator)  # the flow's check: 2 characters
    month = _entity_id(hass, "sensor", f"{entry.entry_id}_characters_month")
    quota_issue = f"quota_exhausted_{entry.entry_id}"

    await _speak(hass, entry, "洗衣机洗好了")
    _switch(hass, month, on=False)
    await _restart(hass, entry, emulator)
    await _speak(hass, entry, "我们到家了，欢迎回来了呀")  # 20 billed: the quota is used up

    await _restart(hass, entry, emulator)  # Home Assistant restarts with no quota left
    with pytest.raises(HomeAssistantError, match="quota is used up"):
        await _speak(hass, entry, "快递到了")
    assert ir.async_get(hass).async_get_issue(DOMAIN, quota_issue) is not None

    emulator.config.accounts[DEFAULT_APP_ID] = replace(account, character_quota=QUOTA * 10)
    await _speak(hass, entry, "快递到了")  # no reload needed
    assert ir.async_get(hass).async_get_issue(DOMAIN, quota_issue) is None

    _switch(hass, month, on=True)
    await _restart(hass, entry, emulator)
    billed = emulator.billed(DEFAULT_APP_ID)
    assert billed == 2 + 6 + 12 + 4
    state = hass.states.get(month)
    assert state is not None
    assert int(state.state) == billed
    assert entry.runtime_data.usage.characters("month") == billed
    assert _syntheses(emulator) == ["你好", "洗衣机洗好了", "我们到家了，欢迎回来了呀", "快递到了"]
    assert entry.runtime_data.usage.counts["month"].key == dt_util.now().strftime("%Y-%m")
