"""Fixtures shared by every test: loopback sockets and a running emulator."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from emulator import Emulator, EmulatorConfig

from .deprecations import DeprecationReports


@pytest.fixture(autouse=True)
def deprecation_reports() -> Iterator[DeprecationReports]:
    """Fail any test during which Home Assistant reports a deprecated use by us.

    On every Home Assistant target the suite runs on: what the newest release
    reports is what our users' logs would show.
    """
    reports = DeprecationReports()
    root = logging.getLogger()
    root.addHandler(reports)
    try:
        yield reports
    finally:
        root.removeHandler(reports)
    assert not reports.reports, "Home Assistant reported:\n" + "\n".join(reports.reports)


@pytest.fixture(autouse=True)
def allow_loopback_servers(socket_enabled: None) -> None:
    """Let tests run the emulator.

    Home Assistant's test plugin forbids creating sockets; re-enabling them
    keeps its connect guard, which still allows 127.0.0.1 only.
    """


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """The emulator's settings; parametrize or override to change them."""
    return EmulatorConfig()


@pytest.fixture
async def emulator(emulator_config: EmulatorConfig) -> AsyncIterator[Emulator]:
    """A Volcengine emulator on loopback."""
    async with Emulator(emulator_config) as running:
        yield running
