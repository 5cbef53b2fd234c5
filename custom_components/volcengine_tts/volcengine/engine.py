"""The synthesis engine: many requests over one account's worth of connections.

Above the protocol clients, below Home Assistant. It decides which protocol
runs a request, cuts long or streamed text into pieces, keeps v3 connections
warm, queues requests beyond the account's concurrency, and retries what is
worth retrying — but only before the first audio byte: once audio has gone
out, a failure raises, so nobody mistakes truncated audio for a whole answer.
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
from typing import Any, Final, Literal

from .bidirection import (
    BidirectionalConnection,
    BidirectionalSession,
    SessionState,
    resource_id_for_voice,
)
from .client import V1Client
from .errors import InvalidInputError, MessageTooLongError, ProtocolError, VolcengineError
from .models import DEFAULT_CLUSTER, MAX_TEXT_BYTES, Credentials, VoiceSettings
from .pool import ConnectionPool, RequestSlots, take_warm_session
from .text import is_speakable, pack_gradually, split_text_gradually, stream_sentences
from .transport import DEFAULT_CONNECT_TIMEOUT, DEFAULT_ENDPOINT, DEFAULT_RECEIVE_TIMEOUT

_LOGGER = logging.getLogger(__name__)

type Protocol = Literal["v3", "v1"]
RECENT_ERRORS: Final = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    """How the engine talks to Volcengine; every field has a sane default."""

    protocol: Protocol = "v3"
    endpoint: str = DEFAULT_ENDPOINT
    resource_id: str | None = None
    """v3 resource id; ``None`` picks it from each voice's generation."""
    cluster: str = DEFAULT_CLUSTER
    """v1 cluster."""
    max_concurrency: int = 2
    queue_limit: int = 256
    """Requests that may wait for a connection; the queue timeout is the real guard."""
    queue_timeout: float = 60.0
    idle_timeout: float = 30.0
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    receive_timeout: float = DEFAULT_RECEIVE_TIMEOUT
    retry_attempts: int = 3
    retry_backoff: float = 0.25
    retry_backoff_max: float = 2.0
    max_piece_bytes: int = MAX_TEXT_BYTES
    max_message_chars: int = 50_000
    """Longest message accepted: a guard against feeding a log file to a speaker."""
    warm_settings: VoiceSettings | None = None
    """Settings of the most likely next request: a v3 session with them is
    begun ahead of need on every idle connection."""


class SynthesisEngine:
    """Turn text (whole or streamed) into audio, as fast as the network allows."""

    def __init__(
        self,
        credentials: Credentials,
        config: EngineConfig | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._credentials = credentials
        self.config = config or EngineConfig()
        self._ssl_context = ssl_context
        self._v1 = V1Client(
            credentials,
            cluster=self.config.cluster,
            endpoint=self.config.endpoint,
            ssl_context=ssl_context,
            connect_timeout=self.config.connect_timeout,
            receive_timeout=self.config.receive_timeout,
        )
        self._pool = ConnectionPool(
            self._open_connection,
            max_size=self.config.max_concurrency,
            idle_timeout=self.config.idle_timeout,
            queue_limit=self.config.queue_limit,
            queue_timeout=self.config.queue_timeout,
        )
        self._v1_slots = RequestSlots(
            self.config.max_concurrency, self.config.queue_limit, self.config.queue_timeout
        )
        self.recent_errors: deque[dict[str, Any]] = deque(maxlen=RECENT_ERRORS)
        self.retries = 0

    async def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        """Speak a whole text and return all of its audio."""
        async with contextlib.aclosing(self.stream(text, settings)) as audio:
            return b"".join([chunk async for chunk in audio])

    async def stream(
        self, text: str | AsyncIterable[str], settings: VoiceSettings
    ) -> AsyncGenerator[bytes]:
        """Yield audio for ``text`` — a whole string or fragments still arriving."""
        pieces = _Replay(self._pieces(text))
        try:
            async with contextlib.aclosing(self._stream_with_retries(pieces, settings)) as audio:
                async for chunk in audio:
                    yield chunk
        finally:
            await pieces.close()

    async def _stream_with_retries(
        self, pieces: _Replay, settings: VoiceSettings
    ) -> AsyncGenerator[bytes]:
        attempt = 0
        while True:
            audio_started = False
            try:
                async with contextlib.aclosing(self._stream_once(pieces, settings)) as audio:
                    async for chunk in audio:
                        audio_started = True
                        yield chunk
            except VolcengineError as err:
                self._record(err)
                if audio_started or not err.retryable or attempt >= self.config.retry_attempts:
                    raise
                attempt += 1
                self.retries += 1
                delay = self._backoff(attempt)
                _LOGGER.debug("Retrying in %.2f s after: %s", delay, err)
                await asyncio.sleep(delay)
                continue
            if not audio_started:
                error = ProtocolError("Volcengine finished without sending any audio")
                self._record(error)
                raise error
            return

    async def close(self) -> None:
        """Close warm connections (called when the config entry unloads)."""
        await self._pool.close()
        await self._v1.wait_closed()

    def diagnostics(self) -> dict[str, Any]:
        """Describe what the engine is doing, for Home Assistant's diagnostics download."""
        return {
            "protocol": self.config.protocol,
            "resource_id": self.config.resource_id,
            "cluster": self.config.cluster if self.config.protocol == "v1" else None,
            "max_concurrency": self.config.max_concurrency,
            "pool": self._pool.state(),
            "retries": self.retries,
            "recent_errors": list(self.recent_errors),
        }

    def _pieces(self, text: str | AsyncIterable[str]) -> AsyncIterator[str]:
        limit = self.config.max_piece_bytes
        if isinstance(text, str):
            self._check_length(len(text))
            pieces = split_text_gradually(text, limit)
            # v1 pays a connection per request: fewer, fuller requests.
            return pack_gradually(pieces, limit) if self.config.protocol == "v1" else pieces
        return stream_sentences(self._counted(text), limit)

    async def _counted(self, fragments: AsyncIterable[str]) -> AsyncIterator[str]:
        """Pass streamed fragments on, refusing the stream once it grows past the cap."""
        received = 0
        async for fragment in fragments:
            received += len(fragment)
            self._check_length(received)
            yield fragment

    def _check_length(self, length: int) -> None:
        if length > self.config.max_message_chars:
            raise MessageTooLongError(
                f"The message has {length} characters or more; at most "
                f"{self.config.max_message_chars} are accepted"
            )

    def _stream_once(self, pieces: _Replay, settings: VoiceSettings) -> AsyncGenerator[bytes]:
        if self.config.protocol == "v1":
            return self._stream_v1(pieces.replay(), settings)
        return self._stream_v3(pieces.replay(), settings)

    async def _stream_v1(
        self, pieces: AsyncGenerator[str], settings: VoiceSettings
    ) -> AsyncGenerator[bytes]:
        async with self._v1_slots.hold(), contextlib.aclosing(pieces):
            spoken = False
            async for piece in pieces:
                if not is_speakable(piece):
                    continue  # v1 refuses punctuation-only text (3011)
                spoken = True
                async with contextlib.aclosing(self._v1.stream(settings.with_text(piece))) as audio:
                    async for chunk in audio:
                        yield chunk
            if not spoken:
                raise InvalidInputError("The text contains nothing to speak", code=3011)

    async def _stream_v3(
        self, pieces: AsyncGenerator[str], settings: VoiceSettings
    ) -> AsyncGenerator[bytes]:
        resource_id = self.config.resource_id or resource_id_for_voice(settings.voice)
        warm = self._warm_settings(resource_id)
        async with self._pool.lease(resource_id, warm=warm) as connection:
            session = await take_warm_session(connection, settings, self._pool)
            sender = asyncio.create_task(_send_pieces(connection, session, pieces))
            try:
                async with contextlib.aclosing(session.audio()) as audio:
                    async for chunk in audio:
                        yield chunk
                await sender
            except VolcengineError:
                # A failing text source closes the connection to stop us: its
                # own error, not the closed connection, is what happened.
                await asyncio.wait({sender}, timeout=self.config.receive_timeout)
                if sender.done() and not sender.cancelled() and sender.exception():
                    raise sender.exception() from None  # type: ignore[misc]
                raise
            finally:
                await _stop(sender)
                await pieces.aclose()
                if session.state is not SessionState.DONE:
                    await session.cancel()

    def _warm_settings(self, resource_id: str) -> VoiceSettings | None:
        warm = self.config.warm_settings
        if warm is None:
            return None
        wanted = self.config.resource_id or resource_id_for_voice(warm.voice)
        return warm if wanted == resource_id else None

    async def _open_connection(self, resource_id: str) -> BidirectionalConnection:
        return await BidirectionalConnection.open(
            self._credentials,
            endpoint=self.config.endpoint,
            resource_id=resource_id,
            ssl_context=self._ssl_context,
            connect_timeout=self.config.connect_timeout,
            receive_timeout=self.config.receive_timeout,
        )

    def _backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to an exponentially growing cap."""
        cap = min(self.config.retry_backoff_max, self.config.retry_backoff * 2 ** (attempt - 1))
        return random.uniform(cap / 2, cap)  # noqa: S311 - jitter, not cryptography

    def _record(self, error: VolcengineError) -> None:
        """Keep recent errors for diagnostics, without secrets."""
        secrets = self._credentials.secrets()
        for attribute in ("message", "server_message"):
            value = getattr(error, attribute)
            if value:
                for secret in secrets:
                    value = value.replace(secret, "**REDACTED**")
                setattr(error, attribute, value)
        self.recent_errors.append(
            {
                "time": time.time(),
                "error": type(error).__name__,
                "code": error.code,
                "message": error.server_message or error.message,
                "log_id": error.log_id,
            }
        )


async def _send_pieces(
    connection: BidirectionalConnection,
    session: BidirectionalSession,
    pieces: AsyncIterator[str],
) -> None:
    """Feed text to a session, then finish it.

    If the text source fails (say, the LLM stream breaks), the connection is
    closed so the audio reader stops at once instead of waiting for a timeout.
    """
    try:
        async for piece in pieces:
            await session.send_text(piece)
            await asyncio.sleep(0)  # let audio flow while a long text is sent
        await session.finish()
    except asyncio.CancelledError:
        raise
    except BaseException:
        connection.mark_broken()
        await connection.close()
        raise


async def _stop(task: asyncio.Task[None]) -> None:
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


class _Replay:
    """Text pieces that a retry can run through again.

    A pump task reads the source into a buffer, so cancelling one attempt's
    reader never cancels the source itself (Home Assistant's message stream
    would not survive that).
    """

    def __init__(self, source: AsyncIterator[str]) -> None:
        self._source = source
        self._seen: list[str] = []
        self._done = False
        self._error: BaseException | None = None
        self._changed = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    async def replay(self) -> AsyncGenerator[str]:
        """Yield the pieces seen so far, then the rest as the source produces them."""
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._read_source())
        index = 0
        while True:
            if index < len(self._seen):
                index += 1
                yield self._seen[index - 1]
            elif self._done:
                if self._error is not None:
                    raise self._error
                return
            else:
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        """Stop reading the source (the request is over)."""
        if self._pump is not None:
            await _stop(self._pump)

    async def _read_source(self) -> None:
        try:
            async for piece in self._source:
                self._seen.append(piece)
                self._changed.set()
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # noqa: BLE001 - handed to the reader, which raises it
            self._error = err
        finally:
            self._done = True
            self._changed.set()
