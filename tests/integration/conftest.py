"""Fixtures of the Home Assistant layer's tests: a Home Assistant wired to the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.components import media_source
from homeassistant.components.media_player import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.components.media_player import SERVICE_PLAY_MEDIA
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.volcengine_tts import async_setup_entry
from custom_components.volcengine_tts.const import (
    CONF_APP_ID,
    CONF_CLUSTER,
    CONF_ENDPOINT,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    CONF_VOICE,
    DEFAULT_TITLE,
    DOMAIN,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator

VOICE = "zh_female_cancan_mars_bigtts"
OTHER_VOICE = "BV002_streaming"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration under test."""


@pytest.fixture(autouse=True)
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Iterator[Path]:
    """Give every test its own configuration folder, so TTS's disk cache is isolated."""
    original = hass.config.config_dir
    hass.config.config_dir = str(tmp_path)
    yield tmp_path
    hass.config.config_dir = original


@pytest.fixture
def protocol() -> str:
    """The protocol of the config entry; parametrize to test the other one."""
    return "v3"


@pytest.fixture
def app_id() -> str:
    """The entry's app id; override to use other credentials."""
    return DEFAULT_APP_ID


@pytest.fixture
def access_token() -> str:
    """The entry's access token; override to use other credentials."""
    return DEFAULT_TOKEN


@pytest.fixture
def entry_data(emulator: Emulator, protocol: str, app_id: str, access_token: str) -> dict[str, Any]:
    """Config-entry data that points at the emulator."""
    return {
        CONF_APP_ID: app_id,
        CONF_ACCESS_TOKEN: access_token,
        CONF_PROTOCOL: protocol,
        CONF_RESOURCE_ID: "auto",
        CONF_CLUSTER: "volcano_tts",
        CONF_ENDPOINT: emulator.url,
    }


@pytest.fixture
def config_entry(hass: HomeAssistant, entry_data: dict[str, Any], app_id: str) -> MockConfigEntry:
    """A config entry as the config flow creates it (the app id is its unique id)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title=DEFAULT_TITLE,
        unique_id=app_id,
        data=entry_data,
        options={CONF_VOICE: VOICE},
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def setup_calls() -> Iterator[AsyncMock]:
    """Count the entry's set-ups (a reload is one more), still running the real one."""
    with patch(
        "custom_components.volcengine_tts.async_setup_entry", wraps=async_setup_entry
    ) as calls:
        yield calls


@pytest.fixture
async def setup_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The config entry, set up, its background checks done (they talk to the emulator too)."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return config_entry


async def change_options(hass: HomeAssistant, entry: MockConfigEntry, **changes: Any) -> None:
    """Change options as a user does: through the options flow, which reloads the entry."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    shown = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**shown, **changes}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    await hass.async_block_till_done(wait_background_tasks=True)


def synthesized(emulator: Emulator) -> list[tuple[str, str]]:
    """(voice, text) of every synthesis the emulator was asked for.

    v1 requests, and v3 sessions that received text (sessions begun ahead of
    need and never used, or canceled unused, are not syntheses).
    """
    return [(request.voice, request.text) for request in emulator.requests] + [
        (session.speaker, "".join(session.texts)) for session in emulator.sessions if session.texts
    ]


@pytest.fixture
async def play_media_calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Capture what Home Assistant asks speakers to play (media sources resolved)."""
    assert await async_setup_component(hass, media_source.DOMAIN, {})
    return async_mock_service(hass, MEDIA_PLAYER_DOMAIN, SERVICE_PLAY_MEDIA)
