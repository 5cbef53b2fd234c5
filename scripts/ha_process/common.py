"""What every part of ``ha_process`` shares: where things are, how long to wait, one error."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import Any, Final

import aiohttp

ROOT: Final = Path(__file__).resolve().parents[2]
"""The repository."""
DOMAIN: Final = "volcengine_tts"

REQUEST_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 30.0
POLL_INTERVAL: Final = 0.1


class HomeAssistantError(Exception):
    """Home Assistant did not start, or refused a request."""


async def response_json(response: aiohttp.ClientResponse) -> object:
    """Return a response's JSON, or raise ``HomeAssistantError`` with its body unless 2xx."""
    if response.status >= HTTPStatus.MULTIPLE_CHOICES:
        body = await response.text()
        raise HomeAssistantError(
            f"{response.method} {response.url.path}: HTTP {response.status} {body[:500]}"
        )
    answer: object = await response.json()
    return answer


def json_object(answer: object) -> dict[str, Any]:
    """Return a JSON object, or raise: Home Assistant answered something else."""
    if not isinstance(answer, dict):
        raise HomeAssistantError(f"expected a JSON object, got {answer!r:.200}")
    return answer


def json_objects(answer: object) -> list[dict[str, Any]]:
    """Return a JSON list of objects, or raise: Home Assistant answered something else."""
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise HomeAssistantError(f"expected a JSON list of objects, got {answer!r:.200}")
    return answer
