"""Stopping helper tasks without losing anybody's cancellation."""

from __future__ import annotations

import asyncio
from typing import Any


async def stop(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait until it has finished.

    Its own outcome is dropped: its owner has already decided what the request
    raises. A cancellation of the caller itself propagates (``asyncio.wait``
    does not swallow it, unlike awaiting the cancelled task would).
    """
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as forgotten
