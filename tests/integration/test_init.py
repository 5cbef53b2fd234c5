"""Setting up and unloading a config entry."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.const import CONF_ENDPOINT, CONF_VOICE, DOMAIN
from custom_components.volcengine_tts.volcengine import InvalidEndpointError
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator

from .conftest import VOICE, change_options, synthesized


async def test_setup_and_unload(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("tts.volcengine_text_to_speech") is not None

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.NOT_LOADED


async def test_setup_proves_the_login_without_billing_a_character(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Issue 17.2: a restart bills nothing; the check's connection is kept warm."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert synthesized(emulator) == []
    assert emulator.billed(DEFAULT_APP_ID) == 0
    check = emulator.sessions[0]
    assert (check.speaker, check.texts, check.canceled) == (VOICE, [], True)
    assert emulator.open_connections(DEFAULT_APP_ID) == 1
    pool = config_entry.runtime_data.engine.diagnostics()["pool"]
    assert pool["idle"] == 1

    entity = hass.data["entity_components"]["tts"].get_entity("tts.volcengine_text_to_speech")
    await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    spoken = emulator.sessions[-1]
    assert spoken.texts == ["你好"]
    assert spoken.connection_id == check.connection_id  # the check's connection, still warm
    assert (
        config_entry.runtime_data.engine.diagnostics()["pool"]["statistics"]["warm_sessions_used"]
        == 1
    )


@pytest.mark.parametrize("protocol", ["v1"])
async def test_a_v1_setup_trusts_the_saved_login(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Issue 17.2: v1 has no free check, so set-up sends nothing; the first request tells."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("protocol", "path"),
    [("v3", "/api/v3/tts/bidirection"), ("v1", "/api/v1/tts/ws_binary")],
)
async def test_a_pasted_api_url_sets_up_synthesis_and_recognition(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry, path: str
) -> None:
    """Issue 17.3: the recogniser used to refuse the full URL synthesis took."""
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_ENDPOINT: emulator.url + path}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("stt.volcengine_speech_to_text") is not None
    assert emulator.recognitions  # the background check reached the recogniser
    assert not ir.async_get(hass).issues


async def test_a_failed_setup_closes_what_it_opened(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Issue 17.3: the engine set-up built was left open when set-up failed."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_VOICE: "no_such_voice"})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)


async def test_a_recogniser_refusing_its_endpoint_fails_setup_translated_and_closed(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Issue 17.3: the recogniser's InvalidEndpointError escaped untranslated, engine left open."""
    refusal = InvalidEndpointError("The endpoint must be a bare address")
    with patch("custom_components.volcengine_tts.create_recognizer", side_effect=refusal):
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert config_entry.reason is not None
    assert config_entry.reason.startswith("The configured endpoint is not allowed")
    await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)
    assert synthesized(emulator) == []


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
    assert config_entry.reason is not None
    assert "only allowed on this machine" in config_entry.reason  # translated, with the cause
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
    (entity_id,) = hass.states.async_entity_ids("tts")
    entity = hass.data["entity_components"]["tts"].get_entity(entity_id)
    await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    assert emulator.requests[-1].voice == "BV001_streaming"  # spoken over v1


async def test_entries_from_0_1_keep_speech_to_text_off(
    hass: HomeAssistant, emulator: Emulator, entry_data: dict[str, str]
) -> None:
    """Issue 17.5: 0.1 knew no STT; an account without recognition got a repair it never wanted."""
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, resources=frozenset({"seed-tts-1.0"})
    )
    old = {
        key: value for key, value in entry_data.items() if key not in ("protocol", "resource_id")
    }
    entry = MockConfigEntry(domain=DOMAIN, version=1, unique_id="emulator-app", data=old)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options["speech_to_text"] == {"stt_enabled": False}
    assert hass.states.get("stt.volcengine_speech_to_text") is None
    assert not ir.async_get(hass).issues


async def test_entries_from_a_future_version_are_refused(
    hass: HomeAssistant, entry_data: dict[str, str]
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, version=3, unique_id="x", data=entry_data)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
