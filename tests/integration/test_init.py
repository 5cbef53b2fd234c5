"""Setting up and unloading a config entry."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.const import CONF_ENDPOINT, CONF_VOICE, DOMAIN
from emulator import Emulator

from .conftest import change_options, synthesized


async def test_setup_and_unload(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("tts.volcengine_text_to_speech") is not None
    # test-before-setup: one short synthesis proved the credentials
    assert len(synthesized(emulator)) == 1

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
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_unavailable_service_retries_later(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    emulator.faults.handshake_status = 503
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_permanent_failure_is_a_setup_error(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(config_entry, options={CONF_VOICE: "no_such_voice"})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert config_entry.reason is not None


async def test_refused_endpoint_is_a_setup_error(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_ENDPOINT: "ws://example.com"}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert synthesized(emulator) == []


async def test_option_change_reloads_with_the_new_voice(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    await change_options(hass, setup_entry, **{CONF_VOICE: "BV002_streaming"})
    assert setup_entry.state is ConfigEntryState.LOADED
    assert synthesized(emulator)[-1][0] == "BV002_streaming"


async def test_version_1_entries_migrate_to_the_v1_protocol(
    hass: HomeAssistant, emulator: Emulator, entry_data: dict[str, str]
) -> None:
    old = {
        key: value for key, value in entry_data.items() if key not in ("protocol", "resource_id")
    }
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        unique_id="emulator-app",
        data=old,
        options={CONF_VOICE: "BV001_streaming"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.version == 2
    assert entry.data["protocol"] == "v1"
    assert entry.state is ConfigEntryState.LOADED
    assert emulator.requests[-1].voice == "BV001_streaming"  # spoken over v1


async def test_entries_from_a_future_version_are_refused(
    hass: HomeAssistant, entry_data: dict[str, str]
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, version=3, unique_id="x", data=entry_data)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
