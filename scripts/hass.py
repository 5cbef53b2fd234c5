"""Home Assistant's own ``hass`` command, on the Python this project develops with.

``scripts/develop`` runs it (``python scripts/hass.py --config config``), and so
does ``ha_process.HomeAssistantProcess`` for every throw-away Home Assistant. It
imports nothing of this repository: run as a script, it has ``scripts/`` first on
``sys.path``, and Home Assistant must find its own modules, not ours.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run Home Assistant's own ``hass`` command with ``argv``.

    Home Assistant 2026.2 refuses to start on Python older than 3.13.2, yet it runs (and
    its test harness runs this project's tests) on 3.13.0, which is the newest Python
    some development machines have. On such a Python this warns instead of refusing.
    """
    from homeassistant import __main__ as hass_main  # noqa: PLC0415
    from homeassistant.const import REQUIRED_PYTHON_VER  # noqa: PLC0415

    if sys.version_info[:3] < REQUIRED_PYTHON_VER:
        wanted = ".".join(map(str, REQUIRED_PYTHON_VER))
        print(
            f"Warning: Home Assistant asks for Python >= {wanted}; running on "
            f"{sys.version.split()[0]} anyway (development only).",
            file=sys.stderr,
        )
        hass_main.validate_python = lambda: None
    sys.argv = ["hass", *(sys.argv[1:] if argv is None else argv)]
    exit_code: int = hass_main.main()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
