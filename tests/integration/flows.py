"""Config-flow forms as the frontend fills them in and as it receives them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.volcengine_tts.const import (
    CONF_CLUSTER,
    CONF_ENDPOINT,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    DOMAIN,
    SECTION_CONNECTION,
)

FLOWS = "/api/config/config_entries/flow"
CONNECTION_FIELDS = (CONF_PROTOCOL, CONF_RESOURCE_ID, CONF_CLUSTER, CONF_ENDPOINT)


def form_input(**fields: Any) -> dict[str, Any]:
    """Put the connection fields into their form section, as the frontend sends them."""
    connection = {key: fields.pop(key) for key in CONNECTION_FIELDS if key in fields}
    return {**fields, SECTION_CONNECTION: connection}


class FrontendFlows:
    """Drive config flows through the REST API, exactly as the browser does.

    Every answer is the JSON a browser receives: the serialised schema with its
    defaults, errors and placeholders, on every Home Assistant version, whichever
    serialiser that version uses.
    """

    def __init__(self, client: TestClient) -> None:
        self._client = client

    async def start(self, *, entry_id: str | None = None) -> dict[str, Any]:
        """Start the user step (or, with ``entry_id``, reconfigure that entry)."""
        body: dict[str, Any] = {"handler": DOMAIN}
        if entry_id is not None:
            body["entry_id"] = entry_id
        return await self._answer(await self._client.post(FLOWS, json=body))

    async def configure(self, flow_id: str, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """Submit a form."""
        return await self._answer(await self._client.post(f"{FLOWS}/{flow_id}", json=user_input))

    async def show(self, flow_id: str) -> dict[str, Any]:
        """Fetch the current step of a flow started elsewhere (re-authentication)."""
        return await self._answer(await self._client.get(f"{FLOWS}/{flow_id}"))

    @staticmethod
    async def _answer(response: ClientResponse) -> dict[str, Any]:
        assert response.status == 200, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer


async def frontend_flows(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> FrontendFlows:
    """Set up the REST API of config flows and return a browser's view of it.

    As in a running Home Assistant, our dependencies ``tts``, ``stt`` and
    ``file_upload`` are set up before a browser connects (the test client freezes
    the web app's routes; Home Assistant's own server never does).
    """
    assert await async_setup_component(hass, "config", {})
    for dependency in ("tts", "stt", "file_upload"):
        assert await async_setup_component(hass, dependency, {})
    return FrontendFlows(await hass_client())


def section_defaults(schema: Mapping[Any, Any]) -> dict[str, Any]:
    """The defaults a form pre-fills, with the connection section's flattened in."""
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    for key, value in schema.items():
        if str(key) == SECTION_CONNECTION:
            defaults.update(section_defaults(value.schema.schema))
    return defaults
