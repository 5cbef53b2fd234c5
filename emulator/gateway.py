"""One port for the websocket APIs and the HTTPS cloning API, as the real host has.

The service answers both at ``openspeech.bytedance.com``, so a client derives its
``https://`` base from the ``wss://`` endpoint it was given. The emulator's websocket
server refuses requests with a body, so the cloning API has a listener of its own;
this front reads each connection's request line and passes the connection, bytes
unchanged, to the listener that serves it: ``POST`` to the HTTP one, anything else to
the websocket one. With TLS it terminates TLS itself, so both listeners behind it stay
plain on loopback. Opt-in (``Emulator(one_port=True)``): a hop no other test needs.
"""

import asyncio
import contextlib
import logging
import ssl
from typing import Final

from .relay import Relay

_LOGGER = logging.getLogger(__name__)
_READ_BYTES: Final = 65536
_REQUEST_LINE_TIMEOUT: Final = 10.0
_MAX_REQUEST_LINE: Final = 8192


class Gateway(Relay):
    """Route each connection to ``http_port`` (``POST``) or ``websocket_port`` (the rest)."""

    name = "gateway"

    def __init__(
        self,
        host: str,
        *,
        websocket_port: int,
        http_port: int,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host)
        self._targets = {True: http_port, False: websocket_port}
        self._ssl = ssl_context

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(
            self._accept, self._host, 0, ssl=self._ssl, limit=_MAX_REQUEST_LINE
        )

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_REQUEST_LINE_TIMEOUT):
                request_line = await reader.readuntil(b"\r\n")
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self._host, self._targets[request_line.startswith(b"POST ")]
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.transport.abort()
            return
        upstream_writer.write(request_line)
        await self._join(
            (writer, upstream_writer),
            [_pipe(reader, upstream_writer), _pipe(upstream_reader, writer)],
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction; an orderly end passes as EOF, a reset as an abort."""
    try:
        while chunk := await reader.read(_READ_BYTES):
            writer.write(chunk)
            await writer.drain()
    except OSError:  # reset by the peer: pass the abruptness on
        writer.transport.abort()
        return
    with contextlib.suppress(OSError):
        if writer.can_write_eof():
            writer.write_eof()
