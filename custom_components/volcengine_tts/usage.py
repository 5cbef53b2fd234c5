"""What the account is spending: characters billed today and this month, and the last error.

The engine reports every finished request's billed characters; this meter keeps
them per local day and month, so the sensors, the diagnostics download and the
monthly-budget repair issue all read one set of numbers. Periods are named by
their local date (``2026-12-01``) and month (``2026-12``): a count loaded after
a restart is kept only while its period is still the current one.

The meter owns the numbers, in Home Assistant's storage for the entry
(:class:`UsageStore`), saved shortly after each change and when Home Assistant
stops or the entry unloads. The sensors only show them: a sensor switched off,
renamed or re-enabled neither loses a count nor adds one twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .errors import translation_key
from .volcengine import VolcengineError

type Period = Literal["today", "month"]
PERIODS: Final[tuple[Period, ...]] = ("today", "month")
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10.0
"""Seconds between a change and its save: a burst of announcements is one write."""
FLOW_USAGE: HassKey[dict[str, UsageMeter]] = HassKey(f"{DOMAIN}_flow_usage")
"""Characters billed by a flow's check for an account not loaded yet, by unique id."""


def period_key(period: Period, moment: datetime) -> str:
    """Name the day or month ``moment`` (local time) falls in."""
    return moment.date().isoformat() if period == "today" else moment.strftime("%Y-%m")


def storage_key(entry_id: str) -> str:
    """Name the entry's usage file in Home Assistant's ``.storage``."""
    return f"{DOMAIN}.usage.{entry_id}"


@dataclass(slots=True)
class PeriodCount:
    """Characters billed in one period."""

    key: str
    characters: int = 0


@dataclass(frozen=True, slots=True)
class LastError:
    """The most recent failure, as support and automations need it: no secrets."""

    code: int | None
    kind: str
    """The translation key that explains it (``quota_exhausted``), the last-error sensor's state."""
    time: datetime


class UsageMeter:
    """Count billed characters per local day and month; tell listeners of changes."""

    def __init__(self, now: datetime) -> None:
        self.counts: dict[Period, PeriodCount] = {
            period: PeriodCount(period_key(period, now)) for period in PERIODS
        }
        self.last_error: LastError | None = None
        self._listeners: list[Callable[[], None]] = []
        self._migratable: set[Period] = set()
        """Periods a sensor of version 0.2 may still hand its restored count to, once."""

    def characters(self, period: Period) -> int:
        """Characters billed so far in the current ``period``."""
        return self.counts[period].characters

    def add(self, characters: int, now: datetime) -> None:
        """Count a finished request's billed characters."""
        self._roll(now)
        for count in self.counts.values():
            count.characters += characters
        self._notify()

    def roll(self, now: datetime) -> None:
        """Start a new day (and month) when ``now`` is in one: called at local midnight."""
        if self._roll(now):
            self._notify()

    def allow_migration(self) -> None:
        """Accept, once per period, a count the sensors saved before the meter had storage."""
        self._migratable = set(PERIODS)

    def migrate(self, period: Period, key: str, characters: int) -> None:
        """Take over a count a sensor restored (the 0.2 way), if its period is still running.

        Only when storage held nothing yet, and only once per period: a sensor
        renamed and restored again adds nothing.
        """
        if period not in self._migratable:
            return
        self._migratable.discard(period)
        count = self.counts[period]
        if key == count.key and characters > 0:
            count.characters += characters
            self._notify()

    def record_error(self, error: VolcengineError, now: datetime) -> None:
        """Remember the latest failure (its code and kind; never its message)."""
        self.last_error = LastError(code=error.code, kind=translation_key(error), time=now)
        self._notify()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after every change; return the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def as_dict(self) -> dict[str, Any]:
        """Describe the counters: for the diagnostics download, and what storage keeps."""
        error = self.last_error
        return {
            **{
                period: {"period": count.key, "characters": count.characters}
                for period, count in self.counts.items()
            },
            "last_error": None
            if error is None
            else {"code": error.code, "error": error.kind, "time": error.time.isoformat()},
        }

    def load(self, saved: Mapping[str, Any]) -> None:
        """Take back what storage kept; a count of a period that has ended is dropped."""
        for period in PERIODS:
            stored = saved.get(period)
            if not isinstance(stored, Mapping):
                continue
            key, characters = stored.get("period"), stored.get("characters")
            count = self.counts[period]
            if key == count.key and isinstance(characters, int) and characters > 0:
                count.characters += characters
        error = saved.get("last_error")
        if isinstance(error, Mapping) and (time := dt_util.parse_datetime(str(error.get("time")))):
            code = error.get("code")
            self.last_error = LastError(
                code=code if isinstance(code, int) else None,
                kind=str(error.get("error")),
                time=time,
            )

    def _roll(self, now: datetime) -> bool:
        changed = False
        for period, count in self.counts.items():
            key = period_key(period, now)
            if key != count.key:
                self.counts[period] = PeriodCount(key)
                changed = True
        return changed

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()


class UsageStore:
    """The entry's usage in Home Assistant's storage: loaded at set-up, saved on change."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))

    async def async_load(self, now: datetime) -> UsageMeter:
        """Build the meter from storage; with nothing stored, let the old sensors hand over."""
        meter = UsageMeter(now)
        saved = await self._store.async_load()
        if saved is None:
            meter.allow_migration()
        else:
            meter.load(saved)
        return meter

    @callback
    def track(self, meter: UsageMeter) -> Callable[[], None]:
        """Save ``meter`` shortly after each change (and at Home Assistant's final write)."""
        return meter.subscribe(lambda: self._store.async_delay_save(meter.as_dict, SAVE_DELAY))

    async def async_save(self, meter: UsageMeter) -> None:
        """Save now (the entry unloads)."""
        await self._store.async_save(meter.as_dict())

    async def async_remove(self) -> None:
        """Delete the entry's usage file (the entry is removed)."""
        await self._store.async_remove()


@callback
def flow_meter(hass: HomeAssistant, unique_id: str) -> UsageMeter:
    """Return the meter a flow's check bills to, for an account not loaded yet."""
    pending = hass.data.setdefault(FLOW_USAGE, {})
    if unique_id not in pending:
        pending[unique_id] = UsageMeter(dt_util.now())
    return pending[unique_id]


@callback
def take_flow_usage(hass: HomeAssistant, unique_id: str | None, meter: UsageMeter) -> None:
    """Count what the flows' checks billed for this account before it was set up."""
    pending = hass.data.get(FLOW_USAGE, {}).pop(unique_id or "", None)
    if pending is not None and (characters := pending.characters("month")):
        meter.add(characters, dt_util.now())
