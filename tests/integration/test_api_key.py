"""The new console's API key through Home Assistant: setup, reauth, reconfigure, redaction.

The key is a distinctive fake so a leak cannot hide among other strings; the
emulator (the server) sees it by design, so only its own loggers are exempt.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from homeassistant.components import stt
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts import config_flow
from custom_components.volcengine_tts.const import (
    CONF_APP_ID,
    CONF_ENDPOINT,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    CONF_VOICE,
    DEFAULT_TITLE,
    DOMAIN,
)
from custom_components.volcengine_tts.diagnostics import async_get_config_entry_diagnostics
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, EmulatorConfig

from .conftest import VOICE
from .flows import form_input

API_KEY = "ak-SECRET-3f9d1c"
ROTATED_KEY = "ak-ROTATED-8e2b"
WRONG_KEY = "ak-WRONG-0a4e"
KEYS = (API_KEY, ROTATED_KEY, WRONG_KEY)
SERVER_SIDE = ("emulator", "websockets.server")
ENTITY_ID = "tts.volcengine_text_to_speech"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(
        accounts={DEFAULT_APP_ID: Account(DEFAULT_APP_ID, DEFAULT_TOKEN, api_key=API_KEY)}
    )


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every logger at DEBUG (websockets writes request headers there)."""
    caplog.set_level(logging.DEBUG)


@pytest.fixture
def api_key_entry(hass: HomeAssistant, emulator: Emulator) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title=DEFAULT_TITLE,
        unique_id="api_key_test",
        data={
            CONF_API_KEY: API_KEY,
            CONF_PROTOCOL: "v3",
            CONF_RESOURCE_ID: "auto",
            CONF_ENDPOINT: emulator.url,
        },
        options={CONF_VOICE: VOICE},
    )
    entry.add_to_hass(hass)
    return entry


def _user_input(emulator: Emulator, **overrides: str) -> dict[str, Any]:
    fields = {
        CONF_API_KEY: API_KEY,
        CONF_PROTOCOL: "v3",
        CONF_RESOURCE_ID: "auto",
        CONF_VOICE: VOICE,
        CONF_ENDPOINT: emulator.url,
    } | overrides
    return form_input(**{key: value for key, value in fields.items() if value is not None})


async def _submit(hass: HomeAssistant, user_input: dict[str, Any]) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()
    return result


def _assert_no_key_leaks(hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
    client_records = [
        record
        for record in [*caplog.get_records("setup"), *caplog.records]
        if not record.name.startswith(SERVER_SIDE)
    ]
    assert any(
        record.name.startswith("custom_components.volcengine_tts") for record in client_records
    )
    states = json.dumps([state.as_dict() for state in hass.states.async_all()], default=str)
    for key in KEYS:
        assert key not in states
        for record in client_records:
            assert key not in record.getMessage(), record.name
            assert key not in repr(record.args)


# ------------------------------------------------------------------ setup


async def test_setup_with_an_api_key_creates_an_entry_after_a_real_synthesis(
    hass: HomeAssistant, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    result = await _submit(hass, _user_input(emulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_API_KEY: API_KEY,
        CONF_PROTOCOL: "v3",
        CONF_RESOURCE_ID: "auto",
        CONF_ENDPOINT: emulator.url,
    }
    unique_id = result["result"].unique_id
    assert unique_id.startswith("api_key_")
    assert API_KEY not in unique_id
    # The check spoke through the account the key belongs to.
    assert emulator.sessions[0].app_id == DEFAULT_APP_ID
    assert emulator.sessions[0].texts == ["你好"]
    _assert_no_key_leaks(hass, caplog)


async def test_the_same_api_key_cannot_be_added_twice(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    assert (await _submit(hass, _user_input(emulator)))["type"] is FlowResultType.CREATE_ENTRY
    result = await _submit(hass, _user_input(emulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("login", "error"),
    [
        ({CONF_ACCESS_TOKEN: DEFAULT_TOKEN, CONF_APP_ID: DEFAULT_APP_ID}, "choose_one_login"),
        ({CONF_API_KEY: None}, "login_required"),
        ({CONF_API_KEY: None, CONF_APP_ID: DEFAULT_APP_ID}, "app_login_incomplete"),
        ({CONF_API_KEY: WRONG_KEY}, "invalid_auth"),
        ({CONF_PROTOCOL: "v1"}, "api_key_needs_v3"),
    ],
)
async def test_the_setup_form_tells_the_login_mistakes_apart(
    hass: HomeAssistant, emulator: Emulator, login: dict[str, Any], error: str
) -> None:
    result = await _submit(hass, _user_input(emulator, **login))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


async def test_an_api_key_without_the_resource_says_resource_not_granted(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, api_key=API_KEY, resources=frozenset({"seed-tts-2.0"})
    )
    result = await _submit(hass, _user_input(emulator))
    assert result["errors"] == {"base": "resource_not_granted"}


async def test_an_api_key_entry_speaks(
    hass: HomeAssistant, api_key_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    assert await hass.config_entries.async_setup(api_key_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    extension, audio = await entity.async_get_tts_audio("你好", "zh-CN", entity.default_options)
    assert extension == "mp3"
    assert audio
    _assert_no_key_leaks(hass, caplog)


async def test_a_v1_entry_with_an_api_key_fails_setup_with_a_clear_error(
    hass: HomeAssistant, api_key_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        api_key_entry, data={**api_key_entry.data, CONF_PROTOCOL: "v1"}
    )
    assert not await hass.config_entries.async_setup(api_key_entry.entry_id)
    assert api_key_entry.state is ConfigEntryState.SETUP_ERROR
    assert api_key_entry.reason is not None
    assert "v1" in api_key_entry.reason
    assert API_KEY not in api_key_entry.reason


# ------------------------------------------------------------------ reauth


async def test_a_rejected_api_key_starts_reauth_and_a_new_key_fixes_it(
    hass: HomeAssistant,
    emulator: Emulator,
    api_key_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The key was rotated in the console while Home Assistant was off.
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, api_key=ROTATED_KEY
    )
    assert not await hass.config_entries.async_setup(api_key_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert api_key_entry.state is ConfigEntryState.SETUP_ERROR
    assert "45000010" in (api_key_entry.reason or "")
    (flow,) = api_key_entry.async_get_active_flows(hass, {"reauth"})
    assert flow["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: WRONG_KEY}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: ROTATED_KEY}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert api_key_entry.data[CONF_API_KEY] == ROTATED_KEY
    assert api_key_entry.state is ConfigEntryState.LOADED
    # Same entry, now named by the rotated key's digest (never the key itself).
    assert api_key_entry.unique_id is not None
    assert api_key_entry.unique_id.startswith("api_key_")
    assert ROTATED_KEY not in api_key_entry.unique_id
    _assert_no_key_leaks(hass, caplog)


async def test_reauth_can_switch_from_the_token_to_an_api_key(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await setup_entry.start_reauth_flow(hass)
    schema_keys = [str(key) for key in result["data_schema"].schema]
    assert schema_keys == [CONF_API_KEY, CONF_APP_ID, CONF_ACCESS_TOKEN]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert setup_entry.data[CONF_API_KEY] == API_KEY
    assert CONF_ACCESS_TOKEN not in setup_entry.data
    assert CONF_APP_ID not in setup_entry.data
    assert setup_entry.state is ConfigEntryState.LOADED


async def test_reauth_needs_a_new_secret(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    result = await setup_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "app_login_incomplete"}


# ------------------------------------------------------------------ reconfigure


async def test_reconfigure_keeps_the_api_key_when_left_empty(
    hass: HomeAssistant, emulator: Emulator, api_key_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(api_key_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await api_key_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        form_input(
            **{
                CONF_PROTOCOL: "v3",
                CONF_RESOURCE_ID: "seed-tts-1.0",
                CONF_ENDPOINT: emulator.url,
            }
        ),
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert api_key_entry.data[CONF_API_KEY] == API_KEY
    assert api_key_entry.data[CONF_RESOURCE_ID] == "seed-tts-1.0"


async def test_reconfigure_can_switch_from_the_api_key_to_app_id_and_token(
    hass: HomeAssistant, emulator: Emulator, api_key_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(api_key_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await api_key_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        form_input(
            **{
                CONF_APP_ID: DEFAULT_APP_ID,
                CONF_ACCESS_TOKEN: DEFAULT_TOKEN,
                CONF_PROTOCOL: "v1",
                "cluster": "volcano_tts",
                CONF_RESOURCE_ID: "auto",
                CONF_ENDPOINT: emulator.url,
            }
        ),
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert CONF_API_KEY not in api_key_entry.data
    assert api_key_entry.data[CONF_APP_ID] == DEFAULT_APP_ID
    assert api_key_entry.unique_id == DEFAULT_APP_ID
    assert api_key_entry.state is ConfigEntryState.LOADED


# ------------------------------------------------------------------ redaction


async def test_diagnostics_redact_the_api_key(
    hass: HomeAssistant, api_key_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(api_key_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    diagnostics = await async_get_config_entry_diagnostics(hass, api_key_entry)
    assert diagnostics["entry"]["data"][CONF_API_KEY] == "**REDACTED**"
    assert API_KEY not in json.dumps(diagnostics, default=str)


# ------------------------------------------------------------------ one entry per account


async def test_reconfigure_cannot_switch_a_key_entry_to_another_entrys_app_id(
    hass: HomeAssistant,
    emulator: Emulator,
    api_key_entry: MockConfigEntry,
    setup_entry: MockConfigEntry,
) -> None:
    """An API key names no app, so only the other entry tells: its app id is taken."""
    result = await api_key_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        form_input(
            **{
                CONF_APP_ID: DEFAULT_APP_ID,
                CONF_ACCESS_TOKEN: DEFAULT_TOKEN,
                CONF_PROTOCOL: "v3",
                CONF_RESOURCE_ID: "auto",
                CONF_ENDPOINT: emulator.url,
            }
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert api_key_entry.data[CONF_API_KEY] == API_KEY
    assert api_key_entry.unique_id == "api_key_test"
    assert setup_entry.unique_id == DEFAULT_APP_ID


async def test_reauth_cannot_switch_an_app_entry_to_another_entrys_key(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    key_data = {CONF_API_KEY: API_KEY, CONF_PROTOCOL: "v3", CONF_ENDPOINT: emulator.url}
    MockConfigEntry(
        domain=DOMAIN,
        version=2,
        unique_id=config_flow._unique_id(key_data),  # as the setup form names a key's entry
        data=key_data,
        options={CONF_VOICE: VOICE},
    ).add_to_hass(hass)
    result = await setup_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert setup_entry.data[CONF_ACCESS_TOKEN] == DEFAULT_TOKEN
    assert CONF_API_KEY not in setup_entry.data


async def test_the_background_recognition_check_starts_reauth_for_a_rejected_api_key(
    hass: HomeAssistant, emulator: Emulator, api_key_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_setup(api_key_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not list(api_key_entry.async_get_active_flows(hass, {"reauth"}))  # the right key passes
    # The key is rotated in the console: the recognition upgrade still succeeds (45000010
    # comes in the first answer), so only a check that waits for that answer notices.
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, api_key=ROTATED_KEY
    )
    recognition = stt.async_get_speech_to_text_entity(hass, "stt.volcengine_speech_to_text")
    assert recognition is not None
    await recognition._async_check_access()  # type: ignore[attr-defined]
    await hass.async_block_till_done()
    (flow,) = api_key_entry.async_get_active_flows(hass, {"reauth"})
    assert flow["step_id"] == "reauth_confirm"
