"""Home Assistant's REST and websocket APIs, used as the frontend and a satellite use them.

Nothing here imports the integration: like a browser, the client only knows Home
Assistant's public HTTP and websocket APIs. It fills in forms as the frontend does
(:func:`filled_in`), speaks through ``tts.speak`` to the development
configuration's stand-in speaker and fetches the audio as the speaker would, and
streams audio into an Assist pipeline as a satellite would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Self

import aiohttp

from .common import (
    DOMAIN,
    POLL_INTERVAL,
    REQUEST_TIMEOUT,
    HomeAssistantError,
    json_object,
    json_objects,
    response_json,
)
from .onboarding import create_owner, keep_http_settings
from .service import ServiceSettings

SPEAKER: Final = "media_player.speaker"
"""The development configuration's stand-in speaker (a ``universal`` media player)."""
SPEAKER_MEDIA: Final = "input_text.speaker_media"
"""Where the speaker writes the media id it was asked to play."""


@dataclass(frozen=True, slots=True)
class FetchedAudio:
    """Audio as a player received it, with when each part arrived."""

    data: bytes
    content_type: str
    chunk_times: list[float] = field(default_factory=list)
    """Seconds from the request's start to each chunk's arrival."""

    @property
    def first_byte_seconds(self) -> float:
        """Seconds until the first audio arrived."""
        return self.chunk_times[0] if self.chunk_times else 0.0

    @property
    def total_seconds(self) -> float:
        """Seconds until the last audio arrived."""
        return self.chunk_times[-1] if self.chunk_times else 0.0


class HomeAssistantClient:
    """Home Assistant's REST and websocket APIs, logged in as the owner."""

    def __init__(self, url: str, access_token: str) -> None:
        self.url = url
        self.access_token = access_token
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        )
        self._websocket: aiohttp.ClientWebSocketResponse | None = None
        self._message_id = 0

    @classmethod
    async def onboard(cls, url: str, *, language: str = "en") -> Self:
        """Create the owner account, as the first screen does, and log in with it."""
        client = cls(url, await create_owner(url, language=language))
        await keep_http_settings(client)
        return client

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the websocket and the HTTP session."""
        if self._websocket is not None:
            await self._websocket.close()
            self._websocket = None
        await self._session.close()

    async def rest(self, method: str, path: str, payload: object = None) -> object:
        """Call the REST API; return its JSON, or raise ``HomeAssistantError`` unless 2xx."""
        async with self._session.request(method, f"{self.url}{path}", json=payload) as response:
            return await response_json(response)

    async def _rest_object(self, method: str, path: str, payload: object = None) -> dict[str, Any]:
        return json_object(await self.rest(method, path, payload))

    async def command(self, message_type: str, **fields: object) -> object:
        """Send one websocket command and return its result."""
        websocket = await self._connected_websocket()
        self._message_id += 1
        await websocket.send_json({"id": self._message_id, "type": message_type, **fields})
        while True:
            message = await websocket.receive_json(timeout=REQUEST_TIMEOUT)
            if message.get("id") != self._message_id or message.get("type") != "result":
                continue
            if not message["success"]:
                raise HomeAssistantError(f"{message_type}: {message['error']}")
            return message["result"]

    async def _connected_websocket(self) -> aiohttp.ClientWebSocketResponse:
        if self._websocket is None:
            websocket = await self._session.ws_connect(f"{self.url}/api/websocket")
            await websocket.receive_json(timeout=REQUEST_TIMEOUT)  # auth_required
            await websocket.send_json({"type": "auth", "access_token": self.access_token})
            reply = await websocket.receive_json(timeout=REQUEST_TIMEOUT)
            if reply.get("type") != "auth_ok":
                raise HomeAssistantError(f"websocket login failed: {reply}")
            self._websocket = websocket
        return self._websocket

    # Config entries

    async def add_integration(self, settings: ServiceSettings) -> dict[str, Any]:
        """Go through the setup form; return the created entry.

        Raises ``HomeAssistantError`` with the form's errors if it is shown again.
        """
        form = await self._rest_object(
            "POST",
            "/api/config/config_entries/flow",
            {"handler": DOMAIN},
        )
        result = await self._rest_object(
            "POST",
            f"/api/config/config_entries/flow/{form['flow_id']}",
            filled_in(form, settings.form()),
        )
        if result["type"] != "create_entry":
            raise HomeAssistantError(f"the setup form was refused: {result.get('errors')}")
        entry: dict[str, Any] = result["result"]
        return entry

    async def change_options(self, entry_id: str, changes: Mapping[str, Any]) -> None:
        """Open the options form, change some fields, keep the rest, save."""
        form = await self._rest_object(
            "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
        )
        result = await self._rest_object(
            "POST",
            f"/api/config/config_entries/options/flow/{form['flow_id']}",
            filled_in(form, changes),
        )
        if result["type"] != "create_entry":
            raise HomeAssistantError(f"the options form was refused: {result.get('errors')}")

    async def entry(self, entry_id: str) -> dict[str, Any]:
        """Return the config entry as the integrations page lists it (with its state)."""
        entries = json_objects(
            await self.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        )
        for entry in entries:
            if entry["entry_id"] == entry_id:
                return entry
        raise HomeAssistantError(f"no config entry {entry_id}")

    async def wait_for_entry_state(self, entry_id: str, state: str = "loaded") -> None:
        """Wait until the entry reaches ``state`` (e.g. after a reload)."""
        deadline = time.monotonic() + REQUEST_TIMEOUT
        while (current := (await self.entry(entry_id))["state"]) != state:
            if time.monotonic() > deadline:
                raise HomeAssistantError(f"entry {entry_id} stayed {current!r}")
            await asyncio.sleep(POLL_INTERVAL)

    async def tts_entity(self, entry_id: str) -> str:
        """Return the entry's TTS entity id (its name depends on the language)."""
        for entity in json_objects(await self.command("config/entity_registry/list")):
            if entity["config_entry_id"] == entry_id and entity["entity_id"].startswith("tts."):
                entity_id: str = entity["entity_id"]
                return entity_id
        raise HomeAssistantError(f"entry {entry_id} has no tts entity")

    # Speech

    async def speak(
        self, tts_entity: str, message: str, options: Mapping[str, Any] | None = None
    ) -> FetchedAudio:
        """``tts.speak`` on the speaker, then fetch what it was told to play, as it would.

        Chunk times count from the ``tts.speak`` call: the first one is what a listener
        waits before the speaker can start.
        """
        started = time.perf_counter()
        await self.rest(
            "POST",
            "/api/services/tts/speak",
            {
                "entity_id": tts_entity,
                "media_player_entity_id": SPEAKER,
                "message": message,
                "options": dict(options or {}),
            },
        )
        media_id = (await self._rest_object("GET", f"/api/states/{SPEAKER_MEDIA}"))["state"]
        resolved = json_object(
            await self.command("media_source/resolve_media", media_content_id=media_id)
        )
        return await self.fetch(resolved["url"], started=started)

    async def entity_of(self, entry_id: str, domain: str) -> str:
        """Return the entry's entity of ``domain`` (``stt``, ``tts``)."""
        for entity in json_objects(await self.command("config/entity_registry/list")):
            entity_id: str = entity["entity_id"]
            if entity["config_entry_id"] == entry_id and entity_id.startswith(f"{domain}."):
                return entity_id
        raise HomeAssistantError(f"entry {entry_id} has no {domain} entity")

    async def create_pipeline(self, stt_entity: str, tts_entity: str, language: str) -> str:
        """Create an Assist pipeline with our STT and TTS and Home Assistant's agent."""
        pipeline = json_object(
            await self.command(
                "assist_pipeline/pipeline/create",
                name="Volcengine",
                language=language,
                conversation_engine="conversation.home_assistant",
                conversation_language=language,
                stt_engine=stt_entity,
                stt_language=language,
                tts_engine=tts_entity,
                tts_language=language,
                tts_voice=None,
                wake_word_entity=None,
                wake_word_id=None,
            )
        )
        pipeline_id: str = pipeline["id"]
        return pipeline_id

    async def run_pipeline(self, pipeline_id: str, pcm: bytes) -> list[dict[str, Any]]:
        """Stream 16 kHz PCM into the pipeline, as a satellite would; return its events.

        Audio goes in 10 ms binary messages prefixed by the run's handler id; an empty
        message ends it (``no_vad``: the end of the file ends the command).
        """
        websocket = await self._connected_websocket()
        self._message_id += 1
        run_id = self._message_id
        await websocket.send_json(
            {
                "id": run_id,
                "type": "assist_pipeline/run",
                "pipeline": pipeline_id,
                "start_stage": "stt",
                "end_stage": "tts",
                "input": {"sample_rate": 16000, "no_vad": True},
            }
        )
        events: list[dict[str, Any]] = []
        while True:
            message = await websocket.receive_json(timeout=REQUEST_TIMEOUT)
            if message.get("id") != run_id:
                continue
            if message["type"] == "result":
                if not message["success"]:
                    raise HomeAssistantError(f"assist_pipeline/run: {message['error']}")
                continue
            event = message["event"]
            events.append(event)
            if event["type"] == "run-start":
                prefix = bytes((event["data"]["runner_data"]["stt_binary_handler_id"],))
                for start in range(0, len(pcm), 320):
                    await websocket.send_bytes(prefix + pcm[start : start + 320])
                await websocket.send_bytes(prefix)
            if event["type"] in ("run-end", "error"):
                return events

    async def tts_url(
        self, tts_entity: str, message: str, options: Mapping[str, Any] | None = None
    ) -> str:
        """Ask for a URL of the spoken ``message`` (``POST /api/tts_get_url``)."""
        answer = await self._rest_object(
            "POST",
            "/api/tts_get_url",
            {"engine_id": tts_entity, "message": message, "options": dict(options or {})},
        )
        path: str = answer["path"]
        return path

    async def fetch(self, url: str, *, started: float | None = None) -> FetchedAudio:
        """GET audio chunk by chunk, as a player streams it."""
        started = time.perf_counter() if started is None else started
        if url.startswith("/"):
            url = f"{self.url}{url}"
        data = bytearray()
        times: list[float] = []
        # Players fetch without credentials: the token in the URL is the permission.
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as player,
            player.get(url) as response,
        ):
            if response.status != HTTPStatus.OK:
                raise HomeAssistantError(f"GET {url}: HTTP {response.status}")
            async for chunk in response.content.iter_any():
                times.append(time.perf_counter() - started)
                data += chunk
            return FetchedAudio(bytes(data), response.content_type, times)


def filled_in(form: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Answer a form as the frontend does: shown values (suggested or default), then ours.

    A form section (``expandable``) is answered as a nested object, its own
    fields filled in the same way.
    """
    answer: dict[str, Any] = {}
    for field_schema in form.get("data_schema", []):
        name = field_schema["name"]
        suggested = (field_schema.get("description") or {}).get("suggested_value")
        if field_schema.get("type") == "expandable":
            answer[name] = filled_in({"data_schema": field_schema["schema"]}, changes.get(name, {}))
        elif suggested is not None:
            answer[name] = suggested
        elif "default" in field_schema:
            answer[name] = field_schema["default"]
    answer.update(
        {name: value for name, value in changes.items() if not isinstance(answer.get(name), dict)}
    )  # sections were merged above
    return answer
