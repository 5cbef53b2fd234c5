"""Diagnostics download: what support needs, without credentials."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant

from . import VolcengineConfigEntry
from .const import CONF_APP_ID

TO_REDACT = {CONF_APP_ID, CONF_ACCESS_TOKEN, "unique_id"}
"""The app id is redacted too: with a leaked token it is half of a login."""


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: VolcengineConfigEntry
) -> dict[str, Any]:
    """Return the entry (redacted) and the engine's state and recent errors."""
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "engine": entry.runtime_data.engine.diagnostics(),
    }
