"""The Home Assistant process: ``hass`` in a throw-away configuration, started and stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
import time
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import aiohttp
from homeassistant.util.yaml import dump, load_yaml_dict

from .common import DOMAIN, POLL_INTERVAL, ROOT, STOP_TIMEOUT, HomeAssistantError
from .onboarding import mark_later_steps_done

HASS_COMMAND: Final = ROOT / "scripts" / "hass.py"
"""Home Assistant's ``hass`` command, runnable on the Python the suite runs on (see there)."""
DEVELOPMENT_CONFIG: Final = ROOT / "config" / "configuration.yaml"
INTEGRATION: Final = ROOT / "custom_components" / DOMAIN

BOOT_TIMEOUT: Final = 90.0
"""Seconds Home Assistant may take to answer HTTP (about 3 s here, far more on a busy CI)."""
_LOG_NAME: Final = "home-assistant.log"
_CONSOLE_NAME: Final = "console.log"


def free_port() -> int:
    """Ask the kernel for a loopback port nobody uses right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def throwaway_configuration(port: int, headless_frontend: Path | None) -> str:
    """Return the development configuration for ``port`` instead of 8123.

    Home Assistant refuses to start normally without its frontend (it falls back to
    recovery mode), and the frontend's files are a large package nothing else needs.
    With a ``headless_frontend`` folder, its ``development_repo`` option points it at
    that empty build: the APIs all work, and the pages answer 404. With ``None`` it
    serves the real frontend (the ``home-assistant-frontend`` package, which must then
    be installed), as a browser test needs.
    """
    config = load_yaml_dict(DEVELOPMENT_CONFIG)
    config.setdefault("homeassistant", {})["internal_url"] = f"http://127.0.0.1:{port}"
    config.setdefault("http", {})["server_port"] = port
    config["frontend"] = (
        {} if headless_frontend is None else {"development_repo": str(headless_frontend)}
    )
    return dump(config)


class HomeAssistantProcess:
    """``hass`` in a temporary configuration directory, on a free loopback port.

    Started with ``--skip-pip``: it installs nothing and reaches no package index, so a
    missing requirement shows up as a failed setup in the log instead of a download.

    ``frontend=True`` serves the real web interface (see ``throwaway_configuration``)
    and marks every onboarding step but the first as done beforehand: the pages send
    the browser to the onboarding screens until all steps are done, and those later
    steps set up integrations that go online. Creating the owner
    (``HomeAssistantClient.onboard``) then completes onboarding.
    """

    def __init__(self, *, port: int | None = None, frontend: bool = False) -> None:
        self.port = port if port is not None else free_port()
        self.frontend = frontend
        self.url = f"http://127.0.0.1:{self.port}"
        self._directory = tempfile.TemporaryDirectory(prefix="volcengine-tts-ha-")
        self.config_dir = Path(self._directory.name)
        self._process: asyncio.subprocess.Process | None = None
        self.boot_seconds = 0.0

    async def __aenter__(self) -> Self:
        try:
            await self.start()
        except BaseException:
            self.print_log_tail()
            await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None and not isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
            self.print_log_tail()
        await self.stop()

    async def start(self) -> None:
        """Write the configuration, start ``hass`` and wait until its HTTP API answers."""
        headless_frontend: Path | None = None
        if self.frontend:
            mark_later_steps_done(self.config_dir)
        else:
            headless_frontend = self.config_dir / "headless-frontend"
            (headless_frontend / "hass_frontend").mkdir(parents=True)
        (self.config_dir / "configuration.yaml").write_text(
            throwaway_configuration(self.port, headless_frontend), encoding="utf-8"
        )
        custom_components = self.config_dir / "custom_components"
        custom_components.mkdir()
        (custom_components / DOMAIN).symlink_to(INTEGRATION, target_is_directory=True)
        started = time.perf_counter()
        with (self.config_dir / _CONSOLE_NAME).open("wb") as console:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(HASS_COMMAND),
                "--config",
                str(self.config_dir),
                "--skip-pip",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=console,
                stderr=asyncio.subprocess.STDOUT,
                cwd=self.config_dir,
                # Its own session: a Ctrl-C meant for the caller reaches the caller,
                # which then stops Home Assistant in order.
                start_new_session=True,
            )
        await self._wait_until_ready(self._process)
        self.boot_seconds = time.perf_counter() - started

    async def _wait_until_ready(self, process: asyncio.subprocess.Process) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    raise HomeAssistantError(
                        f"Home Assistant exited with code {process.returncode}"
                    )
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"{self.url}/api/onboarding") as response:
                        if response.status == HTTPStatus.OK:
                            return
                await asyncio.sleep(POLL_INTERVAL)
        raise HomeAssistantError(f"Home Assistant did not answer within {BOOT_TIMEOUT:.0f} s")

    async def stop(self) -> None:
        """Stop Home Assistant (SIGTERM, then SIGKILL) and delete its directory."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(STOP_TIMEOUT):
                    await process.wait()
            except TimeoutError:
                # Its whole session (it was started as the leader of one), ffmpeg included.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        self._directory.cleanup()

    def log_text(self) -> str:
        """Return Home Assistant's log so far (or its console output if it never logged)."""
        for name in (_LOG_NAME, _CONSOLE_NAME):
            path = self.config_dir / name
            if path.is_file() and path.stat().st_size:
                return path.read_text(encoding="utf-8", errors="replace")
        return ""

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of Home Assistant's log (or its console output if it never logged)."""
        text = self.log_text()
        return "\n".join(text.splitlines()[-lines:]) if text else "(Home Assistant wrote no log)"

    def print_log_tail(self) -> None:
        """Show why Home Assistant failed: the end of its log, on stderr."""
        print(f"--- end of Home Assistant's log ({self.config_dir}) ---", file=sys.stderr)
        print(self.log_tail(), file=sys.stderr)
