"""Stopping a helper task never swallows the caller's own cancellation."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.volcengine_tts.volcengine.wire.tasks import stop


async def test_the_callers_cancellation_survives_stopping_a_slow_task() -> None:
    started = asyncio.Event()
    cleaning_up = asyncio.Event()
    finish_cleanup = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            started.set()
            await asyncio.Event().wait()
        finally:
            cleaning_up.set()
            await finish_cleanup.wait()

    helper = asyncio.create_task(slow_to_stop())
    await started.wait()
    caller = asyncio.create_task(stop(helper))
    await cleaning_up.wait()
    caller.cancel()  # the caller itself is cancelled while it waits for the helper
    finish_cleanup.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.wait({helper})


async def test_a_failed_task_is_stopped_without_raising_its_error() -> None:
    async def failing() -> None:
        raise RuntimeError("already reported by its owner")

    helper = asyncio.create_task(failing())
    await asyncio.wait({helper})
    await stop(helper)
    assert isinstance(helper.exception(), RuntimeError)
