"""The websocket server: handshake rules shared by every protocol, routing by path.

Each endpoint is one ``Route`` in ``ROUTES``: a handler module plus, for protocols that
authenticate at the HTTP upgrade (v3), the check that may refuse the handshake.
"""

import asyncio
import json
import logging
import secrets
import ssl
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Final, Self
from urllib.parse import urlsplit

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from .clone_registry import CloneRegistry
from .cloning import CloneService
from .config import (
    RECOGNITION_RESOURCE_IDS,
    EmulatorConfig,
    Faults,
    ReceivedRecognition,
    ReceivedRequest,
    ReceivedSession,
)
from .gateway import Gateway
from .latency import LatencyProxy
from .sauc_handler import SAUC_ENDPOINTS, serve_recognition
from .state import Handshake, ServiceState
from .tls import CertificatePaths, client_ssl_context, server_ssl_context, write_certificates
from .v1_handler import V1_PATH, serve_v1
from .v3_bidirection import BIDIRECTION_PATH, IDLE_CLOSE_CODE, serve_bidirection
from .v3_request import check_handshake
from .v3_unidirectional import UNIDIRECTIONAL_PATH, serve_unidirectional

type RouteHandler = Callable[[ServerConnection, ServiceState, Handshake], Awaitable[None]]
type HandshakeCheck = Callable[[Mapping[str, str], EmulatorConfig], tuple[int, str] | None]


@dataclass(frozen=True, slots=True)
class Route:
    """How one endpoint is served."""

    serve: RouteHandler
    check_handshake: HandshakeCheck | None = None
    """Returns ``(HTTP status, message)`` to refuse the upgrade, ``None`` to accept it."""


ROUTES: Final[Mapping[str, Route]] = {
    V1_PATH: Route(serve_v1),
    BIDIRECTION_PATH: Route(serve_bidirection, check_handshake),
    UNIDIRECTIONAL_PATH: Route(serve_unidirectional, check_handshake),
    **{
        path: Route(
            serve_recognition, partial(check_handshake, resource_ids=RECOGNITION_RESOURCE_IDS)
        )
        for path in SAUC_ENDPOINTS
    },
}
"""Route per endpoint path; any other path is answered with HTTP 404."""

LOGID_HEADER: Final = "X-Tt-Logid"
_BEARER: Final = "Bearer;"
_CLOSE_TIMEOUT: Final = 2.0
_SHUTDOWN_GRACE: Final = 5.0
_LOGID_RANDOM_BYTES: Final = 10

_LOGGER = logging.getLogger(__name__)


def new_logid() -> str:
    """Make a log id shaped like the service's: a timestamp then random hex."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    return stamp + secrets.token_hex(_LOGID_RANDOM_BYTES).upper()


def bearer_token(authorization: str | None) -> str:
    """Extract the token of ``Bearer; <token>`` (the space is optional); empty if malformed."""
    if authorization is None or not authorization.startswith(_BEARER):
        return ""
    return authorization.removeprefix(_BEARER).strip()


def _json_response(connection: ServerConnection, status: int, message: str) -> Response:
    """Build a rejected handshake whose body explains why, as the service's JSON does."""
    response = connection.respond(status, json.dumps({"message": message}))
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = "application/json"
    return response


class Emulator:
    """A local Volcengine speech service: v1 ``ws_binary``, v3 TTS, streaming recognition.

    Recognition is served at ``/api/v3/sauc/bigmodel[_async|_nostream]``.

    Use as ``async with Emulator(config) as emulator:``; connect clients to
    ``emulator.url + "/api/v1/tts/ws_binary"`` (or ``/api/v3/tts/bidirection``,
    ``/api/v3/tts/unidirectional/stream``). With ``rtt > 0`` a ``LatencyProxy`` stands in
    front and ``url`` points at it, so every round trip costs ``rtt`` seconds.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        tls: bool = False,
        rtt: float = 0.0,
        one_port: bool = False,
    ) -> None:
        if rtt < 0:
            raise ValueError("rtt must not be negative")
        self._state = ServiceState(config if config is not None else EmulatorConfig())
        self._tls = tls
        self._rtt = rtt
        self._one_port = one_port
        self._gateway: Gateway | None = None
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        self._certificates: CertificatePaths | None = None
        self._server: Server | None = None
        self._proxy: LatencyProxy | None = None
        self._http: web.AppRunner | None = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def config(self) -> EmulatorConfig:
        """Settings, read when each request is served: changes apply to the next one."""
        return self._state.config

    @property
    def faults(self) -> Faults:
        """Failures to inject; mutate them while the emulator runs."""
        return self._state.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._state.faults = faults

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received (decodable as JSON), in order."""
        return self._state.requests

    async def wait_for_requests(self, count: int) -> None:
        """Return once ``count`` requests have arrived: tests synchronise on this, not on sleeps."""
        await self._state.wait_for_requests(count)

    def billed(self, app_id: str) -> int:
        """Characters the account ``app_id`` has been billed (finished v3 sessions)."""
        return self._state.billed[app_id]

    @property
    def sessions(self) -> list[ReceivedSession]:
        """Every v3 session (and unidirectional request) received, in order.

        An entry is replaced by an updated copy when its session ends; see ``ReceivedSession``.
        """
        return self._state.sessions

    async def wait_for_sessions(self, count: int, *, ended: bool = False) -> None:
        """Return once ``count`` v3 sessions have started (with ``ended``: have ended)."""
        await self._state.wait_for_sessions(count, ended=ended)

    @property
    def recognitions(self) -> list[ReceivedRecognition]:
        """Every recognition session received, in order (updated while it runs)."""
        return self._state.recognitions

    async def wait_for_recognitions(self, count: int, *, ended: bool = False) -> None:
        """Return once ``count`` recognitions have started (with ``ended``: have ended)."""
        await self._state.wait_for_recognitions(count, ended=ended)

    async def wait_for_recognition_packets(self, count: int) -> None:
        """Return once the latest recognition has received ``count`` audio packets."""
        await self._state.wait_for_recognition_packets(count)

    def open_connections(self, app_id: str) -> int:
        """How many v3 connections of ``app_id`` count against its concurrency quota."""
        return self._state.open_connections(app_id)

    async def wait_for_open_connections(self, app_id: str, count: int) -> None:
        """Return once exactly ``count`` v3 connections of ``app_id`` hold a slot.

        A client closing its side returns before the server has noticed; tests wait on
        this instead of sleeping.
        """
        await self._state.wait_for_open_connections(app_id, count)

    async def close_idle_connections(self) -> int:
        """Close every idle v3 connection; return how many.

        Idle means no synthesis in progress: no session, or a session that has not yet
        received any text (one begun ahead of need). Simulates the service dropping an
        idle pooled connection (close code 1001).
        """
        idle = [link for link in self._state.v3_links if not link.busy]
        for link in idle:
            self._state.forget_v3_link(link)
        await asyncio.gather(
            *(link.connection.close(IDLE_CLOSE_CODE, "idle connection closed") for link in idle)
        )
        return len(idle)

    @property
    def connections(self) -> int:
        """How many websocket handshakes have been accepted."""
        return self._state.connections

    @property
    def rtt(self) -> float:
        """The emulated round-trip time (0 without a latency proxy)."""
        return self._rtt

    @property
    def proxy(self) -> LatencyProxy | None:
        """The latency proxy in front of the emulator, when ``rtt > 0`` and running."""
        return self._proxy

    @property
    def url(self) -> str:
        """Base URL without path, e.g. ``ws://127.0.0.1:43123`` (the proxy's, with rtt)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        scheme = "wss" if self._tls else "ws"
        if self._proxy is not None:
            return self._proxy.url_for(scheme)
        return f"{scheme}://{self.config.host}:{self._public_port()}"

    def _public_port(self) -> int:
        """Return the port of the websocket APIs (the gateway's, with ``one_port``)."""
        if self._gateway is not None:
            return self._gateway.port
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def http_url(self) -> str:
        """Base URL of the HTTPS (or, without TLS, HTTP) cloning API, e.g. ``http://127.0.0.1:43124``.

        Its own port: ``websockets`` refuses requests with a body, so the POST endpoints
        cannot share the websocket port as they share the real service's host. With
        ``one_port`` a gateway serves both on one port, so this is ``url`` over HTTP(S).
        """
        if self._http is None or not self._http.addresses:
            raise RuntimeError("the emulator is not running")
        scheme = "https" if self._tls else "http"
        if self._gateway is not None or self._proxy is not None:
            return scheme + self.url.removeprefix("wss" if self._tls else "ws")
        port = self._http.addresses[0][1]
        return f"{scheme}://{self.config.host}:{port}"

    @property
    def clones(self) -> CloneRegistry:
        """Voices trained through the cloning API, and every cloning request received."""
        return self._state.clones

    @property
    def ca_file(self) -> str | None:
        """PEM of the CA clients must trust; ``None`` without TLS or before start."""
        return str(self._certificates.ca_file) if self._certificates is not None else None

    def client_ssl_context(self) -> ssl.SSLContext:
        """Build an SSL context that trusts only this emulator's CA, verification on."""
        if self._certificates is None:
            raise RuntimeError("the emulator serves TLS only when started with tls=True")
        return client_ssl_context(self._certificates.ca_file)

    async def start(self) -> None:
        """Start listening; the port is known (``url``) once this returns."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._state.stopping.clear()
        self._server = await serve(
            self._serve_connection,
            self.config.host,
            self.config.port,
            process_request=self._process_request,
            process_response=self._process_response,
            ssl=self._listener_tls(),
            compression=None,
            ping_interval=None,
            close_timeout=_CLOSE_TIMEOUT,
        )
        await self._start_http()
        if self._one_port:
            await self._start_gateway()
        if self._rtt > 0:
            port = self._public_port()
            self._proxy = LatencyProxy(self.config.host, port, rtt=self._rtt, host=self.config.host)
            await self._proxy.start()
        _LOGGER.debug("emulator listening on %s", self.url)

    async def stop(self) -> None:
        """Close every connection, stalled ones included, and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        self._state.stopping.set()
        http, self._http = self._http, None
        if http is not None:
            await http.cleanup()
        server.close()
        try:
            async with asyncio.timeout(_SHUTDOWN_GRACE):
                await server.wait_closed()
        except TimeoutError:
            _LOGGER.warning("connections did not close in time; cancelling their handlers")
            for task in server.handler_tasks:
                task.cancel()
            await server.wait_closed()
        finally:
            # The gateway and the proxy go last: closing handshakes still travel through them.
            gateway, self._gateway = self._gateway, None
            if gateway is not None:
                await gateway.stop()
            proxy, self._proxy = self._proxy, None
            if proxy is not None:
                await proxy.stop()
            self._discard_tls()

    async def _start_http(self) -> None:
        """Serve the cloning API on its own port of the same host (same TLS, if any)."""
        runner = web.AppRunner(
            CloneService(self._state).application(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=_SHUTDOWN_GRACE,
        )
        await runner.setup()
        certificates = None if self._one_port else self._certificates
        tls = server_ssl_context(certificates) if certificates is not None else None
        await web.TCPSite(runner, self.config.host, 0, ssl_context=tls).start()
        self._http = runner

    async def _start_gateway(self) -> None:
        """Put one port in front of both listeners; it terminates TLS itself."""
        if self._server is None or self._http is None:
            raise RuntimeError("the listeners start before the gateway")
        self._gateway = Gateway(
            self.config.host,
            websocket_port=int(self._server.sockets[0].getsockname()[1]),
            http_port=int(self._http.addresses[0][1]),
            ssl_context=server_ssl_context(self._certificates) if self._certificates else None,
        )
        await self._gateway.start()

    def _listener_tls(self) -> ssl.SSLContext | None:
        """TLS for the websocket listener: its own, unless a gateway in front terminates it."""
        if not self._tls:
            return None
        context = self._prepare_tls()
        return None if self._one_port else context

    def _prepare_tls(self) -> ssl.SSLContext:
        self._tls_dir = tempfile.TemporaryDirectory(prefix="volcengine-emulator-tls-")
        self._certificates = write_certificates(Path(self._tls_dir.name))
        return server_ssl_context(self._certificates)

    def _discard_tls(self) -> None:
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
        self._tls_dir = None
        self._certificates = None

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Apply handshake faults and reject unknown paths before upgrading."""
        faults = self._state.faults
        if faults.handshake_delay > 0 and not await self._state.pause(faults.handshake_delay):
            return _json_response(connection, HTTPStatus.SERVICE_UNAVAILABLE, "shutting down")
        path = urlsplit(request.path).path
        if path not in ROUTES:
            return _json_response(connection, HTTPStatus.NOT_FOUND, f"no service at {path}")
        if faults.handshake_status is not None:
            return _json_response(connection, faults.handshake_status, "emulated rejection")
        check = ROUTES[path].check_handshake
        if check is not None:
            refusal = check(dict(request.headers.raw_items()), self.config)
            if refusal is not None:
                return _json_response(connection, *refusal)
        return None

    def _process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        """Label every answer with a fresh log id, as the service does."""
        response.headers[LOGID_HEADER] = new_logid()

    async def _serve_connection(self, connection: ServerConnection) -> None:
        request, response = connection.request, connection.response
        if request is None or response is None:  # impossible after a successful handshake
            return
        self._state.connections += 1
        path = urlsplit(request.path).path
        handshake = Handshake(
            path=path,
            headers=dict(request.headers.raw_items()),
            token=bearer_token(request.headers.get("Authorization")),
            logid=response.headers.get(LOGID_HEADER, ""),
        )
        await ROUTES[path].serve(connection, self._state, handshake)
