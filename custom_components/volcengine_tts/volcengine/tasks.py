"""Stopping helper tasks without losing anybody's cancellation."""

from __future__ import annotations

import asyncio
import contextlib


async def stop(task: asyncio.Task[None]) -> None:
    """Cancel ``task`` and wait until it has finished."""
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
