"""Onboarding: the owner account a fresh Home Assistant asks for, created as its first screen does.

Only the user step is taken through the API: the later steps set up integrations
that go online (weather, radio browser, analytics). A process that serves the
real frontend has those steps marked done in its storage beforehand
(:func:`mark_later_steps_done`), because the pages send a browser to the
onboarding screens until every step is done.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final, Protocol

import aiohttp

from .common import REQUEST_TIMEOUT, HomeAssistantError, json_object, response_json


class CommandSender(Protocol):
    """What onboarding needs of a logged-in client: its websocket commands."""

    async def command(self, message_type: str, **fields: object) -> object:
        """Send one websocket command and return its result."""
        ...


USERNAME: Final = "demo"
PASSWORD: Final = "demo-password"  # noqa: S105 - a throw-away local instance's owner

ONBOARDING_STORAGE_VERSION: Final = 4
"""Version of Home Assistant's ``.storage/onboarding`` file (2026.2)."""


def mark_later_steps_done(config_dir: Path) -> None:
    """Write ``.storage/onboarding`` with every step but the owner's done."""
    storage = config_dir / ".storage"
    storage.mkdir()
    (storage / "onboarding").write_text(
        json.dumps(
            {
                "version": ONBOARDING_STORAGE_VERSION,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config", "analytics", "integration"]},
            }
        ),
        encoding="utf-8",
    )


async def create_owner(url: str, *, language: str = "en") -> str:
    """Create the owner account and log in with it; return its access token."""
    client_id = f"{url}/"
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.post(
            f"{url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Demo",
                "username": USERNAME,
                "password": PASSWORD,
                "language": language,
            },
        ) as response:
            code = json_object(await response_json(response))["auth_code"]
        async with session.post(
            f"{url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
        ) as response:
            token = json_object(await response_json(response))["access_token"]
    return str(token)


async def keep_http_settings(client: CommandSender) -> None:
    """Confirm the throw-away HTTP settings, where Home Assistant asks for it.

    Since 2026.10 Home Assistant moves ``http:`` from YAML into its storage as
    an unconfirmed trial: the owner sees a "Confirm new HTTP server
    configuration" dialog, and without an answer it reverts (restarting)
    five minutes later. Older releases know no such trial, nor the command.
    """
    try:
        settings = json_object(await client.command("http/config"))
    except HomeAssistantError as err:
        if "unknown_command" in str(err):
            return
        raise
    if settings.get("pending") is not None:
        await client.command("http/config/promote")
