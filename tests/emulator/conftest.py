"""Fixtures for the emulator's own tests (``emulator`` itself comes from tests/conftest.py)."""

from collections.abc import AsyncIterator

import pytest

from emulator import Emulator, EmulatorConfig


@pytest.fixture
async def tls_emulator(emulator_config: EmulatorConfig) -> AsyncIterator[Emulator]:
    async with Emulator(emulator_config, tls=True) as running:
        yield running
