"""Every branch of the config flow, against the emulator."""

from __future__ import annotations

import socket
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.const import (
    CONF_APP_ID,
    CONF_CLUSTER,
    CONF_ENDPOINT,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    CONF_VOICE,
    DEFAULT_ENDPOINT,
    DEFAULT_VOICE,
    DOMAIN,
    SECTION_CONNECTION,
    VALIDATION_TEXT,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, EmulatorConfig

from .conftest import VOICE, synthesized
from .flows import form_input, section_defaults


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _user_input(emulator: Emulator, **overrides: str) -> dict[str, Any]:
    fields = {
        CONF_APP_ID: DEFAULT_APP_ID,
        CONF_ACCESS_TOKEN: DEFAULT_TOKEN,
        CONF_PROTOCOL: "v3",
        CONF_RESOURCE_ID: "auto",
        CONF_CLUSTER: "volcano_tts",
        CONF_VOICE: VOICE,
        CONF_ENDPOINT: emulator.url,
    } | overrides
    return form_input(**fields)


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    return await hass.config_entries.flow.async_init(  # type: ignore[return-value]
        DOMAIN, context={"source": SOURCE_USER}
    )


async def test_user_step_creates_entry_after_a_real_synthesis(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    result = await _start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator, **{CONF_APP_ID: f" {DEFAULT_APP_ID} "})
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Volcengine (app …-app)"
    assert result["data"] == {
        CONF_APP_ID: DEFAULT_APP_ID,
        CONF_ACCESS_TOKEN: DEFAULT_TOKEN,
        CONF_PROTOCOL: "v3",
        CONF_RESOURCE_ID: "auto",
        CONF_ENDPOINT: emulator.url,
    }  # v3: the cluster (a v1 field) is not kept
    assert result["options"] == {CONF_VOICE: VOICE}
    assert result["result"].unique_id == DEFAULT_APP_ID
    assert result["result"].version == 2
    # test-before-configure: the flow spoke through the emulator with the chosen voice
    session = emulator.sessions[0]
    assert session.speaker == VOICE
    assert session.resource_id == "seed-tts-1.0"
    assert session.texts == ["你好"]


async def test_v1_protocol_uses_the_cluster(hass: HomeAssistant, emulator: Emulator) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator, **{CONF_PROTOCOL: "v1"})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PROTOCOL] == "v1"
    assert result["data"][CONF_CLUSTER] == "volcano_tts"
    assert CONF_RESOURCE_ID not in result["data"]  # a v3 field
    assert emulator.requests[0].voice == VOICE
    assert emulator.requests[0].token == DEFAULT_TOKEN
    assert emulator.sessions == []


async def test_first_form_asks_only_for_credentials_and_a_voice(hass: HomeAssistant) -> None:
    result = await _start(hass)
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [
        CONF_API_KEY,
        CONF_APP_ID,
        CONF_ACCESS_TOKEN,
        CONF_VOICE,
        SECTION_CONNECTION,
    ]
    connection = schema[SECTION_CONNECTION]
    assert isinstance(connection, section)
    assert connection.options["collapsed"] is True
    assert section_defaults(schema) == {
        CONF_VOICE: DEFAULT_VOICE,
        CONF_PROTOCOL: "v3",
        CONF_RESOURCE_ID: "auto",
        CONF_CLUSTER: "volcano_tts",
        CONF_ENDPOINT: DEFAULT_ENDPOINT,
    }
    voices = schema[CONF_VOICE].config["options"]
    assert {"value": VOICE, "label": "Shiny"} in voices  # by name; any id can be typed too


async def test_collapsed_section_left_alone_uses_the_public_endpoint(hass: HomeAssistant) -> None:
    result = await _start(hass)
    with patch("custom_components.volcengine_tts.checks.async_validate", AsyncMock()) as validate:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            form_input(**{CONF_APP_ID: "app", CONF_ACCESS_TOKEN: "tok", CONF_VOICE: VOICE}),
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_APP_ID: "app",
        CONF_ACCESS_TOKEN: "tok",
        CONF_PROTOCOL: "v3",
        CONF_RESOURCE_ID: "auto",
        CONF_ENDPOINT: DEFAULT_ENDPOINT,
    }
    engine = validate.call_args.args[0]
    assert engine.config.endpoint == DEFAULT_ENDPOINT


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({CONF_ACCESS_TOKEN: "wrong-token"}, "invalid_auth"),
        ({CONF_APP_ID: "unknown-app"}, "invalid_auth"),
        ({CONF_CLUSTER: "volcano_icl", CONF_PROTOCOL: "v1"}, "resource_not_granted"),
        ({CONF_RESOURCE_ID: "seed-tts-2.0"}, "resource_not_granted"),
        ({CONF_RESOURCE_ID: "no-such-resource"}, "invalid_resource"),
        ({CONF_VOICE: "no_such_voice"}, "unknown_voice"),
    ],
)
async def test_service_rejections_are_shown_on_the_form(
    hass: HomeAssistant, emulator: Emulator, overrides: dict[str, str], error: str
) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator, **overrides)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    # the form keeps what the user typed, except the token
    defaults = section_defaults(result["data_schema"].schema)
    assert defaults[CONF_APP_ID] == overrides.get(CONF_APP_ID, DEFAULT_APP_ID)
    assert defaults[CONF_RESOURCE_ID] == overrides.get(CONF_RESOURCE_ID, "auto")


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            accounts={
                DEFAULT_APP_ID: Account(
                    DEFAULT_APP_ID, DEFAULT_TOKEN, granted_voices=frozenset({"BV001_streaming"})
                )
            }
        )
    ],
)
async def test_voice_not_granted(hass: HomeAssistant, emulator: Emulator) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator)
    )
    assert result["errors"] == {"base": "resource_not_granted"}


async def test_quota_exhausted(hass: HomeAssistant, emulator: Emulator) -> None:
    emulator.faults.error_code = 3001
    emulator.faults.error_message = "quota exceeded for types: tts_lifetime"
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator)
    )
    assert result["errors"] == {"base": "quota_exhausted"}


async def test_unreachable_service(hass: HomeAssistant, emulator: Emulator) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _user_input(emulator, **{CONF_ENDPOINT: f"ws://127.0.0.1:{_free_port()}"}),
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_busy_service_is_cannot_connect(hass: HomeAssistant, emulator: Emulator) -> None:
    emulator.faults.handshake_status = 503
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator)
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_plain_ws_to_a_remote_host_is_refused(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator, **{CONF_ENDPOINT: "ws://openspeech.bytedance.com"})
    )
    assert result["errors"] == {"base": "invalid_endpoint"}
    assert emulator.requests == []


async def test_protocol_garbage_is_unknown(hass: HomeAssistant, emulator: Emulator) -> None:
    emulator.faults.malformed_after_frames = 0
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator)
    )
    assert result["errors"] == {"base": "unknown"}


async def test_unexpected_exception_is_unknown(hass: HomeAssistant, emulator: Emulator) -> None:
    result = await _start(hass)
    with patch(
        "custom_components.volcengine_tts.checks.async_validate",
        AsyncMock(side_effect=RuntimeError("boom")),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(emulator)
        )
    assert result["errors"] == {"base": "unknown"}


async def test_error_then_success(hass: HomeAssistant, emulator: Emulator) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator, **{CONF_ACCESS_TOKEN: "wrong"})
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_app_id_only_once(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert emulator.requests == []


async def test_reauth_replaces_the_token(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_ACCESS_TOKEN: "expired"}
    )
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: DEFAULT_TOKEN}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data[CONF_ACCESS_TOKEN] == DEFAULT_TOKEN
    assert config_entry.data[CONF_APP_ID] == DEFAULT_APP_ID


async def test_reauth_reloads_exactly_once(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    setup_calls: AsyncMock,
) -> None:
    before = len(synthesized(emulator))
    result = await setup_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: DEFAULT_TOKEN}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert setup_calls.await_count == 1
    assert setup_entry.state is ConfigEntryState.LOADED
    # billed: the flow's check, nothing more (set-up proves the login for free)
    assert synthesized(emulator)[before:] == [(VOICE, VALIDATION_TEXT)]
    assert setup_entry.runtime_data.usage.characters("month") == len(VALIDATION_TEXT)


def _reconfigure_input(emulator: Emulator, **overrides: str) -> dict[str, Any]:
    fields = {
        CONF_APP_ID: DEFAULT_APP_ID,
        CONF_PROTOCOL: "v3",
        CONF_RESOURCE_ID: "auto",
        CONF_CLUSTER: "volcano_tts",
        CONF_ENDPOINT: emulator.url,
    } | overrides
    return form_input(**fields)


async def test_reconfigure_has_the_same_layout_without_the_voice(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    result = await setup_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [
        CONF_API_KEY,
        CONF_APP_ID,
        CONF_ACCESS_TOKEN,
        SECTION_CONNECTION,
    ]
    assert schema[SECTION_CONNECTION].options["collapsed"] is True
    defaults = section_defaults(schema)
    assert defaults[CONF_APP_ID] == DEFAULT_APP_ID
    assert defaults[CONF_ENDPOINT] == emulator.url  # the entry's own values, pre-filled
    assert CONF_ACCESS_TOKEN not in defaults


async def test_reconfigure_switches_protocol_and_keeps_the_token(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    result = await setup_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _reconfigure_input(emulator, **{CONF_PROTOCOL: "v1", CONF_CLUSTER: "volcano_tts"}),
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert setup_entry.data[CONF_PROTOCOL] == "v1"
    assert setup_entry.data[CONF_CLUSTER] == "volcano_tts"
    assert CONF_RESOURCE_ID not in setup_entry.data
    assert setup_entry.data[CONF_ACCESS_TOKEN] == DEFAULT_TOKEN
    assert emulator.requests  # the check and the reload spoke over v1


async def test_reconfigure_reloads_exactly_once(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    setup_calls: AsyncMock,
) -> None:
    before = len(synthesized(emulator))
    result = await setup_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _reconfigure_input(emulator, **{CONF_PROTOCOL: "v1"})
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert setup_calls.await_count == 1
    assert setup_entry.state is ConfigEntryState.LOADED
    # the flow's check only: v1 has no free check, so set-up trusts what the flow proved
    assert synthesized(emulator)[before:] == [(VOICE, VALIDATION_TEXT)]
    assert len(emulator.requests) == 1  # over v1, the new protocol


async def test_reconfigure_refuses_another_app(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """Issue 11 item 5: reconfigure never switches the entry to another account."""
    emulator.config.accounts["second-app"] = Account("second-app", "second-token")
    before = len(synthesized(emulator))
    result = await setup_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _reconfigure_input(
            emulator, **{CONF_APP_ID: "second-app", CONF_ACCESS_TOKEN: "second-token"}
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert setup_entry.unique_id == DEFAULT_APP_ID
    assert setup_entry.data[CONF_APP_ID] == DEFAULT_APP_ID
    assert setup_entry.data[CONF_ACCESS_TOKEN] == DEFAULT_TOKEN
    assert len(synthesized(emulator)) == before  # nothing billed for a refused switch


async def test_reconfigure_cannot_take_over_another_entry(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain=DOMAIN, unique_id="other-app", data={})
    other.add_to_hass(hass)
    result = await setup_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _reconfigure_input(emulator, **{CONF_APP_ID: "other-app"})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert other.data == {}
    assert setup_entry.unique_id == DEFAULT_APP_ID


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(max_concurrency=1)])
@pytest.mark.parametrize("flow", ["reauth", "reconfigure"])
async def test_the_check_does_not_compete_with_the_entrys_idle_connections(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, flow: str
) -> None:
    """Issue 11 item 6: the entry's own warm connection must not block the flow's check."""
    assert emulator.open_connections(DEFAULT_APP_ID) == 1  # the entry's warm connection
    if flow == "reauth":
        result = await setup_entry.start_reauth_flow(hass)
        user_input: dict[str, Any] = {CONF_ACCESS_TOKEN: DEFAULT_TOKEN}
    else:
        result = await setup_entry.start_reconfigure_flow(hass)
        user_input = _reconfigure_input(emulator)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT, result.get("errors")
    assert result["reason"] == f"{flow}_successful"
    assert setup_entry.state is ConfigEntryState.LOADED


async def test_an_empty_voice_is_refused_without_asking_the_service(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(emulator, **{CONF_VOICE: "  "})
    )
    assert result["errors"] == {CONF_VOICE: "voice_required"}
    assert emulator.connections == 0


async def test_two_accounts_are_told_apart_by_their_titles(
    hass: HomeAssistant, emulator: Emulator
) -> None:
    """Issue 17.5: every entry was titled "Volcengine", so a second account's ids ended in _2."""
    emulator.config.accounts["1234567890"] = Account("1234567890", "token-2", api_key="secret-key")
    for login in (
        {CONF_APP_ID: DEFAULT_APP_ID, CONF_ACCESS_TOKEN: DEFAULT_TOKEN},
        {CONF_APP_ID: "", CONF_ACCESS_TOKEN: "", CONF_API_KEY: "secret-key"},
    ):
        result = await _start(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(emulator, **login)
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
        await hass.async_block_till_done(wait_background_tasks=True)
    titles = [entry.title for entry in hass.config_entries.async_entries(DOMAIN)]
    assert titles[0] == "Volcengine (app …-app)"
    assert titles[1].startswith("Volcengine (key ")
    assert "secret" not in titles[1]
    speakers = sorted(hass.states.async_entity_ids("tts"))
    assert len(speakers) == 2
    assert not [entity_id for entity_id in speakers if entity_id.endswith("_2")]


async def test_reconfigure_takes_a_pasted_api_url(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """Issue 17.3: the reload after reconfigure failed on the recogniser's refusal of a path."""
    result = await setup_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _reconfigure_input(emulator, **{CONF_ENDPOINT: emulator.url + "/api/v3/tts/bidirection"}),
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["reason"] == "reconfigure_successful"
    assert setup_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("stt.volcengine_speech_to_text") is not None
