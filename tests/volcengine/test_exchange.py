"""A v3 request's sender, reader and cleanup: which error wins, and when the reader may time out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine import (
    AuthenticationError,
    Credentials,
    EngineConfig,
    PermissionDeniedError,
    QuotaExhaustedError,
    SynthesisEngine,
    VoiceSettings,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
)
from custom_components.volcengine_tts.volcengine.synthesis.bidirection import BidirectionalSession
from custom_components.volcengine_tts.volcengine.wire.errors import TextStalledError
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, render_audio

VOICE = "zh_female_cancan_mars_bigtts"
SETTINGS = VoiceSettings(voice=VOICE)
CREDENTIALS = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)
SERVER_ERRORS = [
    ("quota exceeded for types: tts_lifetime", QuotaExhaustedError),
    ("extract request resource id: get resource id: access denied", PermissionDeniedError),
    ("authenticate request: load grant: requested grant not found", AuthenticationError),
]


def _engine(emulator: Emulator, **overrides: object) -> SynthesisEngine:
    config = {"endpoint": emulator.url, "warm_settings": SETTINGS, "retry_backoff": 0.001}
    return SynthesisEngine(CREDENTIALS, EngineConfig(**(config | overrides)))  # type: ignore[arg-type]


def _expected(*sentences: str) -> bytes:
    return b"".join(render_audio(sentence, VOICE) for sentence in sentences)


async def _fragments(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


async def _speak(engine: SynthesisEngine, text: AsyncIterator[str]) -> bytes:
    async with asyncio.timeout(10):  # a hang guard, not a timing claim
        return b"".join([chunk async for chunk in engine.stream(text, SETTINGS)])


@pytest.mark.parametrize(("message", "error"), SERVER_ERRORS)
async def test_the_servers_error_wins_over_the_closed_connection_it_causes(
    emulator: Emulator, message: str, error: type[VolcengineError]
) -> None:
    emulator.faults.error_code = 45000000
    emulator.faults.error_message = message
    emulator.faults.error_count = 10

    async def reply() -> AsyncIterator[str]:
        yield "第一句。"
        yield "第"  # releases the first sentence (the detector looks ahead)
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)  # the server hung up
        yield "二句。"  # so this send fails with "closed while sending"

    engine = _engine(emulator)
    with pytest.raises(error):
        await _speak(engine, reply())
    assert engine.retries == 0
    assert emulator.connections == 1
    await engine.close()


async def test_a_server_error_does_not_wait_for_the_writer(emulator: Emulator) -> None:
    emulator.faults.error_code = 45000292
    emulator.faults.error_message = "quota exceeded for types: tts_lifetime"
    writer_stopped = asyncio.Event()

    async def reply() -> AsyncIterator[str]:
        try:
            yield "第一句。"
            yield "第"
            await asyncio.Event().wait()  # an LLM that has not written its next fragment
            yield "二句。"
        finally:
            writer_stopped.set()

    engine = _engine(emulator, receive_timeout=30)
    with pytest.raises(QuotaExhaustedError):
        await _speak(engine, reply())
    assert writer_stopped.is_set()
    await engine.close()


async def test_a_failing_text_source_still_wins(emulator: Emulator) -> None:
    async def reply() -> AsyncIterator[str]:
        yield "第一句。"
        raise RuntimeError("the LLM stream broke")

    engine = _engine(emulator)
    with pytest.raises(RuntimeError, match="LLM stream broke"):
        await _speak(engine, reply())
    await engine.close()


async def test_a_writer_pausing_past_the_receive_timeout_is_spoken_whole_on_one_connection(
    emulator: Emulator,
) -> None:
    first_audio = asyncio.Event()
    receive_timeout = 0.05

    async def reply() -> AsyncIterator[str]:
        yield "今天天气很好。"
        yield "明"
        await first_audio.wait()
        await asyncio.sleep(receive_timeout * 10)  # the pause under test: a tool call
        yield "天会下雨！"

    engine = _engine(emulator, receive_timeout=receive_timeout)
    chunks = []
    async with asyncio.timeout(10):
        async for chunk in engine.stream(reply(), SETTINGS):
            chunks.append(chunk)
            first_audio.set()
    assert b"".join(chunks) == _expected("今天天气很好。", "明天会下雨！")
    assert emulator.connections == 1
    assert engine.retries == 0
    await engine.close()


async def test_a_slow_first_fragment_is_neither_a_timeout_nor_retried(emulator: Emulator) -> None:
    receive_timeout = 0.05

    async def reply() -> AsyncIterator[str]:
        await asyncio.sleep(receive_timeout * 10)  # a slow local model's first token
        yield "你好。"

    engine = _engine(emulator, receive_timeout=receive_timeout)
    assert await _speak(engine, reply()) == _expected("你好。")
    assert engine.retries == 0
    assert emulator.connections == 1
    await engine.close()


async def test_a_server_silent_on_text_it_owes_still_times_out(emulator: Emulator) -> None:
    emulator.faults.stall_after_frames = 0

    async def reply() -> AsyncIterator[str]:
        yield "你好。"
        yield "再"
        await asyncio.Event().wait()  # the writer pauses, but the sentence is unanswered

    engine = _engine(emulator, receive_timeout=0.05, retry_attempts=0)
    with pytest.raises(VolcengineTimeoutError, match="sent nothing"):
        await _speak(engine, reply())
    await engine.close()


async def test_a_writer_silent_past_its_idle_limit_fails_without_retry(emulator: Emulator) -> None:
    async def reply() -> AsyncIterator[str]:
        yield "你好。"
        await asyncio.Event().wait()

    engine = _engine(emulator, writer_idle_timeout=0.05)
    with pytest.raises(TextStalledError, match="No text arrived"):
        await _speak(engine, reply())
    assert engine.retries == 0
    await engine.close()


async def test_a_failed_send_closes_the_connection_so_the_reader_stops(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_text = BidirectionalSession.send_text

    async def failing_second_send(self: BidirectionalSession, text: str) -> None:
        if "二" in text:
            raise VolcengineConnectionError("the connection to Volcengine closed while sending")
        await send_text(self, text)

    monkeypatch.setattr(BidirectionalSession, "send_text", failing_second_send)
    engine = _engine(emulator, retry_attempts=0)
    with pytest.raises(VolcengineConnectionError):
        await _speak(engine, _fragments("第一句。", "第二句。"))
    await engine.close()
