"""The engine's recognition side: many utterances over one account's recognition quota.

Above :mod:`.recognition` (one connection, one utterance), below Home Assistant. It holds
one of ``max_concurrency`` slots per utterance (the account's limit, which the recognition
resource has apart from synthesis), retries a refused or failed connection while no audio
has been taken from the caller yet (audio, once read, cannot be replayed), and remembers
what happened for diagnostics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from ..wire.errors import VolcengineError, redact
from ..wire.models import ServiceCredentials
from ..wire.slots import RequestSlots
from ..wire.transport import DEFAULT_CONNECT_TIMEOUT, DEFAULT_ENDPOINT, DEFAULT_RECEIVE_TIMEOUT
from .client import (
    DEFAULT_MAX_AUDIO_SECONDS,
    DEFAULT_RECOGNITION_RESOURCE_ID,
    RecognitionClient,
    RecognitionSettings,
    Transcript,
)

_LOGGER = logging.getLogger(__name__)

RECENT_ERRORS: Final = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionConfig:
    """How the recogniser talks to Volcengine; every field has a sane default."""

    endpoint: str = DEFAULT_ENDPOINT
    resource_id: str = DEFAULT_RECOGNITION_RESOURCE_ID
    max_concurrency: int = 2
    queue_limit: int = 16
    queue_timeout: float = 30.0
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    receive_timeout: float = DEFAULT_RECEIVE_TIMEOUT
    max_audio_seconds: float = DEFAULT_MAX_AUDIO_SECONDS
    retry_attempts: int = 2
    retry_backoff: float = 0.25


class RecognitionEngine:
    """Turn streamed audio into text, within the account's concurrency."""

    def __init__(
        self,
        credentials: ServiceCredentials,
        config: RecognitionConfig | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._credentials = credentials
        self.config = config or RecognitionConfig()
        self._client = RecognitionClient(
            credentials,
            endpoint=self.config.endpoint,
            resource_id=self.config.resource_id,
            ssl_context=ssl_context,
            connect_timeout=self.config.connect_timeout,
            receive_timeout=self.config.receive_timeout,
            max_audio_seconds=self.config.max_audio_seconds,
        )
        self._slots = RequestSlots(
            self.config.max_concurrency, self.config.queue_limit, self.config.queue_timeout
        )
        self.recent_errors: deque[dict[str, Any]] = deque(maxlen=RECENT_ERRORS)
        self.recognitions = 0
        self.failures = 0
        self.retries = 0
        self.last_success: float | None = None

    async def check_access(self) -> None:
        """Prove credentials and the recognition grant with a handshake (nothing is billed)."""
        try:
            await self._client.check_access()
        except VolcengineError as err:
            self._record(err)
            raise

    async def recognize(self, audio: AsyncIterable[bytes], settings: RecognitionSettings) -> str:
        """Recognise one utterance and return its final text."""
        final = ""
        async with contextlib.aclosing(self.stream(audio, settings)) as transcripts:
            async for transcript in transcripts:
                final = transcript.text
        return final

    async def stream(
        self, audio: AsyncIterable[bytes], settings: RecognitionSettings
    ) -> AsyncGenerator[Transcript]:
        """Yield partial transcripts and, last, the final one; any failure raises."""
        source = _Watched(audio)
        self.recognitions += 1
        try:
            async with self._slots.hold():
                async for transcript in self._with_retries(source, settings):
                    yield transcript
        except VolcengineError as err:
            self.failures += 1
            self._record(err)
            raise
        self.last_success = time.time()

    async def _with_retries(
        self, source: _Watched, settings: RecognitionSettings
    ) -> AsyncIterator[Transcript]:
        attempt = 0
        while True:
            try:
                async with contextlib.aclosing(self._client.transcribe(source, settings)) as run:
                    async for transcript in run:
                        yield transcript
            except VolcengineError as err:
                if source.started or not err.retryable or attempt >= self.config.retry_attempts:
                    raise
                attempt += 1
                self.retries += 1
                self._record(err)
                delay = random.uniform(0, self.config.retry_backoff * attempt)  # noqa: S311
                _LOGGER.debug("Retrying recognition in %.2f s after: %s", delay, err)
                await asyncio.sleep(delay)
            else:
                return

    async def close(self) -> None:
        """Wait for connections still closing (called when the config entry unloads)."""
        await self._client.wait_closed()

    def diagnostics(self) -> dict[str, Any]:
        """Describe the recogniser, for Home Assistant's diagnostics download."""
        return {
            "resource_id": self.config.resource_id,
            "max_concurrency": self.config.max_concurrency,
            "waiting": self._slots.waiting,
            "recognitions": self.recognitions,
            "failures": self.failures,
            "retries": self.retries,
            "last_success": self.last_success,
            "recent_errors": list(self.recent_errors),
        }

    def _record(self, error: VolcengineError) -> None:
        """Keep recent errors for diagnostics; scrub secrets from the error itself first."""
        redact(error, self._credentials.secrets())
        message = error.server_message or error.message
        self.recent_errors.append(
            {
                "time": time.time(),
                "error": type(error).__name__,
                "code": error.code,
                "message": message,
                "log_id": error.log_id,
            }
        )


class _Watched:
    """An audio source that tells whether anything has been taken from it yet."""

    def __init__(self, audio: AsyncIterable[bytes]) -> None:
        self._audio = aiter(audio)
        self.started = False

    def __aiter__(self) -> _Watched:
        return self

    async def __anext__(self) -> bytes:
        self.started = True
        return await anext(self._audio)
