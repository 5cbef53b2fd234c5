"""One v3 request on a leased session: text goes in while audio comes out.

A :class:`V3Exchange` owns the three parts that must agree: the sender (a
task feeding text pieces), the reader (the session's audio) and the cleanup
that leaves the session done — or the connection closed — whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Coroutine

from ..wire.errors import VolcengineError
from ..wire.tasks import stop
from .bidirection import BidirectionalSession, SessionState


class V3Exchange:
    """Feed ``pieces`` to ``session`` and yield its audio.

    Which error wins: the text source's, when it failed (the closed
    connection that stopped the reader is only its consequence); otherwise
    what the server said, never the sender's "closed while sending" that a
    server closing after its error causes.
    """

    def __init__(self, session: BidirectionalSession, pieces: AsyncGenerator[str]) -> None:
        self._session = session
        self._pieces = pieces
        self._source_error: BaseException | None = None

    async def audio(self) -> AsyncGenerator[bytes]:
        """Yield the session's audio while the sender feeds it text."""
        sender = asyncio.create_task(self._send())
        try:
            async with contextlib.aclosing(self._session.audio()) as audio:
                async for chunk in audio:
                    yield chunk
            await sender
        except VolcengineError:
            if self._source_error is not None:
                raise self._source_error from None
            raise
        finally:
            await self._clean_up(sender)

    async def _clean_up(self, sender: asyncio.Task[None]) -> None:
        """Stop the sender at once and leave the session done, or its connection unusable."""
        try:
            await stop(sender)
        finally:
            try:
                await self._pieces.aclose()
            finally:
                if self._session.state is not SessionState.DONE:
                    await self._session.cancel()

    async def _send(self) -> None:
        """Feed text to the session, then finish it.

        If the text source fails (say, the LLM stream breaks), the connection is
        dropped so the audio reader stops at once instead of waiting for a timeout.
        """
        session = self._session
        while True:
            try:
                piece = await anext(self._pieces)
            except StopAsyncIteration:
                break
            except asyncio.CancelledError:
                raise
            except BaseException as err:
                self._source_error = err
                session.abort()
                raise
            await self._sent(session.send_text(piece))
            await asyncio.sleep(0)  # let audio flow while a long text is sent
        await self._sent(session.finish())

    async def _sent(self, sending: Coroutine[None, None, None]) -> None:
        """Send; a failure drops the connection, so the reader stops with what came before.

        (Frames already received stay readable: a server that closed after
        its error still has that error read.)
        """
        try:
            await sending
        except asyncio.CancelledError:
            raise
        except BaseException:
            self._session.abort()
            raise
