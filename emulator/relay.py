"""What a loopback TCP relay of the emulator's owns: its listener and the connections it joins.

The latency proxy and the one-port gateway both accept a connection, open one
to a listener behind them and copy bytes both ways; this is the part they
share: which connections and copying tasks are alive, so that stopping cuts
every one of them, and the port clients connect to.
"""

import asyncio
from collections.abc import Coroutine
from typing import Any


class Relay:
    """A listener whose accepted connections are each joined to one behind it."""

    name = "relay"
    """Said in the error when the port is asked for before the relay runs."""

    def __init__(self, host: str) -> None:
        self._host = host
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def port(self) -> int:
        """The port clients connect to (known once started)."""
        if self._server is None:
            raise RuntimeError(f"the {self.name} is not running")
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and cut every joined connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await server.wait_closed()

    async def _join(
        self,
        writers: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
        copies: list[Coroutine[Any, Any, None]],
    ) -> None:
        """Run the copying of one joined pair until both directions end, then cut both."""
        self._writers.update(writers)
        tasks = [asyncio.create_task(copy) for copy in copies]
        self._tasks.update(tasks)
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._tasks.difference_update(tasks)
            for writer in writers:
                self._writers.discard(writer)
                writer.transport.abort()
