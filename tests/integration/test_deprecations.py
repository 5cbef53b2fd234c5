"""The deprecation guard itself: it catches what Home Assistant really logs."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers.frame import report_usage
from homeassistant.loader import async_get_integration

from ..deprecations import DeprecationReports


async def test_guard_catches_a_planted_usage_report(
    hass: HomeAssistant, deprecation_reports: DeprecationReports
) -> None:
    await async_get_integration(hass, "volcengine_tts")  # report_usage names loaded ones
    report_usage(
        "uses a planted deprecated API",
        breaks_in_ha_version="2099.1.0",
        integration_domain="volcengine_tts",
    )
    assert len(deprecation_reports.reports) == 1
    (report,) = deprecation_reports.reports
    assert "volcengine_tts" in report
    assert "2099.1" in report
    deprecation_reports.reports.clear()  # planted: do not fail this test


async def test_guard_catches_a_deprecated_property_call(
    hass: HomeAssistant, deprecation_reports: DeprecationReports
) -> None:
    """The wording of Home Assistant's deprecation helpers, logged by its own logger."""
    logging.getLogger("homeassistant.helpers.deprecation").warning(
        "The deprecated function show_advanced_options was called from volcengine_tts. "
        "It will be removed in HA Core 2027.6"
    )
    assert len(deprecation_reports.reports) == 1
    deprecation_reports.reports.clear()


async def test_guard_ignores_our_own_log_and_other_integrations(
    deprecation_reports: DeprecationReports,
) -> None:
    logging.getLogger("custom_components.volcengine_tts").warning(
        "volcengine_tts: the voice should be enabled in the console"
    )
    logging.getLogger("homeassistant.helpers.frame").warning(
        "Detected that custom integration 'other' uses a deprecated API"
    )
    assert deprecation_reports.reports == []
