"""Let pytest-homeassistant-custom-component 0.13.375 run Home Assistant 2026.11.0.

No release of the test plugin is built for 2026.11 yet; 0.13.375 (built for 2026.10.4)
runs it once two things are taken care of before pytest loads its plugins:

1. ``import homeassistant`` comes before anything imports ``httpx``. 2026.11's package
   ``__init__`` aliases ``httpx`` to ``httpx2`` and refuses when ``httpx`` is already
   loaded; the plugin imports ``respx``, which loads ``httpx``.
2. ``homeassistant.components.logger`` offers ``_clear_logger_overwrites`` again: the
   plugin imports it from there, and 2026.11 keeps it only in ``logger.helpers``.

Pytest imports its plugins (setuptools entry points) before any ``conftest.py``, so
this cannot be a fixture. ``scripts/setup --ha latest`` writes a ``.pth`` file into
``.venv-latest`` that imports this module and calls ``install`` at every interpreter
start. That only puts an import hook in place, which acts on two imports:

- ``pytest`` (the first thing pytest's command imports): ``import homeassistant`` first.
  That loads Home Assistant's package ``__init__`` and its few ``util`` modules, as
  2026.11's own test harness does; the rest of Home Assistant is imported no earlier than
  it would be (the plugin patches some of it before the rest imports it). Doing this on
  the first import of ``httpx`` instead would be too late: that import would then load
  ``httpx2`` a second time under its own name.
- ``homeassistant.components.logger``: once its package has run, step 2.

A ``hass`` process, a benchmark or ``pip`` in that venv is left alone. On a Home
Assistant that still has the function, step 2 changes nothing.

Remove this module, ``STARTUP_MODULE`` in ``scripts/target.sh`` and
``requirements_ha_latest_no_deps.txt`` when a pytest-homeassistant-custom-component for
Home Assistant 2026.11 exists.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Final

PYTEST: Final = frozenset({"pytest", "_pytest"})
LOGGER: Final = "homeassistant.components.logger"
LOGGER_FUNCTION: Final = "_clear_logger_overwrites"


def restore_logger_function(logger: ModuleType) -> None:
    """Give ``logger`` its helpers' ``_clear_logger_overwrites``, unless it has one."""
    if not hasattr(logger, LOGGER_FUNCTION):
        helpers = importlib.import_module(f"{LOGGER}.helpers")
        setattr(logger, LOGGER_FUNCTION, getattr(helpers, LOGGER_FUNCTION))


class _ThenRestore(importlib.abc.Loader):
    """The logger package's own loader, followed by ``restore_logger_function``."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        """Create the module as its own loader does."""
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        """Run the package, then add the function the plugin imports from it."""
        self._loader.exec_module(module)
        restore_logger_function(module)


class HomeAssistantFirst(importlib.abc.MetaPathFinder):
    """Import Home Assistant before pytest; patch ``logger`` as it is imported."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """Act on the two modules' imports; leave the finding to the regular finders."""
        if fullname in PYTEST and "homeassistant" not in sys.modules:
            importlib.import_module("homeassistant")  # aliases httpx to httpx2
        elif fullname == LOGGER:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _ThenRestore(spec.loader)
            return spec
        return None


def install() -> None:
    """Put the hook first on ``sys.meta_path`` (once, however often this is called)."""
    if not any(isinstance(finder, HomeAssistantFirst) for finder in sys.meta_path):
        sys.meta_path.insert(0, HomeAssistantFirst())
