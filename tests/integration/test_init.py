"""Setting up and unloading a config entry."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.const import CONF_ENDPOINT, CONF_VOICE, DOMAIN
from emulator import Emulator


async def test_setup_and_unload(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("tts.volcengine_text_to_speech") is not None
    # test-before-setup: one short synthesis proved the credentials
    assert len(emulator.requests) == 1

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.NOT_LOADED


async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_ACCESS_TOKEN: "expired"}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_unavailable_service_retries_later(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    emulator.faults.handshake_status = 503
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_permanent_failure_is_a_setup_error(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(config_entry, options={CONF_VOICE: "no_such_voice"})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert config_entry.reason is not None


async def test_refused_endpoint_is_a_setup_error(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_ENDPOINT: "ws://example.com"}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert emulator.requests == []


async def test_option_change_reloads_with_the_new_voice(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(setup_entry, options={CONF_VOICE: "BV002_streaming"})
    await hass.async_block_till_done()
    assert setup_entry.state is ConfigEntryState.LOADED
    assert emulator.requests[-1].voice == "BV002_streaming"
