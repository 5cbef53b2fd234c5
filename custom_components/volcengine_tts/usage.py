"""What the account is spending: characters billed today and this month, and the last error.

The engine reports every finished request's billed characters; this meter keeps
them per local day and month, so the sensors, the diagnostics download and the
monthly-budget repair issue all read one set of numbers. Periods are named by
their local date (``2026-12-01``) and month (``2026-12``): a count restored
after a restart is kept only while its period is still the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from .volcengine import VolcengineError

type Period = Literal["today", "month"]
PERIODS: Final[tuple[Period, ...]] = ("today", "month")


def period_key(period: Period, moment: datetime) -> str:
    """Name the day or month ``moment`` (local time) falls in."""
    return moment.date().isoformat() if period == "today" else moment.strftime("%Y-%m")


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
    time: datetime


class UsageMeter:
    """Count billed characters per local day and month; tell listeners of changes."""

    def __init__(self, now: datetime) -> None:
        self.counts: dict[Period, PeriodCount] = {
            period: PeriodCount(period_key(period, now)) for period in PERIODS
        }
        self.last_error: LastError | None = None
        self._listeners: list[Callable[[], None]] = []

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

    def restore(self, period: Period, key: str, characters: int) -> None:
        """Take back a count saved before a restart, if its period is still running.

        Added to what was counted since the start (setting the entry up speaks
        a billed test sentence before the sensors restore their values).
        """
        count = self.counts[period]
        if key == count.key and characters > 0:
            count.characters += characters
            self._notify()

    def record_error(self, error: VolcengineError, now: datetime) -> None:
        """Remember the latest failure (its code and class; never its message)."""
        self.last_error = LastError(code=error.code, kind=type(error).__name__, time=now)
        self._notify()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after every change; return the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def as_dict(self) -> dict[str, Any]:
        """Describe the counters for the diagnostics download."""
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
