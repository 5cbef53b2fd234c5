"""Catch Home Assistant's deprecation and usage reports that name this integration.

Home Assistant tells an integration's author about APIs on their way out by
logging, not by raising: ``report_usage`` ("Detected that custom integration
'volcengine_tts' ... This will stop working in Home Assistant 2026.12"), the
deprecation helpers ("The deprecated function X was called from volcengine_tts"),
and config-entry checks ("... has an update listener and should use it ...").
A user sees these in their log; a test must see them as failures.
"""

from __future__ import annotations

import logging
import re
from typing import Final

DOMAIN: Final = "volcengine_tts"
REPORT: Final = re.compile(
    r"deprecat|was called from|will stop working|breaks? in|should|detected that"
    r"|please (?:report|create a bug report)|no longer",
    re.IGNORECASE,
)


class DeprecationReports(logging.Handler):
    """Collect the reports Home Assistant logs about this integration."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep a Home Assistant warning that names us and reads like a report."""
        if not record.name.startswith(("homeassistant", "py.warnings")):
            return
        message = record.getMessage()
        if DOMAIN in message and REPORT.search(message):
            self.reports.append(f"{record.name}: {message}")
