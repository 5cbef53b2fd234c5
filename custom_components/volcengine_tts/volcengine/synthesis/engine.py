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
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from ..wire.errors import (
    MessageTooLongError,
    NothingToSpeakError,
    ProtocolError,
    SsmlNotSupportedError,
    SsmlTooLongError,
    TextSourceCancelledError,
    TextStalledError,
    VolcengineError,
    redact,
)
from ..wire.models import DEFAULT_CLUSTER, MAX_TEXT_BYTES, ServiceCredentials, VoiceSettings
from ..wire.slots import RequestSlots
from ..wire.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_ENDPOINT,
    DEFAULT_RECEIVE_TIMEOUT,
    SocketOptions,
    build_url,
    tls_context_for,
)
from .bidirection import V3_BIDIRECTION_PATH, BidirectionalConnection, resource_id_for_voice
from .exchange import V3Exchange
from .markup import stream_without_markup, strip_markup_gradually
from .pool import ConnectionPool
from .replay import TextReplay
from .ssml import MAX_SSML_CHARS, collect, is_ssml, sniff_ssml
from .text import is_speakable, pack_gradually, split_text_gradually, stream_sentences
from .unidirectional import UnidirectionalConnection
from .v1 import V1Client, v1_credentials
from .warmth import REOPEN_DELAY

_LOGGER = logging.getLogger(__name__)

type Protocol = Literal["v3", "v1"]
type UsageCallback = Callable[[int], None]
"""Told the characters billed for each finished request."""
RECENT_ERRORS: Final = 20
NOTHING_TO_SPEAK: Final = "The text contains nothing to speak, only punctuation or spaces"
WRITER_IDLE_TIMEOUT: Final = 120.0
"""Longest pause between two fragments of streamed text (an LLM calling a tool,
a slow local model) before the request gives up. It is not a server timeout:
while the service has answered all text sent so far, its silence is expected."""


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
    """Longest silence of the service while it owes us an answer."""
    writer_idle_timeout: float = WRITER_IDLE_TIMEOUT
    """Longest wait for the next fragment of streamed text."""
    retry_attempts: int = 3
    retry_backoff: float = 0.25
    retry_backoff_max: float = 2.0
    max_piece_bytes: int = MAX_TEXT_BYTES
    max_message_chars: int = 50_000
    """Longest message accepted: a guard against feeding a log file to a speaker."""
    reopen_delay: float = REOPEN_DELAY
    """Seconds before an idle connection the service closed is reopened (see ``pool``)."""
    warm_settings: VoiceSettings | None = None
    """Settings of the most likely next request: a v3 session with them is
    begun ahead of need on every idle connection."""
    on_usage: UsageCallback | None = None
    """Called with the characters billed for each finished v3 session (the
    count Volcengine reports) or v1 request (the characters sent). Failed
    requests report nothing: the service bills only what it synthesized."""
    on_error: Callable[[VolcengineError], None] | None = None
    """Called with every failure the engine sees (also those it retries),
    after secrets are scrubbed from it."""


class SynthesisEngine:
    """Turn text (whole or streamed) into audio, as fast as the network allows."""

    def __init__(
        self,
        credentials: ServiceCredentials,
        config: EngineConfig | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._credentials = credentials
        self.config = config or EngineConfig()
        self._ssl_context = ssl_context
        # Only the configured protocol's client: each validates the endpoint
        # against its own path, so a full v3 URL must not meet a v1 client.
        self._v1: V1Client | None = None
        if self.config.protocol == "v1":
            v1_credentials(credentials)  # refuse an API key now, not at the first request
            self._v1 = V1Client(credentials, cluster=self.config.cluster, **self._socket_options())
        else:  # refuse a bad endpoint or context now, as v1 does
            tls_context_for(build_url(self.config.endpoint, V3_BIDIRECTION_PATH), ssl_context)
        self._pool = ConnectionPool(
            self._open_connection,
            max_size=self.config.max_concurrency,
            idle_timeout=self.config.idle_timeout,
            queue_limit=self.config.queue_limit,
            queue_timeout=self.config.queue_timeout,
            reopen_delay=self.config.reopen_delay,
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
        """Yield audio for ``text`` — a whole string or fragments still arriving.

        An SSML message (``<speak>…</speak>``, also when streamed: its first
        characters say so) is sent whole, unfiltered, in one request.
        """
        if not isinstance(text, str):
            text = await self._sniffed(self._counted(text))
        ssml = isinstance(text, str) and is_ssml(text)
        if isinstance(text, str) and ssml:
            pieces = TextReplay(_one(self._checked_ssml(text, settings)))
            # The service refuses SSML with its Markdown filter on; ours would break the tags.
            settings = replace(settings, filter_markdown=False)
        else:
            if settings.filter_markdown:
                text = (
                    await strip_markup_gradually(text)
                    if isinstance(text, str)
                    else stream_without_markup(text)
                )
            pieces = TextReplay(self._pieces(text))
        try:
            async with contextlib.aclosing(
                self._stream_with_retries(pieces, settings, ssml=ssml)
            ) as audio:
                async for chunk in audio:
                    yield chunk
        finally:
            await pieces.close()

    async def _sniffed(self, fragments: AsyncIterator[str]) -> str | AsyncIterator[str]:
        """Return a streamed SSML document whole; any other stream as a stream again.

        The first fragments are read here, in the caller's task, not in a
        replay's pump: a cancellation that comes from the text source itself
        (not from our caller) is the text being cut off, as the pump reports it.
        """
        try:
            ssml, stream = await sniff_ssml(fragments)
            return await collect(stream) if ssml else stream
        except asyncio.CancelledError as err:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            error = TextSourceCancelledError("The text to speak was cancelled before it ended")
            self._record(error)
            raise error from err
        except VolcengineError as err:
            self._record(err)
            raise

    def _checked_ssml(self, document: str, settings: VoiceSettings) -> str:
        """Refuse, before anything is sent, SSML the voice or its length rules out."""
        self._check_length(len(document))
        if not settings.takes_ssml:
            raise SsmlNotSupportedError(
                f"The voice {settings.voice} does not take SSML; only 1.0 voices do"
            )
        if len(document) > MAX_SSML_CHARS:
            raise SsmlTooLongError(
                f"The SSML has {len(document)} characters; one request takes at most "
                f"{MAX_SSML_CHARS}, tags included"
            )
        return document

    async def _stream_with_retries(
        self, pieces: TextReplay, settings: VoiceSettings, *, ssml: bool
    ) -> AsyncGenerator[bytes]:
        attempt = 0
        while True:
            audio_started = False
            try:
                async with contextlib.aclosing(self._stream_once(pieces, settings, ssml)) as audio:
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

    async def check_access(self, settings: VoiceSettings) -> bool:
        """Prove the login and the grants for ``settings`` without a billed character.

        v3: a connection (the handshake and StartConnection answer for the
        login and the resource) and a StartSession with ``settings`` (answered
        for the voice), cancelled before any text. The connection stays in the
        pool, warm for the first request. v1 has no such check: the saved
        login is trusted and the first request tells.

        Return whether anything was proven (``False`` for v1).
        """
        if self._v1 is not None or not settings.bidirection:
            # v1, and voices only the unidirectional API speaks, start nothing
            # without text: there is no free check.
            return False
        resource_id = self._resource_id(settings)
        try:
            async with self._pool.lease(
                resource_id, settings, warm=self._warm_settings(resource_id)
            ) as session:
                await session.wait_started()
                await session.cancel()
        except VolcengineError as err:
            self._record(err)
            raise
        return True

    async def close(self) -> None:
        """Close warm connections (called when the config entry unloads)."""
        await self._pool.close()
        if self._v1 is not None:
            await self._v1.wait_closed()

    async def release_idle(self) -> None:
        """Close the idle warm connections now; later requests open new ones as usual.

        Every open connection counts against the account's concurrency, so a
        credential check elsewhere (a reconfigure flow) frees them first.
        """
        await self._pool.release_idle()
        if self._v1 is not None:
            await self._v1.wait_closed()

    def prewarm(self) -> None:
        """Get a warm connection ready for a request about to come, without waiting for it.

        Called when speech recognition starts hearing a command: its spoken
        reply follows within seconds, and after a quiet spell our warm
        connections have closed. On v3 this opens, in the background, one
        connection with a session begun for the most likely request (the last
        that succeeded, else ``warm_settings``): a StartConnection and a
        StartSession without text, which bill nothing. It only takes a free
        slot nobody is waiting for, and does nothing while a warm connection
        is idle or being opened; a failure is logged at debug level, never
        raised. v1 opens a connection per request by design: nothing is kept
        open between requests there, so nothing is warmed.
        """
        warm = self.config.warm_settings
        if self._v1 is not None or warm is None or not warm.bidirection:
            return  # a voice only the unidirectional API speaks takes no warm session
        self._pool.prewarm(self._resource_id(warm), warm)

    async def wait_warm(self) -> None:
        """Wait until background warm-ups have ended: for tests and benchmarks."""
        await self._pool.wait_warm()

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
            if not is_speakable(text):
                raise NothingToSpeakError(NOTHING_TO_SPEAK)  # before any connection
            pieces = split_text_gradually(text, limit)
            # v1 pays a connection per request: fewer, fuller requests.
            pieces = pack_gradually(pieces, limit) if self.config.protocol == "v1" else pieces
            return _speakable(pieces)
        return _speakable(stream_sentences(text, limit))  # already counted by stream()

    async def _counted(self, fragments: AsyncIterable[str]) -> AsyncIterator[str]:
        """Pass streamed fragments on; refuse a stream that grows past the cap or stalls."""
        received = 0
        source = aiter(fragments)
        while True:
            try:
                async with asyncio.timeout(self.config.writer_idle_timeout):
                    fragment = await anext(source)
            except StopAsyncIteration:
                return
            except TimeoutError as err:
                raise TextStalledError(
                    f"No text arrived for {self.config.writer_idle_timeout:g} s"
                ) from err
            received += len(fragment)
            self._check_length(received)
            yield fragment

    def _check_length(self, length: int) -> None:
        if length > self.config.max_message_chars:
            raise MessageTooLongError(
                f"The message has {length} characters or more; at most "
                f"{self.config.max_message_chars} are accepted"
            )

    def _stream_once(
        self, pieces: TextReplay, settings: VoiceSettings, ssml: bool
    ) -> AsyncGenerator[bytes]:
        """Pick the road: v1; v3 unidirectional for SSML and voices not on bidirection; else v3."""
        if self._v1 is not None:
            return self._stream_v1(self._v1, pieces.replay(), settings, ssml=ssml)
        if ssml or not settings.bidirection:
            return self._stream_unidirectional(pieces.replay(), settings, ssml=ssml)
        return self._stream_v3(pieces.replay(), settings)

    async def _stream_v1(
        self,
        client: V1Client,
        pieces: AsyncGenerator[str],
        settings: VoiceSettings,
        *,
        ssml: bool,
    ) -> AsyncGenerator[bytes]:
        async with self._v1_slots.hold(), contextlib.aclosing(pieces):
            async for piece in pieces:
                request = settings.with_text(piece, ssml=ssml)
                async with contextlib.aclosing(client.stream(request)) as audio:
                    async for chunk in audio:
                        yield chunk
                self._report_usage(len(piece))

    async def _stream_v3(
        self, pieces: AsyncGenerator[str], settings: VoiceSettings
    ) -> AsyncGenerator[bytes]:
        resource_id = self._resource_id(settings)
        warm = self._warm_settings(resource_id)
        async with self._pool.lease(resource_id, settings, warm=warm) as session:
            exchange = V3Exchange(session, pieces)
            async with contextlib.aclosing(exchange.audio()) as audio:
                async for chunk in audio:
                    yield chunk
            self._report_usage(session.billed_characters)

    async def _stream_unidirectional(
        self, pieces: AsyncGenerator[str], settings: VoiceSettings, *, ssml: bool
    ) -> AsyncGenerator[bytes]:
        """Send each piece as its own request, one after another on one connection.

        The first sentence's audio starts as soon as that sentence is complete;
        later ones reuse the connection (the documented "链接复用"). The
        connection is closed inside the request's place in the pool: it counts
        against the account's concurrency until it is gone.
        """
        resource_id = self._resource_id(settings)
        async with self._pool.reserve(), contextlib.aclosing(pieces):
            # Opened at once: the handshake overlaps the wait for the first sentence.
            connection = await self._open_unidirectional(resource_id)
            try:
                async for piece in pieces:
                    if not connection.reusable:
                        await connection.close()
                        connection = await self._open_unidirectional(resource_id)
                    result = await connection.synthesize(settings.with_text(piece, ssml=ssml))
                    async with contextlib.aclosing(result.audio()) as audio:
                        async for chunk in audio:
                            yield chunk
                    self._report_usage(result.billed_characters)
            finally:
                await connection.close()

    async def _open_unidirectional(self, resource_id: str) -> UnidirectionalConnection:
        return await UnidirectionalConnection.open(
            self._credentials, resource_id=resource_id, **self._socket_options()
        )

    def _warm_settings(self, resource_id: str) -> VoiceSettings | None:
        warm = self.config.warm_settings
        if warm is None or not warm.bidirection:
            return None
        return warm if self._resource_id(warm) == resource_id else None

    def _resource_id(self, settings: VoiceSettings) -> str:
        """Pick the resource: the voice's own (a cloned preset's), the entry's, or by generation."""
        return (
            settings.resource_id or self.config.resource_id or resource_id_for_voice(settings.voice)
        )

    async def _open_connection(self, resource_id: str) -> BidirectionalConnection:
        return await BidirectionalConnection.open(
            self._credentials, resource_id=resource_id, **self._socket_options()
        )

    def _socket_options(self) -> SocketOptions:
        """Where and how every client of this engine opens its websockets (read at each use)."""
        return SocketOptions(
            endpoint=self.config.endpoint,
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
        redact(error, self._credentials.secrets())
        self.recent_errors.append(
            {
                "time": time.time(),
                "error": type(error).__name__,
                "code": error.code,
                "message": error.server_message or error.message,
                "log_id": error.log_id,
            }
        )
        if self.config.on_error is not None:
            self.config.on_error(error)

    def _report_usage(self, characters: int) -> None:
        if self.config.on_usage is not None and characters:
            self.config.on_usage(characters)


async def _one(piece: str) -> AsyncIterator[str]:
    """Yield one piece: an SSML document is never split."""
    yield piece


async def _speakable(pieces: AsyncIterator[str]) -> AsyncIterator[str]:
    """Drop pieces with nothing to speak; a text made only of them is an error.

    Both protocols refuse punctuation-only text, each in its own way (v1 with
    3011, v3 with a session that ends without audio): one error for both.
    """
    spoken = False
    async for piece in pieces:
        if is_speakable(piece):
            spoken = True
            yield piece
    if not spoken:
        raise NothingToSpeakError(NOTHING_TO_SPEAK)
