"""Cloned voices at the Home Assistant layer: the cloning client of an entry, and its presets.

The client rides on Home Assistant's shared web session (the quality scale asks
libraries to take an injected one) and on Home Assistant's TLS context, so it
verifies certificates exactly as every other integration does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.ssl import get_default_context

from . import credentials
from .const import CONF_ENDPOINT, CONF_VOICE, DEFAULT_ENDPOINT, SUBENTRY_CLONE
from .options import ATTR_RESOURCE_ID
from .volcengine import VoiceCloneClient, VoiceSlot, VolcengineError


def clone_endpoint(data: Mapping[str, Any]) -> str:
    """Say where the cloning API is: the synthesis endpoint's host, over HTTPS.

    The real service serves both from one host, so the client derives its
    ``https://`` base from the configured ``wss://`` endpoint (a loopback
    ``ws://`` emulator gives ``http://``); a proxy endpoint proxies both.
    """
    return str(data.get(CONF_ENDPOINT, DEFAULT_ENDPOINT))


def clone_client(hass: HomeAssistant, entry: ConfigEntry) -> VoiceCloneClient:
    """Build the entry's cloning client on Home Assistant's shared web session."""
    return VoiceCloneClient(
        credentials(entry.data),
        async_get_clientsession(hass),
        endpoint=clone_endpoint(entry.data),
        ssl_context=get_default_context(),
    )


def cloned_presets(entry: ConfigEntry) -> list[ConfigSubentry]:
    """List the entry's cloned voices, each a preset with its own TTS entity."""
    return [item for item in entry.subentries.values() if item.subentry_type == SUBENTRY_CLONE]


async def async_clone_diagnostics(hass: HomeAssistant, entry: ConfigEntry) -> list[dict[str, Any]]:
    """Each cloned preset's voice, resource and current training status (no audio, no secret)."""
    presets = cloned_presets(entry)
    if not presets:
        return []
    client = clone_client(hass, entry)
    report = []
    for preset in presets:
        item: dict[str, Any] = {
            "title": preset.title,
            "voice": preset.data.get(CONF_VOICE),
            "resource_id": preset.data.get(ATTR_RESOURCE_ID),
        }
        try:
            status = await client.get_voice(VoiceSlot(str(preset.data.get(CONF_VOICE, ""))))
        except VolcengineError as err:
            item["status_error"] = {"error": type(err).__name__, "code": err.code}
        else:
            item["status"] = status.status.name.lower()
            item["model_types"] = list(status.model_types)
            item["available_training_times"] = status.available_training_times
        report.append(item)
    return report
