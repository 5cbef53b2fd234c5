"""Browser tests: Playwright drives Home Assistant's real frontend (``scripts/browser-test``)."""
