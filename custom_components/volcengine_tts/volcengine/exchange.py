"""One v3 request on a leased session: text goes in while audio comes out.

A :class:`V3Exchange` owns the three parts that must agree: the sender (a
task feeding text pieces), the reader (the session's audio) and the cleanup
that leaves the session done — or the connection closed — whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

from .bidirection import BidirectionalSession, SessionState
from .errors import VolcengineError
from .tasks import stop


class V3Exchange:
    """Feed ``pieces`` to ``session`` and yield its audio."""

    def __init__(
        self, session: BidirectionalSession, pieces: AsyncGenerator[str], *, sender_grace: float
    ) -> None:
        self._session = session
        self._pieces = pieces
        self._sender_grace = sender_grace

    async def audio(self) -> AsyncGenerator[bytes]:
        """Yield the session's audio while the sender feeds it text."""
        session = self._session
        sender = asyncio.create_task(self._send())
        try:
            async with contextlib.aclosing(session.audio()) as audio:
                async for chunk in audio:
                    yield chunk
            await sender
        except VolcengineError:
            # A failing text source closes the connection to stop us: its
            # own error, not the closed connection, is what happened.
            await asyncio.wait({sender}, timeout=self._sender_grace)
            if sender.done() and not sender.cancelled() and sender.exception():
                raise sender.exception() from None  # type: ignore[misc]
            raise
        finally:
            await stop(sender)
            await self._pieces.aclose()
            if session.state is not SessionState.DONE:
                await session.cancel()

    async def _send(self) -> None:
        """Feed text to the session, then finish it.

        If the text source fails (say, the LLM stream breaks), the connection is
        closed so the audio reader stops at once instead of waiting for a timeout.
        """
        session = self._session
        try:
            async for piece in self._pieces:
                await session.send_text(piece)
                await asyncio.sleep(0)  # let audio flow while a long text is sent
            await session.finish()
        except asyncio.CancelledError:
            raise
        except BaseException:
            await session.abort()
            raise
