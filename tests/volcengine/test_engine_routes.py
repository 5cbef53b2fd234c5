"""Which road the engine takes: SSML and voices not on bidirection go unidirectional.

Against the emulator, which records which endpoint served each request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    EngineConfig,
    MessageTooLongError,
    SsmlNotSupportedError,
    SsmlTooLongError,
    SynthesisEngine,
    TextSourceCancelledError,
    VoiceSettings,
)
from custom_components.volcengine_tts.volcengine.synthesis.ssml import MAX_SSML_CHARS
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, EmulatorConfig, render_audio
from emulator.ssml import parse_ssml, render_ssml

VOICE = "zh_female_cancan_mars_bigtts"
UNIDIRECTIONAL_ONLY = "ICL_zh_female_huoponvhai_tob"
SETTINGS = VoiceSettings(voice=VOICE)
ONLY_UNIDIRECTIONAL = VoiceSettings(voice=UNIDIRECTIONAL_ONLY, bidirection=False)
DOCUMENT = '<speak>明天<break time="500ms"/>有雨。</speak>'
CREDENTIALS = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)


def _engine(
    emulator: Emulator, usage: list[int] | None = None, **overrides: object
) -> SynthesisEngine:
    config = {
        "endpoint": emulator.url,
        "warm_settings": SETTINGS,
        "retry_backoff": 0.001,
        "on_usage": usage.append if usage is not None else None,
    }
    return SynthesisEngine(CREDENTIALS, EngineConfig(**(config | overrides)))  # type: ignore[arg-type]


@pytest.fixture
async def engine(emulator: Emulator) -> AsyncIterator[SynthesisEngine]:
    running = _engine(emulator)
    yield running
    await running.close()


async def _fragments(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


def _ssml_audio(voice: str = VOICE, encoding: str = "mp3", sample_rate: int = 24000) -> bytes:
    return render_ssml(
        parse_ssml(DOCUMENT),
        voice,
        encoding=encoding,
        sample_rate=sample_rate,
        speed_ratio=1.0,
        bitrate_kbps=160,
    )


async def test_ssml_goes_whole_to_unidirectional_as_ssml(emulator: Emulator) -> None:
    usage: list[int] = []
    engine = _engine(emulator, usage)
    audio = await engine.synthesize(DOCUMENT, SETTINGS)
    await engine.close()
    assert audio == _ssml_audio()
    [session] = emulator.sessions
    assert (session.endpoint, session.ssml, session.texts) == ("unidirectional", True, [DOCUMENT])
    assert "disable_markdown_filter" not in session.additions  # it cannot go with SSML
    assert usage == [len("明天有雨。")]


async def test_streamed_ssml_is_collected_and_sent_in_one_request(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    fragments = _fragments("  <sp", "eak>明天", '<break time="500ms"/>', "有雨。", "</speak>")
    chunks = [chunk async for chunk in engine.stream(fragments, SETTINGS)]
    assert b"".join(chunks) == _ssml_audio()
    [session] = emulator.sessions
    assert (session.endpoint, session.texts) == (
        "unidirectional",
        ['  <speak>明天<break time="500ms"/>有雨。</speak>'],
    )


async def test_ssml_on_v1_is_text_type_ssml_without_the_markdown_filter(
    emulator: Emulator,
) -> None:
    engine = _engine(emulator, protocol="v1")
    settings = dataclasses.replace(SETTINGS, encoding="pcm")  # type: ignore[arg-type]
    audio = await engine.synthesize(DOCUMENT, settings)
    await engine.close()
    assert audio == _ssml_audio(encoding="pcm")
    [request] = emulator.requests
    assert request.payload["request"]["text_type"] == "ssml"
    assert request.payload["request"]["text"] == DOCUMENT
    assert "extra_param" not in request.payload["request"]


async def test_plain_text_on_v1_stays_plain(emulator: Emulator) -> None:
    engine = _engine(emulator, protocol="v1")
    await engine.synthesize("你好。", SETTINGS)
    await engine.close()
    assert emulator.requests[0].payload["request"]["text_type"] == "plain"


async def test_ssml_for_a_voice_without_ssml_is_refused_before_anything_is_sent(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    settings = VoiceSettings(voice="zh_female_vv_uranus_bigtts", takes_ssml=False)
    with pytest.raises(SsmlNotSupportedError):
        await engine.synthesize(DOCUMENT, settings)
    assert emulator.connections == 0


async def test_ssml_longer_than_a_request_takes_is_refused(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    document = "<speak>" + "长" * MAX_SSML_CHARS + "</speak>"
    with pytest.raises(SsmlTooLongError):
        await engine.synthesize(document, SETTINGS)
    assert emulator.connections == 0


async def test_a_voice_not_on_bidirection_speaks_each_sentence_on_one_connection(
    emulator: Emulator,
) -> None:
    usage: list[int] = []
    engine = _engine(emulator, usage)
    stream = engine.stream(_fragments("你好。", "今天", "天气很好！"), ONLY_UNIDIRECTIONAL)
    audio = b"".join([chunk async for chunk in stream])
    await engine.close()
    expected = [render_audio(text, UNIDIRECTIONAL_ONLY) for text in ("你好。", "今天天气很好！")]
    assert audio == b"".join(expected)
    assert [session.endpoint for session in emulator.sessions] == ["unidirectional"] * 2
    assert [session.texts for session in emulator.sessions] == [["你好。"], ["今天天气很好！"]]
    assert len({session.connection_id for session in emulator.sessions}) == 1
    assert emulator.connections == 1
    assert usage == [3, 7]
    assert "disable_markdown_filter" in emulator.sessions[0].additions  # plain text: filtered


async def test_unidirectional_failures_before_audio_are_retried(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    emulator.faults.error_code = 55000000
    audio = await engine.synthesize("你好。", ONLY_UNIDIRECTIONAL)
    assert audio == render_audio("你好。", UNIDIRECTIONAL_ONLY)
    assert engine.retries == 1
    assert [session.status_code for session in emulator.sessions] == [55000000, 20000000]


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(max_concurrency=1)])
async def test_unidirectional_requests_share_the_accounts_connections(emulator: Emulator) -> None:
    engine = _engine(emulator, max_concurrency=1)
    await engine.synthesize("先用双向。", SETTINGS)  # leaves an idle connection behind
    assert emulator.open_connections(DEFAULT_APP_ID) == 1
    audio = await engine.synthesize("再用单向。", ONLY_UNIDIRECTIONAL)
    await engine.close()
    assert audio == render_audio("再用单向。", UNIDIRECTIONAL_ONLY)
    assert engine.diagnostics()["pool"]["statistics"]["discarded"] == 1


async def test_no_warm_session_is_begun_for_a_voice_not_on_bidirection(
    emulator: Emulator,
) -> None:
    engine = _engine(emulator, warm_settings=ONLY_UNIDIRECTIONAL)
    assert engine._warm_settings("seed-tts-1.0") is None
    await engine.synthesize("你好。", ONLY_UNIDIRECTIONAL)
    await engine.close()
    assert [session.endpoint for session in emulator.sessions] == ["unidirectional"]


def test_the_ssml_request_records_no_markdown_switch() -> None:
    request = ONLY_UNIDIRECTIONAL.with_text(DOCUMENT, ssml=True)
    assert (request.ssml, request.bidirection, request.text) == (True, False, DOCUMENT)
    assert json.loads(json.dumps(dataclasses.asdict(request)))["ssml"] is True


async def test_a_connection_the_service_closed_between_sentences_is_replaced(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    spoken = asyncio.Event()

    async def reply() -> AsyncIterator[str]:
        yield "你好。"
        await spoken.wait()
        assert await emulator.close_idle_connections() == 1  # the service drops it
        yield "再见。"

    chunks = []
    async for chunk in engine.stream(reply(), ONLY_UNIDIRECTIONAL):
        chunks.append(chunk)
        spoken.set()
    expected = [render_audio(text, UNIDIRECTIONAL_ONLY) for text in ("你好。", "再见。")]
    assert b"".join(chunks) == b"".join(expected)
    assert emulator.connections == 2


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(max_concurrency=1)])
async def test_a_unidirectional_request_waits_for_a_free_place(emulator: Emulator) -> None:
    engine = _engine(emulator, max_concurrency=1)
    first = engine.stream("一。二。", ONLY_UNIDIRECTIONAL)
    chunks = [await anext(first)]  # the first request holds the account's one place
    second = asyncio.create_task(engine.synthesize("三。", ONLY_UNIDIRECTIONAL))
    chunks += [chunk async for chunk in first]  # meanwhile the second one queues
    assert await second == render_audio("三。", UNIDIRECTIONAL_ONLY)
    assert engine.diagnostics()["pool"]["statistics"]["waited"] == 1
    await engine.close()
    assert b"".join(chunks) == render_audio("一。", UNIDIRECTIONAL_ONLY) + render_audio(
        "二。", UNIDIRECTIONAL_ONLY
    )


async def test_a_text_source_cancelled_while_sniffed_is_text_cut_off(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    async def cancelled() -> AsyncIterator[str]:
        yield "  "
        raise asyncio.CancelledError

    with pytest.raises(TextSourceCancelledError):
        await _drain(engine, cancelled())
    assert engine.recent_errors[-1]["error"] == "TextSourceCancelledError"
    assert emulator.connections == 0


async def test_our_own_cancellation_while_sniffing_stays_a_cancellation(
    engine: SynthesisEngine,
) -> None:
    entered = asyncio.Event()

    async def waiting() -> AsyncIterator[str]:
        entered.set()
        await asyncio.Event().wait()
        yield "不会到这里。"

    task = asyncio.create_task(_drain(engine, waiting()))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not engine.recent_errors


async def test_a_streamed_document_past_the_cap_is_refused_and_recorded(
    emulator: Emulator,
) -> None:
    engine = _engine(emulator, max_message_chars=10)
    with pytest.raises(MessageTooLongError):
        await _drain(engine, _fragments("<speak>", "明天会下雨。</speak>"))
    await engine.close()
    assert engine.recent_errors[-1]["error"] == "MessageTooLongError"


async def _drain(engine: SynthesisEngine, fragments: AsyncIterator[str]) -> bytes:
    return b"".join([chunk async for chunk in engine.stream(fragments, SETTINGS)])


async def test_the_login_check_starts_nothing_for_a_voice_not_on_bidirection(
    emulator: Emulator,
) -> None:
    """The bidirectional API refuses such a voice at StartSession: the check must not try it.

    The unidirectional API starts nothing without text, so there is no free
    check: the saved login is trusted and the first request tells.
    """
    engine = _engine(emulator, warm_settings=ONLY_UNIDIRECTIONAL)
    proven = await engine.check_access(ONLY_UNIDIRECTIONAL)
    await engine.close()
    assert proven is False
    assert emulator.sessions == []
