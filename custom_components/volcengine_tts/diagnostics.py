"""Diagnostics download: what support needs, without credentials."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_API_KEY
from homeassistant.core import HomeAssistant

from . import VolcengineConfigEntry
from .clones import async_clone_diagnostics
from .const import CONF_APP_ID, CONF_CUSTOM_VOICES
from .voices import async_load_catalogue

TO_REDACT = {CONF_APP_ID, CONF_ACCESS_TOKEN, CONF_API_KEY, "unique_id"}
"""The app id is redacted too: with a leaked token it is half of a login."""


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: VolcengineConfigEntry
) -> dict[str, Any]:
    """Return the entry (redacted), voice counts, usage, the engine's state, errors and clones."""
    catalogue = await async_load_catalogue(hass)
    generations: dict[str, int] = {}
    for voice in catalogue.voices:
        generations[voice.generation] = generations.get(voice.generation, 0) + 1
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "voices": {
            "catalogue": len(catalogue.voices),
            "by_generation": generations,
            "custom": len(entry.options.get(CONF_CUSTOM_VOICES, [])),
        },
        "usage": entry.runtime_data.usage.as_dict(),
        "engine": entry.runtime_data.engine.diagnostics(),
        "stt": _stt_diagnostics(entry),
        "cloned_voices": await async_clone_diagnostics(hass, entry),
    }


def _stt_diagnostics(entry: VolcengineConfigEntry) -> dict[str, Any]:
    """Whether speech-to-text is on, and what the recogniser has been doing."""
    recognizer = entry.runtime_data.recognizer
    if recognizer is None:
        return {"enabled": False}
    return {"enabled": True, **recognizer.diagnostics()}
