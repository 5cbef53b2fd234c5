"""A real Home Assistant with this repository's integration, driven as a user drives it.

``scripts/demo`` and ``tests/e2e`` share this module: they boot a throw-away Home
Assistant process from the development configuration (``config/configuration.yaml``),
onboard it, add the integration through the config-flow REST API and listen to what a
media player is told to play. Nothing here imports the integration: like a browser, it
only knows Home Assistant's public HTTP and websocket APIs.

Run as a program it is the ``hass`` command of ``scripts/develop``
(``python scripts/ha_process.py -c config``), see ``main``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import aiohttp
from homeassistant.util.yaml import dump, load_yaml_dict

if TYPE_CHECKING:
    from emulator import Emulator

HASS_COMMAND: Final = Path(__file__).resolve()
"""This file: run as a program, it is ``hass`` (see ``main``)."""
ROOT: Final = HASS_COMMAND.parents[1]
DEVELOPMENT_CONFIG: Final = ROOT / "config" / "configuration.yaml"
INTEGRATION: Final = ROOT / "custom_components" / "volcengine_tts"
DOMAIN: Final = "volcengine_tts"

SPEAKER: Final = "media_player.speaker"
"""The development configuration's stand-in speaker (a ``universal`` media player)."""
SPEAKER_MEDIA: Final = "input_text.speaker_media"
"""Where the speaker writes the media id it was asked to play."""

BOOT_TIMEOUT: Final = 90.0
"""Seconds Home Assistant may take to answer HTTP (about 3 s here, far more on a busy CI)."""
REQUEST_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 30.0
_POLL_INTERVAL: Final = 0.1
_LOG_NAME: Final = "home-assistant.log"
_CONSOLE_NAME: Final = "console.log"

ONBOARDING_STORAGE_VERSION: Final = 4
"""Version of Home Assistant's ``.storage/onboarding`` file (2026.2)."""

USERNAME: Final = "demo"
PASSWORD: Final = "demo-password"  # noqa: S105 - a throw-away local instance's owner


class HomeAssistantError(Exception):
    """Home Assistant did not start, or refused a request."""


# --- The service Home Assistant will talk to ---------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """What a user types into the integration's setup form."""

    endpoint: str
    app_id: str
    access_token: str
    voice: str
    protocol: str = "v3"
    resource_id: str = "auto"
    cluster: str = "volcano_tts"
    label: str = "emulator"

    def form(self) -> dict[str, Any]:
        """Return the setup form's fields (the connection ones in their collapsed section)."""
        return {
            "app_id": self.app_id,
            "access_token": self.access_token,
            "voice": self.voice,
            "connection": {
                "protocol": self.protocol,
                "resource_id": self.resource_id,
                "cluster": self.cluster,
                "endpoint": self.endpoint,
            },
        }


def real_service(voice: str) -> ServiceSettings | None:
    """Volcengine itself when ``VOLCENGINE_APP_ID`` and ``VOLCENGINE_ACCESS_TOKEN`` are set."""
    app_id = os.environ.get("VOLCENGINE_APP_ID")
    token = os.environ.get("VOLCENGINE_ACCESS_TOKEN")
    if not (app_id and token):
        return None
    return ServiceSettings(
        endpoint=os.environ.get("VOLCENGINE_ENDPOINT", "wss://openspeech.bytedance.com"),
        app_id=app_id,
        access_token=token,
        voice=voice,
        protocol=os.environ.get("VOLCENGINE_PROTOCOL", "v3"),
        resource_id=os.environ.get("VOLCENGINE_RESOURCE_ID", "auto"),
        cluster=os.environ.get("VOLCENGINE_CLUSTER", "volcano_tts"),
        label="Volcengine",
    )


class BackgroundEmulator:
    """The Volcengine emulator on its own thread and event loop.

    Home Assistant (another process) connects to it at any time, also while the caller's
    loop is blocked or between pytest tests; tasks and timers of its connections stay
    out of the caller's loop. ``call`` and ``run`` reach into the emulator safely.
    """

    def __init__(self) -> None:
        # Imported here: the emulator lives at the repository root, beside scripts/.
        from emulator import Emulator  # noqa: PLC0415

        self.emulator = Emulator()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="emulator", daemon=True)
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """Base URL to type as the service endpoint, e.g. ``ws://127.0.0.1:43123``."""
        return self.emulator.url

    def settings(self, voice: str) -> ServiceSettings:
        """Return the setup form for this emulator's demo account."""
        from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN  # noqa: PLC0415

        return ServiceSettings(
            endpoint=self.url, app_id=DEFAULT_APP_ID, access_token=DEFAULT_TOKEN, voice=voice
        )

    def __enter__(self) -> Self:
        self._thread.start()
        self._started.wait(timeout=REQUEST_TIMEOUT)
        if self._error is not None:
            raise HomeAssistantError(f"the emulator did not start: {self._error}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=STOP_TIMEOUT)

    def call[T](self, work: Callable[[Emulator], T]) -> T:
        """Run ``work(emulator)`` on the emulator's thread, e.g. to read its records."""

        async def on_loop() -> T:
            return work(self.emulator)

        return asyncio.run_coroutine_threadsafe(on_loop(), self._loop).result(REQUEST_TIMEOUT)

    async def run[T](self, work: Callable[[Emulator], Awaitable[T]]) -> T:
        """Await ``work(emulator)`` on the emulator's loop from another loop."""

        async def on_loop() -> T:
            return await work(self.emulator)

        future = asyncio.run_coroutine_threadsafe(on_loop(), self._loop)
        return await asyncio.wrap_future(future)

    def _serve(self) -> None:
        async def serve() -> None:
            self._stop = asyncio.Event()
            try:
                await self.emulator.start()
            except OSError as err:
                self._error = err
                self._started.set()
                return
            self._started.set()
            try:
                await self._stop.wait()
            finally:
                await self.emulator.stop()

        try:
            self._loop.run_until_complete(serve())
        finally:
            self._loop.close()


# --- The Home Assistant process -----------------------------------------------------


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
            storage = self.config_dir / ".storage"
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
                await asyncio.sleep(_POLL_INTERVAL)
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


# --- Talking to it like the frontend ------------------------------------------------


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
        """Create the owner account, as the first screen does, and log in with it.

        Only the user step: the later onboarding steps set up integrations that go
        online (weather, radio browser, analytics).
        """
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
                code = _object(await _json(response))["auth_code"]
            async with session.post(
                f"{url}/auth/token",
                data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
            ) as response:
                token = _object(await _json(response))["access_token"]
        client = cls(url, str(token))
        await client.keep_http_settings()
        return client

    async def keep_http_settings(self) -> None:
        """Confirm the throw-away HTTP settings, where Home Assistant asks for it.

        Since 2026.10 Home Assistant moves ``http:`` from YAML into its storage as
        an unconfirmed trial: the owner sees a "Confirm new HTTP server
        configuration" dialog, and without an answer it reverts (restarting)
        five minutes later. Older releases know no such trial, nor the command.
        """
        try:
            settings = _object(await self.command("http/config"))
        except HomeAssistantError as err:
            if "unknown_command" in str(err):
                return
            raise
        if settings.get("pending") is not None:
            await self.command("http/config/promote")

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
            return await _json(response)

    async def _rest_object(self, method: str, path: str, payload: object = None) -> dict[str, Any]:
        return _object(await self.rest(method, path, payload))

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
        entries = _objects(
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
            await asyncio.sleep(_POLL_INTERVAL)

    async def tts_entity(self, entry_id: str) -> str:
        """Return the entry's TTS entity id (its name depends on the language)."""
        for entity in _objects(await self.command("config/entity_registry/list")):
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
        resolved = _object(
            await self.command("media_source/resolve_media", media_content_id=media_id)
        )
        return await self.fetch(resolved["url"], started=started)

    async def entity_of(self, entry_id: str, domain: str) -> str:
        """Return the entry's entity of ``domain`` (``stt``, ``tts``)."""
        for entity in _objects(await self.command("config/entity_registry/list")):
            entity_id: str = entity["entity_id"]
            if entity["config_entry_id"] == entry_id and entity_id.startswith(f"{domain}."):
                return entity_id
        raise HomeAssistantError(f"entry {entry_id} has no {domain} entity")

    async def create_pipeline(self, stt_entity: str, tts_entity: str, language: str) -> str:
        """Create an Assist pipeline with our STT and TTS and Home Assistant's agent."""
        pipeline = _object(
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


async def _json(response: aiohttp.ClientResponse) -> object:
    if response.status >= HTTPStatus.MULTIPLE_CHOICES:
        body = await response.text()
        raise HomeAssistantError(
            f"{response.method} {response.url.path}: HTTP {response.status} {body[:500]}"
        )
    answer: object = await response.json()
    return answer


def _object(answer: object) -> dict[str, Any]:
    """Return a JSON object, or raise: Home Assistant answered something else."""
    if not isinstance(answer, dict):
        raise HomeAssistantError(f"expected a JSON object, got {answer!r:.200}")
    return answer


def _objects(answer: object) -> list[dict[str, Any]]:
    """Return a JSON list of objects, or raise: Home Assistant answered something else."""
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise HomeAssistantError(f"expected a JSON list of objects, got {answer!r:.200}")
    return answer


# --- The ``hass`` command -----------------------------------------------------------


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
