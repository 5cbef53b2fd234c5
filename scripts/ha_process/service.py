"""The service Home Assistant talks to: the emulator on a thread of its own, or Volcengine."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from .common import REQUEST_TIMEOUT, STOP_TIMEOUT, HomeAssistantError

if TYPE_CHECKING:
    from emulator import Emulator


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
