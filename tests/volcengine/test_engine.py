"""The engine against the emulator: warm connections, streaming, long text, retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine import (
    AuthenticationError,
    Credentials,
    EngineConfig,
    InvalidInputError,
    MessageTooLongError,
    NothingToSpeakError,
    PermissionDeniedError,
    ProtocolError,
    SynthesisEngine,
    VoiceSettings,
    VolcengineConnectionError,
    VolcengineError,
)
from custom_components.volcengine_tts.volcengine.wire.errors import QueueFullError
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, EmulatorConfig, render_audio

VOICE = "zh_female_cancan_mars_bigtts"
SETTINGS = VoiceSettings(voice=VOICE)
CREDENTIALS = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)
LONG_TEXT = "".join(
    f"第{index}句话，今天的天气非常好，我们一起去公园散步吧。" for index in range(800)
)  # about 20,000 characters


def _engine(emulator: Emulator, **overrides: object) -> SynthesisEngine:
    config = {"endpoint": emulator.url, "warm_settings": SETTINGS, "retry_backoff": 0.001}
    return SynthesisEngine(CREDENTIALS, EngineConfig(**(config | overrides)))  # type: ignore[arg-type]


@pytest.fixture
async def engine(emulator: Emulator) -> AsyncIterator[SynthesisEngine]:
    running = _engine(emulator)
    yield running
    await running.close()


def _expected(sentences: list[str], voice: str = VOICE) -> bytes:
    return b"".join(render_audio(sentence, voice) for sentence in sentences)


async def _fragments(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


async def test_v3_audio_is_the_sentences_spoken(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    audio = await engine.synthesize("你好。今天天气很好！", SETTINGS)
    assert audio == _expected(["你好。", "今天天气很好！"])
    assert emulator.sessions[0].resource_id == "seed-tts-1.0"


async def test_warm_connection_and_session_are_reused(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    await engine.synthesize("第二句。", SETTINGS)
    await engine.synthesize("第三句。", SETTINGS)
    assert emulator.connections == 1
    statistics = engine.diagnostics()["pool"]["statistics"]
    assert statistics["opened"] == 1
    assert statistics["reused"] == 2
    assert statistics["warm_sessions_used"] == 2


async def test_other_settings_cancel_the_warm_session(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    other = VoiceSettings(voice="zh_female_shuangkuaisisi_moon_bigtts")
    audio = await engine.synthesize("第二句。", other)
    assert audio == _expected(["第二句。"], other.voice)
    warm = [session for session in emulator.sessions if session.canceled]
    assert len(warm) == 1
    assert warm[0].texts == []
    assert emulator.connections == 1


async def test_voice_generation_picks_the_resource(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    two = VoiceSettings(voice="zh_female_vv_uranus_bigtts")
    await engine.synthesize("你好。", two)
    assert emulator.sessions[-1].resource_id == "seed-tts-2.0"


async def test_a_fixed_resource_for_the_wrong_generation_is_refused(emulator: Emulator) -> None:
    engine = _engine(emulator, resource_id="seed-tts-1.0")
    with pytest.raises(PermissionDeniedError, match="not granted"):
        await engine.synthesize("你好。", VoiceSettings(voice="zh_female_vv_uranus_bigtts"))
    await engine.close()


async def test_speech_starts_before_the_text_is_complete(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    first_audio = asyncio.Event()

    async def reply() -> AsyncIterator[str]:
        yield "今天天气很好。"
        yield "明"
        await first_audio.wait()  # the rest of the reply is held back until audio came
        yield "天会下雨！"

    chunks = []
    async for chunk in engine.stream(reply(), SETTINGS):
        chunks.append(chunk)
        first_audio.set()
    assert b"".join(chunks) == _expected(["今天天气很好。", "明天会下雨！"])
    assert emulator.sessions[-1].texts == ["今天天气很好。", "明天会下雨！"]


async def test_v1_streams_sentence_by_sentence(emulator: Emulator) -> None:
    engine = _engine(emulator, protocol="v1")
    audio = b"".join(
        [chunk async for chunk in engine.stream(_fragments("一句。", "两句！"), SETTINGS)]
    )
    assert audio == _expected(["一句。", "两句！"])
    assert [request.text for request in emulator.requests] == ["一句。", "两句！"]


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_long_text_comes_out_complete(emulator: Emulator, protocol: str) -> None:
    engine = _engine(emulator, protocol=protocol)
    audio = await engine.synthesize(LONG_TEXT, SETTINGS)
    if protocol == "v1":
        texts = [request.text for request in emulator.requests]
        assert all(len(text.encode()) <= 1024 for text in texts)
        assert len(texts[0]) < 40  # the first request is one sentence: audio starts early
    else:
        texts = emulator.sessions[-1].texts
    assert "".join(texts) == LONG_TEXT
    sentences = [f"第{index}句话，今天的天气非常好，我们一起去公园散步吧。" for index in range(800)]
    assert audio == _expected(sentences)
    await engine.close()


@pytest.mark.parametrize("code", [3031, 3003, 55000000])
async def test_transient_errors_before_audio_are_retried(
    engine: SynthesisEngine, emulator: Emulator, code: int
) -> None:
    emulator.faults.error_code = code
    emulator.faults.error_count = 2
    assert await engine.synthesize("你好。", SETTINGS) == _expected(["你好。"])
    assert engine.retries == 2
    assert [error["code"] for error in engine.diagnostics()["recent_errors"]] == [code, code]


async def test_retries_give_up(engine: SynthesisEngine, emulator: Emulator) -> None:
    emulator.faults.error_code = 3031
    emulator.faults.error_count = 10
    with pytest.raises(VolcengineError) as caught:
        await engine.synthesize("你好。", SETTINGS)
    assert caught.value.code == 3031
    assert engine.retries == 3


async def test_permanent_errors_are_not_retried(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    with pytest.raises(InvalidInputError):
        await engine.synthesize("你好。", VoiceSettings(voice="no_such_voice"))
    assert engine.retries == 0


async def test_rejected_credentials(emulator: Emulator) -> None:
    engine = SynthesisEngine(
        Credentials(DEFAULT_APP_ID, "wrong"), EngineConfig(endpoint=emulator.url)
    )
    with pytest.raises(AuthenticationError):
        await engine.synthesize("你好。", SETTINGS)
    assert engine.retries == 0


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_failure_after_audio_started_raises_without_retry(
    emulator: Emulator, protocol: str
) -> None:
    emulator.config.chunk_bytes = 256
    emulator.faults.drop_after_frames = 1
    engine = _engine(emulator, protocol=protocol)
    received: list[bytes] = []

    async def consume() -> None:
        async for chunk in engine.stream("今天天气很好，我们去公园散步吧。", SETTINGS):
            received.append(chunk)  # noqa: PERF401 - must survive the exception

    with pytest.raises(VolcengineConnectionError):
        await consume()
    assert len(received) == 1
    assert engine.retries == 0
    await engine.close()


async def test_a_dropped_idle_connection_is_replaced(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    assert await emulator.close_idle_connections() == 1
    assert await engine.synthesize("第二句。", SETTINGS) == _expected(["第二句。"])
    assert emulator.connections == 2


async def test_stopping_early_cancels_the_session(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    emulator.config.chunk_bytes = 256
    emulator.config.real_time_factor = 1.0  # the session is still speaking when we stop
    stream = engine.stream("今天天气很好，我们去公园散步吧。", SETTINGS)
    assert await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    await emulator.wait_for_sessions(1, ended=True)
    assert emulator.sessions[0].canceled
    # the connection is still good for the next request
    assert await engine.synthesize("你好。", SETTINGS) == _expected(["你好。"])
    assert emulator.connections == 1


async def test_a_failing_text_source_fails_the_request(engine: SynthesisEngine) -> None:
    async def broken() -> AsyncIterator[str]:
        yield "第一句。"
        raise RuntimeError("the LLM stream broke")

    with pytest.raises(RuntimeError, match="LLM stream broke"):
        async for _ in engine.stream(broken(), SETTINGS):
            pass


async def test_nothing_to_say_is_an_error(engine: SynthesisEngine) -> None:
    with pytest.raises((ProtocolError, InvalidInputError)):
        await engine.synthesize("。。。", SETTINGS)


async def test_requests_beyond_the_limit_wait_their_turn(emulator: Emulator) -> None:
    engine = _engine(emulator, max_concurrency=2, queue_limit=32)
    texts = [f"第{index}个请求。" for index in range(20)]
    results = await asyncio.gather(*(engine.synthesize(text, SETTINGS) for text in texts))
    assert results == [_expected([text]) for text in texts]
    assert emulator.connections <= 2
    await engine.close()


async def test_an_overflowing_queue_is_refused(emulator: Emulator) -> None:
    emulator.config.first_chunk_delay = 1.0
    engine = _engine(emulator, max_concurrency=1, queue_limit=0)
    first = asyncio.create_task(engine.synthesize("第一句。", SETTINGS))
    await emulator.wait_for_sessions(1)
    with pytest.raises(QueueFullError):
        await engine.synthesize("第二句。", SETTINGS)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await engine.close()


async def test_idle_connections_are_closed(emulator: Emulator) -> None:
    engine = _engine(emulator, idle_timeout=0.05)
    await engine.synthesize("你好。", SETTINGS)
    await asyncio.wait_for(emulator.wait_for_open_connections(DEFAULT_APP_ID, 0), timeout=5)
    assert engine.diagnostics()["pool"]["statistics"]["closed_idle"] == 1
    await engine.close()


async def test_close_releases_every_connection(engine: SynthesisEngine, emulator: Emulator) -> None:
    await engine.synthesize("你好。", SETTINGS)
    await engine.close()
    await asyncio.wait_for(emulator.wait_for_open_connections(DEFAULT_APP_ID, 0), timeout=5)


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(max_concurrency=1)])
async def test_concurrency_quota_counts_connections(emulator: Emulator) -> None:
    engine = _engine(emulator, max_concurrency=1)
    await engine.synthesize("你好。", SETTINGS)
    assert emulator.open_connections(DEFAULT_APP_ID) == 1
    await engine.close()


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_an_oversized_message_is_refused_before_anything_is_sent(
    emulator: Emulator, protocol: str
) -> None:
    engine = _engine(emulator, protocol=protocol, max_message_chars=100)
    with pytest.raises(MessageTooLongError, match="at most 100"):
        await engine.synthesize("好" * 101, SETTINGS)
    assert emulator.requests == []
    assert emulator.sessions == []
    await engine.close()


async def test_an_oversized_stream_is_stopped(emulator: Emulator) -> None:
    engine = _engine(emulator, max_message_chars=100)

    async def endless() -> AsyncIterator[str]:
        while True:
            yield "这是一句很长的话。" * 3

    with pytest.raises(MessageTooLongError):
        async for _ in engine.stream(endless(), SETTINGS):
            pass
    assert engine.retries == 0
    await engine.close()


async def test_a_full_v3_url_is_accepted_as_endpoint(emulator: Emulator) -> None:
    engine = _engine(emulator, endpoint=f"{emulator.url}/api/v3/tts/bidirection")
    assert await engine.synthesize("你好。", SETTINGS) == _expected(["你好。"])
    await engine.close()


@pytest.mark.parametrize("protocol", ["v3", "v1"])
@pytest.mark.parametrize("text", ["。。。", "！？ …", "\n"])
async def test_punctuation_only_text_is_nothing_to_speak(
    emulator: Emulator, protocol: str, text: str
) -> None:
    engine = _engine(emulator, protocol=protocol)
    with pytest.raises(NothingToSpeakError):
        await engine.synthesize(text, SETTINGS)
    assert emulator.requests == []
    assert emulator.sessions == []
    assert engine.retries == 0
    await engine.close()


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_a_punctuation_only_stream_is_nothing_to_speak(
    emulator: Emulator, protocol: str
) -> None:
    engine = _engine(emulator, protocol=protocol)
    with pytest.raises(NothingToSpeakError):
        async for _ in engine.stream(_fragments("。", "……", "！"), SETTINGS):
            pass
    assert engine.retries == 0
    await engine.close()


async def test_release_idle_frees_the_accounts_connections_now(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("你好。", SETTINGS)
    assert emulator.open_connections(DEFAULT_APP_ID) == 1
    await engine.release_idle()
    assert emulator.open_connections(DEFAULT_APP_ID) == 0  # free for a credential check
    assert await engine.synthesize("再见。", SETTINGS) == _expected(["再见。"])
    assert emulator.connections == 2


@pytest.mark.parametrize(
    ("filter_markdown", "sent"),
    [(True, "你好，客厅。"), (False, "**你好**，[客厅](https://x.cn)。")],
)
async def test_a_whole_text_is_stripped_of_markdown_unless_asked_not_to(
    emulator: Emulator, filter_markdown: bool, sent: str
) -> None:
    engine = SynthesisEngine(CREDENTIALS, EngineConfig(endpoint=emulator.url))
    try:
        settings = VoiceSettings(voice=VOICE, filter_markdown=filter_markdown)
        await engine.synthesize("**你好**，[客厅](https://x.cn)。", settings)
    finally:
        await engine.close()
    assert [session for session in emulator.sessions if session.texts][-1].texts == [sent]


async def test_a_writer_pausing_after_a_long_clause_is_no_stall(emulator: Emulator) -> None:
    receive_timeout = 0.05
    engine = _engine(emulator, receive_timeout=receive_timeout)
    first = "第一句话说完了。"
    clause = "一二三四五六七八九十" * 6 + "，"  # released early (60 characters) without an end
    first_spoken = asyncio.Event()

    async def reply() -> AsyncIterator[str]:
        yield first
        await first_spoken.wait()
        yield clause
        # The scenario itself, not a synchronisation: the LLM pauses (a tool call)
        # for longer than the receive timeout while the service rightly says nothing.
        await asyncio.sleep(receive_timeout * 6)
        yield "最后一句。"

    audio = b""
    try:
        async for chunk in engine.stream(reply(), SETTINGS):
            audio += chunk
            if audio == _expected([first]):
                first_spoken.set()
    finally:
        await engine.close()
    assert audio == _expected([first, clause + "最后一句。"])
    (spoken,) = [session for session in emulator.sessions if session.texts]
    assert "".join(spoken.texts) == first + clause + "最后一句。"  # one session, no retry
