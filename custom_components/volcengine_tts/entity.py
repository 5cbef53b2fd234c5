"""The devices entities hang off: one for the account, one per voice preset."""

from __future__ import annotations

from typing import Final

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN

MANUFACTURER: Final = "Volcengine (ByteDance)"
MODEL: Final = "Doubao speech"


def entry_device(entry: ConfigEntry) -> DeviceInfo:
    """Describe the account's service device: its TTS and STT entities and the usage sensors."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer=MANUFACTURER,
        model=MODEL,
        entry_type=DeviceEntryType.SERVICE,
    )


def preset_device(preset: ConfigSubentry) -> DeviceInfo:
    """Describe a voice preset's own device, named after it (same entry, own subentry).

    No ``via_device``: Home Assistant 2026.10 deprecates the identifier form, and
    the device already belongs to the account's config entry.
    """
    return DeviceInfo(
        identifiers={(DOMAIN, preset.subentry_id)},
        name=preset.title,
        manufacturer=MANUFACTURER,
        model="Voice preset",
        entry_type=DeviceEntryType.SERVICE,
    )
