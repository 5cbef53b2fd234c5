"""A loopback TCP proxy that gives every round trip a fixed cost, below TLS.

On loopback a fresh TLS websocket costs nothing, so connection pooling cannot be shown to
matter. Through this proxy each chunk reaches the other side ``rtt / 2`` after it was
read, in order, and a new connection's first bytes pay one more round trip (the
SYN / SYN-ACK exchange the local accept skips). A fresh TCP + TLS 1.3 + websocket
connection then costs about three round trips before its first request byte arrives;
a reused one costs none. Being TCP-level, it leaves the emulator's certificate valid.
"""

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Final, Self

from .relay import Relay

_LOGGER = logging.getLogger(__name__)
_READ_BYTES: Final = 65536
_HALF: Final = 0.5


class _EndOfStream:
    """Marks a direction's orderly end (EOF)."""


class _Reset:
    """Marks a direction's abrupt end (reset): passed on as an abort, not an EOF."""


type _Item = bytes | _EndOfStream | _Reset


class LatencyProxy(Relay):
    """Forward ``host:port`` to ``target_host:target_port`` with ``rtt`` seconds per round trip.

    Use as ``async with LatencyProxy(host, port, rtt=0.04) as proxy:``, then connect to
    ``proxy.url_for("wss")``. Each direction timestamps chunks as they are read and
    delivers each one when due, so a slow chunk never holds back the next beyond the
    emulated delay.
    """

    name = "latency proxy"

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        rtt: float,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if rtt < 0:
            raise ValueError("rtt must not be negative")
        super().__init__(host)
        self._target = (target_host, target_port)
        self._rtt = rtt
        self._port = port
        self.connections = 0
        """How many client connections the proxy has accepted."""

    @property
    def rtt(self) -> float:
        """The emulated round-trip time in seconds."""
        return self._rtt

    def url_for(self, scheme: str) -> str:
        """Build the base URL for ``scheme`` (``ws``, ``wss`` …) pointing at the proxy."""
        return f"{scheme}://{self._host}:{self.port}"

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

    async def start(self) -> None:
        """Start listening."""
        if self._server is not None:
            raise RuntimeError("the latency proxy is already running")
        self._server = await asyncio.start_server(self._accept, self._host, self._port)

    async def _accept(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        loop = asyncio.get_running_loop()
        accepted_at = loop.time()
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError as err:  # the emulator is gone: refuse like a closed port would
            _LOGGER.debug("latency proxy cannot reach its target: %s", err)
            client_writer.transport.abort()
            return
        half = self._rtt * _HALF
        # The handshake round trip the local accept skipped: nothing reaches the server
        # before one RTT has passed, plus the usual half RTT of the trip itself.
        upstream_open_at = accepted_at + self._rtt + half
        upstream: asyncio.Queue[tuple[float, _Item]] = asyncio.Queue()
        downstream: asyncio.Queue[tuple[float, _Item]] = asyncio.Queue()
        await self._join(
            (client_writer, server_writer),
            [
                self._read(client_reader, upstream, half, upstream_open_at),
                self._deliver(upstream, server_writer),
                self._read(server_reader, downstream, half, 0.0),
                self._deliver(downstream, client_writer),
            ],
        )

    @staticmethod
    async def _read(
        reader: asyncio.StreamReader,
        queue: asyncio.Queue[tuple[float, _Item]],
        delay: float,
        not_before: float,
    ) -> None:
        """Timestamp each chunk as it is read and queue it with its due time."""
        loop = asyncio.get_running_loop()
        item: _Item
        try:
            while chunk := await reader.read(_READ_BYTES):
                queue.put_nowait((max(loop.time() + delay, not_before), chunk))
            item = _EndOfStream()
        except OSError:  # reset by the peer: pass the abruptness on
            item = _Reset()
        queue.put_nowait((max(loop.time() + delay, not_before), item))

    @staticmethod
    async def _deliver(
        queue: asyncio.Queue[tuple[float, _Item]], writer: asyncio.StreamWriter
    ) -> None:
        """Write each chunk when it is due; due times never decrease, so order holds."""
        loop = asyncio.get_running_loop()
        while True:
            due, item = await queue.get()
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)  # the emulated latency itself
            if isinstance(item, _Reset):
                writer.transport.abort()
                return
            if isinstance(item, _EndOfStream):
                with contextlib.suppress(OSError):
                    if writer.can_write_eof():
                        writer.write_eof()
                return
            try:
                writer.write(item)
                await writer.drain()
            except OSError:  # the other side is gone; its reader reports that
                return
