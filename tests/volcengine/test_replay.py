"""Replaying text pieces: a source that gives up is an error, our own close is not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine.synthesis.replay import TextReplay
from custom_components.volcengine_tts.volcengine.wire.errors import (
    TextSourceCancelledError,
    VolcengineError,
)


async def test_a_source_that_raises_cancelled_error_is_an_error_not_an_end() -> None:
    async def cancelled_source() -> AsyncIterator[str]:
        yield "第一句话。"
        raise asyncio.CancelledError  # the producer was cancelled, not our request

    replay = TextReplay(cancelled_source())
    pieces = replay.replay()
    received = [await anext(pieces)]
    with pytest.raises(TextSourceCancelledError) as caught:
        await anext(pieces)
    await replay.close()

    assert received == ["第一句话。"]
    assert isinstance(caught.value, VolcengineError)
    assert isinstance(caught.value.__cause__, asyncio.CancelledError)


async def test_closing_stops_a_waiting_source_without_an_error() -> None:
    waiting = asyncio.Event()
    finished = asyncio.Event()

    async def endless_source() -> AsyncIterator[str]:
        yield "一。"
        try:
            waiting.set()
            await asyncio.Event().wait()
            yield "never"
        finally:
            finished.set()

    replay = TextReplay(endless_source())
    pieces = replay.replay()
    assert await anext(pieces) == "一。"
    await waiting.wait()
    await replay.close()

    assert finished.is_set()
    await pieces.aclose()
    # Our own close is no failure of the text: what was read replays and ends normally.
    assert [piece async for piece in replay.replay()] == ["一。"]


async def test_a_finished_source_replays_in_full() -> None:
    async def source() -> AsyncIterator[str]:
        for piece in ("一。", "二。"):
            yield piece

    replay = TextReplay(source())
    assert [piece async for piece in replay.replay()] == ["一。", "二。"]
    assert [piece async for piece in replay.replay()] == ["一。", "二。"]
    await replay.close()
