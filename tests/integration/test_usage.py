"""The usage meter on its own: periods by local date, listeners told only of changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from custom_components.volcengine_tts.usage import UsageMeter, period_key

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2026, 12, 14, 23, 0, tzinfo=SHANGHAI)


def test_periods_are_named_by_local_date_and_month() -> None:
    assert period_key("today", EVENING) == "2026-12-14"
    assert period_key("month", EVENING) == "2026-12"


def test_a_roll_within_the_same_day_changes_nothing_and_tells_nobody() -> None:
    meter = UsageMeter(EVENING)
    meter.add(5, EVENING)
    told: list[None] = []
    meter.subscribe(lambda: told.append(None))
    meter.roll(EVENING.replace(minute=59))
    assert told == []
    assert meter.characters("today") == 5


def test_unsubscribing_stops_the_calls() -> None:
    meter = UsageMeter(EVENING)
    told: list[None] = []
    stop = meter.subscribe(lambda: told.append(None))
    stop()
    meter.add(1, EVENING)
    assert told == []
