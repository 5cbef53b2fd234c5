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


def test_a_0_2_count_is_taken_over_once_per_period_and_only_without_storage() -> None:
    meter = UsageMeter(EVENING)
    meter.migrate("month", "2026-12", 40)  # storage existed: nothing to take over
    assert meter.characters("month") == 0
    meter.allow_migration()
    meter.migrate("month", "2026-12", 40)
    meter.migrate("month", "2026-12", 40)  # the sensor restored again (renamed)
    meter.migrate("today", "2026-12-13", 7)  # yesterday's count: dropped, but used up
    assert (meter.characters("month"), meter.characters("today")) == (40, 0)


def test_stored_counts_of_ended_periods_and_garbage_are_dropped() -> None:
    meter = UsageMeter(EVENING)
    meter.load(
        {
            "today": "not a count",
            "month": {"period": "2026-11", "characters": 99},
            "last_error": {"code": "x", "error": "timeout", "time": "not a time"},
        }
    )
    assert (meter.characters("today"), meter.characters("month")) == (0, 0)
    assert meter.last_error is None
    meter.load({"month": {"period": "2026-12", "characters": 5}, "last_error": None})
    assert meter.characters("month") == 5
