"""Text pieces that a retry can run through again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator

from ..wire.errors import TextSourceCancelledError
from ..wire.tasks import stop


class TextReplay:
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
        self._closing = False
        """Set by :meth:`close`: a cancellation of the pump is then ours, not the source's."""

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
        self._closing = True
        if self._pump is not None:
            await stop(self._pump)

    async def _read_source(self) -> None:
        try:
            async for piece in self._source:
                self._seen.append(piece)
                self._changed.set()
        except asyncio.CancelledError as err:
            if self._closing:
                raise
            # The source itself gave up (its producer was cancelled): the text is cut
            # short, and ending normally would pass truncated audio off as complete.
            self._error = TextSourceCancelledError(
                "The text to speak was cancelled before it ended"
            )
            self._error.__cause__ = err
        except BaseException as err:  # noqa: BLE001 - handed to the reader, which raises it
            self._error = err
        finally:
            self._done = True
            self._changed.set()
