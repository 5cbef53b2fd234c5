"""``scripts/startup/ha_latest_compat.py``: the test plugin built for 2026.10 runs 2026.11."""

from __future__ import annotations

import importlib.util
import sys
from importlib.abc import Loader
from importlib.machinery import ModuleSpec
from types import ModuleType

import pytest
from homeassistant import components
from homeassistant.components import logger
from homeassistant.components.logger import helpers as logger_helpers

from scripts.startup import ha_latest_compat as compat


def test_the_logger_gets_the_helpers_function_when_it_lacks_it() -> None:
    package = ModuleType(compat.LOGGER)
    compat.restore_logger_function(package)
    assert package._clear_logger_overwrites is logger_helpers._clear_logger_overwrites


def test_a_logger_that_has_the_function_keeps_its_own() -> None:
    def own(hass: object) -> None:
        """A stand-in."""

    package = ModuleType(compat.LOGGER)
    package._clear_logger_overwrites = own
    compat.restore_logger_function(package)
    assert package._clear_logger_overwrites is own


def test_the_plugin_finds_the_function_where_it_imports_it_from() -> None:
    # What the plugin's `from homeassistant.components.logger import ...` needs, on
    # every target (the latest through the hook, the others by themselves).
    assert logger._clear_logger_overwrites is logger_helpers._clear_logger_overwrites


class _RecordingLoader(Loader):
    def __init__(self) -> None:
        self.executed: list[str] = []

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        self.executed.append(module.__name__)


def test_the_hook_runs_the_logger_package_then_restores_the_function() -> None:
    spec = compat.HomeAssistantFirst().find_spec(compat.LOGGER, components.__path__)
    assert spec is not None
    assert spec.origin == logger.__file__
    original = _RecordingLoader()
    spec.loader = compat._ThenRestore(original)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert original.executed == [compat.LOGGER]
    assert module._clear_logger_overwrites is logger_helpers._clear_logger_overwrites


def test_the_hook_finds_nothing_itself() -> None:
    finder = compat.HomeAssistantFirst()
    assert finder.find_spec("json", None) is None
    assert finder.find_spec("pytest", None) is None  # Home Assistant is imported already


def test_install_puts_one_hook_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    compat.install()
    compat.install()
    hooks = [finder for finder in sys.meta_path if isinstance(finder, compat.HomeAssistantFirst)]
    assert len(hooks) == 1
    assert sys.meta_path[0] is hooks[0]


@pytest.mark.skipif(
    importlib.util.find_spec("httpx2") is None, reason="Home Assistant before 2026.11"
)
def test_on_2026_11_httpx_is_home_assistants_httpx2() -> None:
    import httpx
    import httpx2

    assert httpx is httpx2
