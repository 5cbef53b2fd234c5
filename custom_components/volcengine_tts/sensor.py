"""Usage sensors: characters billed today and this month, and the last error.

Volcengine bills per character and trial quotas run out silently; these make
the spending visible (and automatable) before the quota repair issue appears.
The counts belong to the usage meter, which keeps them in Home Assistant's
storage: the sensors only show them, so switching one off, renaming it or
turning it back on changes no count. Version 0.2 kept the counts in the
sensors' restored state; that is taken over once, when the meter has no
storage yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import VolcengineConfigEntry
from .entity import entry_device
from .errors import ERROR_KEYS
from .usage import Period, UsageMeter

PARALLEL_UPDATES = 0
"""Nothing is polled: the sensors change when the engine reports usage."""
CHARACTERS: Final = "characters"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VolcengineConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the usage sensors of a config entry."""
    usage = entry.runtime_data.usage
    async_add_entities(
        [
            CharactersSensor(entry, usage, "today"),
            CharactersSensor(entry, usage, "month"),
            LastErrorSensor(entry, usage),
        ]
    )


@dataclass
class CharactersStoredData(SensorExtraStoredData):
    """What a sensor of version 0.2 saved: its value plus the period it counted."""

    period: str

    @classmethod
    def from_dict(cls, restored: dict[str, Any]) -> CharactersStoredData | None:
        """Read a saved count; ``None`` when it is not one of ours."""
        value, period = restored.get("native_value"), restored.get("period")
        if isinstance(value, int) and not isinstance(value, bool) and isinstance(period, str):
            return cls(value, CHARACTERS, period)
        return None


class _UsageEntity(SensorEntity):
    """A sensor that shows one of the meter's numbers and follows its changes."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: VolcengineConfigEntry, usage: UsageMeter, key: str) -> None:
        self._usage = usage
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = entry_device(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the meter from now on."""
        await super().async_added_to_hass()
        self.async_on_remove(self._usage.subscribe(self._changed))

    @callback
    def _changed(self) -> None:
        self.async_write_ha_state()


class CharactersSensor(_UsageEntity, RestoreSensor):
    """Characters billed in the current local day or month; resets when it ends."""

    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_native_unit_of_measurement = CHARACTERS
    _attr_suggested_display_precision = 0

    def __init__(self, entry: VolcengineConfigEntry, usage: UsageMeter, period: Period) -> None:
        super().__init__(entry, usage, f"characters_{period}")
        self._period: Period = period

    async def async_added_to_hass(self) -> None:
        """Hand a count saved the 0.2 way to the meter (it takes one per period, once)."""
        await super().async_added_to_hass()
        extra = await self.async_get_last_extra_data()
        saved = CharactersStoredData.from_dict(extra.as_dict()) if extra else None
        if saved is not None and isinstance(saved.native_value, int):
            self._usage.migrate(self._period, saved.period, saved.native_value)

    @property
    def native_value(self) -> int:
        """Characters billed so far in this period."""
        return self._usage.characters(self._period)


class LastErrorSensor(_UsageEntity):
    """What the last failure was, as a translated state, with its code and time; never its text."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_device_class = SensorDeviceClass.ENUM

    def __init__(self, entry: VolcengineConfigEntry, usage: UsageMeter) -> None:
        super().__init__(entry, usage, "last_error")
        self._attr_options = list(ERROR_KEYS)

    @property
    def native_value(self) -> str | None:
        """The kind of the last failure (``quota_exhausted``), or nothing before the first."""
        error = self._usage.last_error
        if error is None:
            return None
        return error.kind if error.kind in ERROR_KEYS else "service_error"

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """When it happened, and the service's code for support requests."""
        error = self._usage.last_error
        if error is None:
            return None
        return {"time": error.time.isoformat(), "code": error.code}
