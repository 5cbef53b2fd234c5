"""One websocket connection to Volcengine, with the safety rules applied.

Everything that touches the network goes through :func:`connect`:
TLS verification cannot be turned off, plain ``ws://`` is allowed only to a
loopback host (the local emulator), every wait has a timeout, and the
``websockets`` library logs through a :class:`RedactingLogger` because at
DEBUG it writes every request header — including the access token.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final, TypedDict, cast
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import Frame
from websockets.protocol import State

from .errors import (
    REDACTED,
    InvalidEndpointError,
    ProtocolError,
    VolcengineConnectionError,
    VolcengineTimeoutError,
    error_from_handshake,
    error_from_server,
    error_from_text_frame,
)
from .frames import ErrorFrame, ServerFrame, decode_server_frame

_LOGGER = logging.getLogger(__name__)


def decode_message(message: bytes | str, log_id: str | None) -> ServerFrame:
    """Decode one message of the service; what says something went wrong raises.

    A text frame or an error frame becomes the typed error it describes, and a
    frame that does not decode a ``ProtocolError``; each carries the
    connection's ``X-Tt-Logid``. Shared by v1, v3 and recognition.
    """
    if isinstance(message, str):
        raise error_from_text_frame(message, log_id=log_id)
    try:
        frame = decode_server_frame(message)
    except ProtocolError as err:
        err.log_id = log_id
        raise
    if isinstance(frame, ErrorFrame):
        raise error_from_server(frame.code, frame.message, log_id=log_id)
    return frame


DEFAULT_ENDPOINT: Final = "wss://openspeech.bytedance.com"
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
DEFAULT_RECEIVE_TIMEOUT: Final = 10.0
"""Longest silence between two frames, while the server owes us one, before it is
declared stalled (see :meth:`Connection.expect_reply`)."""
MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024
"""A ``query`` answer carries all the audio of up to 1024 bytes of text in one message."""
CLOSE_TIMEOUT: Final = 2.0
SENSITIVE_HEADERS: Final = frozenset(
    {"authorization", "x-api-access-key", "x-api-app-key", "x-api-app-id", "x-api-key"}
)
LOG_ID_HEADER: Final = "X-Tt-Logid"
USER_AGENT: Final = "volcengine-tts-homeassistant"
"""How every client of this integration introduces itself to the service."""


API_PATHS: Final = (
    "/api/v1/tts/ws_binary",
    "/api/v1/tts",
    "/api/v3/tts/bidirection",
    "/api/v3/tts/unidirectional/stream",
    "/api/v3/tts/unidirectional",
    "/api/v3/sauc/bigmodel_async",
    "/api/v3/sauc/bigmodel_nostream",
    "/api/v3/sauc/bigmodel",
)
"""Full API URLs users copy from the documentation; any of them names the service."""


def service_address(endpoint: str) -> str:
    """Normalise what a user typed into the service's base address, ``wss://host[:port]``.

    The one reading of an endpoint for every client (v1, v3, recognition): a
    bare host, ``wss://host``, or the full URL of any documented API (either
    protocol, synthesis or recognition).
    Whatever else it carries (credentials, another path, a query) is refused.
    """
    text = endpoint.strip()
    if "://" not in text:
        text = f"wss://{text}"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - read to refuse a port that is not one (99999, "abc")
    except ValueError as err:
        raise InvalidEndpointError(f"The endpoint {endpoint!r} is not an address") from err
    if "@" in parts.netloc:
        raise InvalidEndpointError("The endpoint must not contain credentials")
    host = parts.hostname
    if not host:
        raise InvalidEndpointError(f"The endpoint {endpoint!r} has no host")
    scheme = parts.scheme
    if scheme == "ws":
        if not is_loopback(host):
            raise InvalidEndpointError(
                "Unencrypted ws:// endpoints are only allowed on this machine; use wss://"
            )
    elif scheme != "wss":
        raise InvalidEndpointError(f"The endpoint must start with wss://, not {parts.scheme!r}")
    if parts.path.rstrip("/") not in ("", *API_PATHS) or parts.query or parts.fragment:
        raise InvalidEndpointError(
            f"The endpoint must be a bare address such as {DEFAULT_ENDPOINT}"
        )
    return urlunsplit((scheme, parts.netloc, "", "", ""))


def build_url(endpoint: str, path: str) -> str:
    """Validate a service endpoint and return the websocket URL for ``path``.

    ``endpoint`` is read by :func:`service_address`, so any client takes the
    full URL of another API (a v3 URL given to the recogniser) as its host.
    """
    return service_address(endpoint) + path


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine without a DNS look-up."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def verified_ssl_context(context: ssl.SSLContext | None) -> ssl.SSLContext:
    """Return a context that verifies certificates; refuse one that does not."""
    if context is None:
        return ssl.create_default_context()
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise InvalidEndpointError("TLS certificate verification cannot be disabled")
    return context


def tls_context_for(url: str, context: ssl.SSLContext | None) -> ssl.SSLContext | None:
    """Return the TLS context to open ``url`` with: a verified one for ``wss://``.

    A plain ``ws://`` URL (loopback only, see :func:`service_address`) needs
    none. The one place this choice is made: :func:`connect` makes it for every
    client, and a client that wants a bad context refused early calls it too.
    """
    return verified_ssl_context(context) if url.startswith("wss://") else None


class SocketOptions(TypedDict):
    """Where and how a client opens its websockets: the keyword arguments every client takes.

    One engine hands the same four to each client it makes (v1, both v3
    connections), so they travel together.
    """

    endpoint: str
    ssl_context: ssl.SSLContext | None
    connect_timeout: float
    receive_timeout: float


class RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger adapter that scrubs secrets before anything is formatted.

    Given to ``websockets`` so its DEBUG lines (``> Authorization: Bearer;
    ...``, frame dumps) never carry a token, an app id, or request payloads.
    """

    def __init__(self, logger: logging.Logger, secrets: Iterable[str]) -> None:
        super().__init__(logger, {})
        self._secrets = tuple(secret for secret in secrets if secret)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:  # noqa: ANN401
        """Format the record, redact it, then log it with no arguments left."""
        if not self.isEnabledFor(level):
            return
        text = self._render(msg, args)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(level, "%s", text, **kwargs)

    @staticmethod
    def _render(msg: object, args: tuple[object, ...]) -> str:
        if len(args) == 2 and isinstance(args[0], str) and args[0].lower() in SENSITIVE_HEADERS:  # noqa: PLR2004
            args = (args[0], REDACTED)
        args = tuple(_describe_frame(arg) if isinstance(arg, Frame) else arg for arg in args)
        try:
            return str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            return f"{msg} {args!r}"


def _describe_frame(frame: Frame) -> str:
    """Describe a frame by type and size only: its bytes may hold the app id."""
    return f"{frame.opcode.name} frame [{len(frame.data)} bytes]"


class _WatchedConnection(ClientConnection):
    """A websocket that tells its listeners when its socket is gone, whoever closed it.

    A callback, not a task waiting on ``wait_closed()``: an idle connection
    must cost nothing while it waits, and a task per idle connection would.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - websockets' own
        super().__init__(*args, **kwargs)
        self.on_lost: list[Callable[[], None]] = []

    def connection_lost(self, exc: Exception | None) -> None:
        """Let websockets finish its bookkeeping, then tell each listener once."""
        super().connection_lost(exc)
        listeners, self.on_lost = self.on_lost, []
        for listener in listeners:
            listener()


class Connection:
    """An open websocket plus what we learnt during the handshake."""

    def __init__(
        self, websocket: _WatchedConnection, *, log_id: str | None, receive_timeout: float
    ) -> None:
        self._websocket = websocket
        self.log_id = log_id
        self._receive_timeout = receive_timeout
        self._reply_expected = True
        self._receiving: asyncio.Timeout | None = None

    async def send(self, message: bytes) -> None:
        """Send one binary message."""
        with self._failures_mapped(
            stalled="Sending to Volcengine stalled", closed="closed while sending"
        ):
            async with asyncio.timeout(self._receive_timeout):
                await self._websocket.send(message)

    async def receive(self) -> bytes | str:
        """Wait for the next message; while a reply is expected, no longer than the timeout."""
        with self._failures_mapped(
            stalled="Volcengine sent nothing", closed="closed before the audio was complete"
        ):
            async with asyncio.timeout_at(self._receive_deadline()) as receiving:
                self._receiving = receiving
                try:
                    return await self._websocket.recv()
                finally:
                    self._receiving = None

    def expect_reply(self, expected: bool) -> None:
        """Say whether the server owes us a message: only then does the receive timeout run.

        A v3 server that has answered all our text owes nothing while we wait
        for more (an LLM still writing): its silence is not a stall, and the
        text's own idle limit bounds that wait instead. A receive already
        waiting is re-armed from now.
        """
        if expected == self._reply_expected:
            return
        self._reply_expected = expected
        receiving = self._receiving
        if receiving is not None and not receiving.expired():
            receiving.reschedule(self._receive_deadline())

    def _receive_deadline(self) -> float | None:
        if not self._reply_expected:
            return None
        return asyncio.get_running_loop().time() + self._receive_timeout

    async def receive_unbounded(self) -> bytes | str:
        """Wait for the next message with no timeout of its own: the caller's deadline bounds it.

        For a server that may rightly stay silent for a while (speech
        recognition during a pause), where a per-frame timeout would be wrong.
        """
        with self._failures_mapped(
            stalled="Volcengine sent nothing", closed="closed before the answer was complete"
        ):
            return await self._websocket.recv()

    @contextmanager
    def _failures_mapped(self, *, stalled: str, closed: str) -> Iterator[None]:
        """Turn a timeout or a closed socket into the client's typed errors."""
        try:
            yield
        except TimeoutError as err:
            raise VolcengineTimeoutError(
                f"{stalled} for {self._receive_timeout:g} s", log_id=self.log_id
            ) from err
        except ConnectionClosed as err:
            raise VolcengineConnectionError(
                f"The connection to Volcengine {closed}", log_id=self.log_id
            ) from err

    @property
    def is_open(self) -> bool:
        """Whether the websocket is still open (the server may close idle ones)."""
        return self._websocket.state is State.OPEN

    def when_lost(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` once when the socket is gone (the server closed it, or we did).

        Returns the function that takes the listener back (before we close it
        ourselves). A socket already gone calls it soon, never from here.
        """
        websocket = self._websocket
        if websocket.state is State.CLOSED:
            return asyncio.get_running_loop().call_soon(listener).cancel
        websocket.on_lost.append(listener)

        def forget() -> None:
            if listener in websocket.on_lost:
                websocket.on_lost.remove(listener)

        return forget

    def abort(self) -> None:
        """Drop the connection at once, without a close handshake; what arrived stays readable."""
        self._websocket.transport.abort()

    async def close(self) -> None:
        """Close the connection; the close handshake is bounded by CLOSE_TIMEOUT."""
        await self._websocket.close()


async def open_service_socket(
    path: str, options: SocketOptions, *, headers: Mapping[str, str], secrets: Iterable[str]
) -> Connection:
    """Open the websocket of the API at ``path`` on the options' endpoint, by :func:`connect`."""
    return await connect(
        build_url(options["endpoint"], path),
        headers=headers,
        secrets=secrets,
        ssl_context=options["ssl_context"],
        connect_timeout=options["connect_timeout"],
        receive_timeout=options["receive_timeout"],
    )


async def connect(
    url: str,
    *,
    headers: Mapping[str, str],
    secrets: Iterable[str],
    ssl_context: ssl.SSLContext | None,
    connect_timeout: float,
    receive_timeout: float,
) -> Connection:
    """Open a websocket to ``url``, mapping every failure to a typed error.

    Every client (v1, v3 both ways, recognition) opens its socket here, so the
    rules hold for all: a verified TLS context for ``wss://`` (``ssl_context``
    is checked, or a default one made), our user agent, secrets redacted from
    the library's logs. ``headers`` (the protocol's own, e.g.
    :func:`.models.auth_headers`) go out as given.
    """
    redacting_logger = RedactingLogger(logging.getLogger(f"{__package__}.websocket"), secrets)
    try:
        websocket = await websockets_connect(
            url,
            additional_headers=dict(headers),
            user_agent_header=USER_AGENT,
            ssl=tls_context_for(url, ssl_context),
            open_timeout=connect_timeout,
            close_timeout=CLOSE_TIMEOUT,
            ping_interval=None,
            max_size=MAX_MESSAGE_BYTES,
            compression=None,
            logger=redacting_logger,
            create_connection=_WatchedConnection,
        )
    except InvalidStatus as err:
        response = err.response
        raise error_from_handshake(
            response.status_code,
            bytes(response.body or b""),
            log_id=response.headers.get(LOG_ID_HEADER),
        ) from err
    except TimeoutError as err:
        raise VolcengineTimeoutError(
            f"Connecting to Volcengine took longer than {connect_timeout:g} s"
        ) from err
    except (OSError, InvalidHandshake) as err:
        raise VolcengineConnectionError(f"Cannot connect to Volcengine: {err}") from err
    log_id = websocket.response.headers.get(LOG_ID_HEADER) if websocket.response else None
    _LOGGER.debug("Connected to %s (logid %s)", url, log_id)
    # create_connection above made it one; websockets types it as its base class.
    watched = cast("_WatchedConnection", websocket)
    return Connection(watched, log_id=log_id, receive_timeout=receive_timeout)


class SocketPerRequest:
    """The set-up and tear-down of a client that opens a fresh websocket for each request.

    The v1 client and the recogniser work this way (one request, or one
    utterance, per connection); what differs between them is only the
    protocol's headers and frames. The endpoint and TLS context are checked
    here, when the client is made, so a bad one is refused before any request.
    """

    def __init__(
        self,
        endpoint: str,
        path: str,
        *,
        ssl_context: ssl.SSLContext | None,
        connect_timeout: float,
        receive_timeout: float,
    ) -> None:
        self.url = build_url(endpoint, path)
        self._ssl_context = tls_context_for(self.url, ssl_context)
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout
        self._closing: set[asyncio.Task[None]] = set()

    async def _open_socket(
        self, *, headers: Mapping[str, str], secrets: Iterable[str]
    ) -> Connection:
        """Open this request's websocket with the protocol's ``headers``."""
        return await connect(
            self.url,
            headers=headers,
            secrets=secrets,
            ssl_context=self._ssl_context,
            connect_timeout=self.connect_timeout,
            receive_timeout=self.receive_timeout,
        )

    def _close_in_background(self, closing: Coroutine[Any, Any, None]) -> None:
        """Run a close handshake without holding up the caller; :meth:`wait_closed` awaits it.

        For an answer already complete: its close (a round trip) must not
        delay what the caller does next.
        """
        task = asyncio.get_running_loop().create_task(closing)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def wait_closed(self) -> None:
        """Wait for connections still closing in the background."""
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
