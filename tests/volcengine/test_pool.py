"""The connection pool under cancellation, closing and callers with their own settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from custom_components.volcengine_tts.volcengine import (
    AudioEncoding,
    Credentials,
    EngineConfig,
    SynthesisEngine,
    VoiceSettings,
    VolcengineConnectionError,
)
from custom_components.volcengine_tts.volcengine.synthesis.bidirection import (
    BidirectionalConnection,
    BidirectionalSession,
)
from custom_components.volcengine_tts.volcengine.synthesis.pool import PoolClosedError
from custom_components.volcengine_tts.volcengine.wire.errors import (
    QueueTimeoutError,
    QuotaExhaustedError,
)
from custom_components.volcengine_tts.volcengine.wire.transport import Connection
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, render_audio
from tests.cancellation import sweep_cancellations

VOICE = "zh_female_cancan_mars_bigtts"
SETTINGS = VoiceSettings(voice=VOICE)
SATELLITE = VoiceSettings(voice=VOICE, encoding=AudioEncoding.PCM, sample_rate=16000)
"""What a Voice PE or ESPHome satellite asks for: WAV (PCM) at 16 kHz."""
OTHER_RESOURCE = VoiceSettings(voice="zh_female_vv_uranus_bigtts")
"""A 2.0 voice: another resource id than the default voice, so no warm session of its own."""
CREDENTIALS = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)


def _engine(emulator: Emulator, **overrides: object) -> SynthesisEngine:
    config = {"endpoint": emulator.url, "warm_settings": SETTINGS, "retry_backoff": 0.001}
    return SynthesisEngine(CREDENTIALS, EngineConfig(**(config | overrides)))  # type: ignore[arg-type]


@pytest.fixture
async def engine(emulator: Emulator) -> AsyncIterator[SynthesisEngine]:
    running = _engine(emulator)
    yield running
    await running.close()


async def _fragments(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


async def _streamed(engine: SynthesisEngine, settings: VoiceSettings) -> bytes:
    text = _fragments("今天", "天气很好。", "明天", "会下雨！")
    return b"".join([chunk async for chunk in engine.stream(text, settings)])


REQUESTS: dict[str, Callable[[SynthesisEngine], Coroutine[Any, Any, bytes]]] = {
    "warm session": lambda engine: engine.synthesize("你好。", SETTINGS),
    "warm session cancelled for other settings": lambda engine: engine.synthesize(
        "你好。", SATELLITE
    ),
    "other resource, no warm session": lambda engine: engine.synthesize("你好。", OTHER_RESOURCE),
    "streamed text": lambda engine: _streamed(engine, SETTINGS),
}


@pytest.fixture(params=[False, True], ids=["fast network", "congested network"])
def congested(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """On a congested network every send waits for the socket to drain: one more suspension.

    On loopback a send never suspends, which would hide every cancellation
    point in the sending of StartSession, TaskRequest, CancelSession and
    FinishConnection.
    """
    if request.param:
        send = Connection.send

        async def send_after_draining(self: Connection, message: bytes) -> None:
            await asyncio.sleep(0)
            await send(self, message)

        monkeypatch.setattr(Connection, "send", send_after_draining)
    return bool(request.param)


@pytest.mark.parametrize("repeatedly", [False, True], ids=["once", "repeatedly"])
@pytest.mark.parametrize("request_kind", list(REQUESTS))
async def test_a_cancellation_at_any_suspension_returns_the_slot_and_leaves_the_socket_usable(
    engine: SynthesisEngine,
    emulator: Emulator,
    request_kind: str,
    repeatedly: bool,
    congested: bool,
) -> None:
    request = REQUESTS[request_kind]
    await engine.synthesize("预热。", SETTINGS)  # an idle connection with a warm session

    async def check() -> None:
        pool = engine.diagnostics()["pool"]
        assert pool["leased"] == 0
        assert pool["waiting"] == 0
        # every socket is either closed or idle in the pool, ready for the next request
        async with asyncio.timeout(5):
            await emulator.wait_for_open_connections(DEFAULT_APP_ID, pool["idle"])
        assert await engine.synthesize("你好。", SETTINGS) == render_audio("你好。", VOICE)

    swept = await sweep_cancellations(lambda: request(engine), check, repeatedly=repeatedly)
    assert swept >= (8 if congested else 4)


async def test_close_fails_waiting_requests_at_once(emulator: Emulator) -> None:
    engine = _engine(emulator, max_concurrency=1, queue_timeout=60)
    hold = asyncio.Event()

    async def held_reply() -> AsyncIterator[str]:
        yield "第一句。"
        yield "第"
        await hold.wait()
        yield "二句。"

    async def consume() -> None:
        async for _ in engine.stream(held_reply(), SETTINGS):
            pass

    first = asyncio.create_task(consume())
    await emulator.wait_for_sessions(1)
    second = asyncio.create_task(engine.synthesize("别的。", SETTINGS))
    async with asyncio.timeout(5):
        while engine.diagnostics()["pool"]["waiting"] == 0:  # noqa: ASYNC110 - no event for "queued"
            await asyncio.sleep(0)
    await engine.close()
    with pytest.raises(PoolClosedError):
        async with asyncio.timeout(5):  # not the 60 s queue timeout
            await second
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_closed_engine_refuses_new_requests(engine: SynthesisEngine) -> None:
    await engine.close()
    with pytest.raises(PoolClosedError):
        await engine.synthesize("你好。", SETTINGS)


async def test_a_repeated_caller_with_its_own_format_gets_a_warm_session(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SATELLITE)
    await engine.synthesize("第二句。", SATELLITE)
    await engine.synthesize("第三句。", SATELLITE)
    assert engine.diagnostics()["pool"]["statistics"]["warm_sessions_used"] == 2
    assert not [session for session in emulator.sessions if session.canceled]
    assert emulator.connections == 1


async def test_a_repeated_caller_of_another_resource_gets_a_warm_session(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", OTHER_RESOURCE)
    await engine.synthesize("第二句。", OTHER_RESOURCE)
    assert engine.diagnostics()["pool"]["statistics"]["warm_sessions_used"] == 1
    assert emulator.sessions[-1].resource_id == "seed-tts-2.0"


async def test_a_failed_request_does_not_teach_the_warm_session(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    with pytest.raises(Exception, match="does not exist"):
        await engine.synthesize("第二句。", VoiceSettings(voice="no_such_voice"))
    await engine.synthesize("第三句。", SETTINGS)
    assert engine.diagnostics()["pool"]["statistics"]["warm_sessions_used"] >= 1
    assert emulator.sessions[-1].speaker == VOICE


async def test_a_full_pool_closes_an_idle_connection_of_another_resource(
    emulator: Emulator,
) -> None:
    engine = _engine(emulator, max_concurrency=1)
    await engine.synthesize("第一句。", SETTINGS)
    assert await engine.synthesize("第二句。", OTHER_RESOURCE) == render_audio(
        "第二句。", OTHER_RESOURCE.voice
    )
    assert emulator.connections == 2
    assert engine.diagnostics()["pool"]["statistics"]["discarded"] == 1
    await engine.close()


async def test_a_request_waits_no_longer_than_the_queue_timeout(emulator: Emulator) -> None:
    engine = _engine(emulator, max_concurrency=1, queue_timeout=0.05)
    hold = asyncio.Event()

    async def held_reply() -> AsyncIterator[str]:
        yield "第一句。"
        yield "第"
        await hold.wait()
        yield "二句。"

    async def consume() -> None:
        async for _ in engine.stream(held_reply(), SETTINGS):
            pass

    first = asyncio.create_task(consume())
    await emulator.wait_for_sessions(1)
    with pytest.raises(QueueTimeoutError):
        await engine.synthesize("别的。", SETTINGS)
    hold.set()
    await first
    await engine.close()


async def test_a_warm_session_that_cannot_be_begun_costs_the_connection(
    engine: SynthesisEngine, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    await engine.synthesize("第一句。", SETTINGS)  # leaves a warm session with SETTINGS

    async def failing_begin(
        self: BidirectionalConnection, settings: VoiceSettings
    ) -> BidirectionalSession:
        raise VolcengineConnectionError("the socket broke while beginning")

    monkeypatch.setattr(BidirectionalConnection, "begin_session", failing_begin)
    await engine.synthesize("第二句。", SETTINGS)  # uses the warm one; the next cannot begin
    assert engine.diagnostics()["pool"]["idle"] == 0
    async with asyncio.timeout(5):
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)


async def test_the_login_check_bills_nothing_and_leaves_a_warm_session(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    assert await engine.check_access(SETTINGS) is True
    check = emulator.sessions[0]
    assert (check.texts, check.canceled) == ([], True)
    assert emulator.billed(DEFAULT_APP_ID) == 0
    await engine.synthesize("你好。", SETTINGS)
    assert engine.diagnostics()["pool"]["statistics"]["warm_sessions_used"] == 1
    assert emulator.connections == 1


async def test_the_login_check_reports_a_used_up_quota(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, character_quota=0
    )
    with pytest.raises(QuotaExhaustedError):
        await engine.check_access(SETTINGS)
    assert engine.recent_errors[-1]["code"] == 45000292


async def test_v1_has_no_free_check_and_trusts_the_login(emulator: Emulator) -> None:
    engine = _engine(emulator, protocol="v1")
    assert await engine.check_access(SETTINGS) is False
    assert emulator.requests == []
    await engine.close()


async def test_no_session_is_begun_ahead_after_an_account_refusal(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    """Its refusal would wait in the socket and fail the first request after a refill."""
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, character_quota=0
    )
    with pytest.raises(QuotaExhaustedError):
        await engine.synthesize("你好。", SETTINGS)
    emulator.config.accounts[DEFAULT_APP_ID] = Account(DEFAULT_APP_ID, DEFAULT_TOKEN)
    assert await engine.synthesize("你好。", SETTINGS) == render_audio("你好。", VOICE)
    assert engine.diagnostics()["pool"]["statistics"]["warm_sessions_used"] == 0


async def test_an_idle_connection_found_unusable_is_replaced(
    engine: SynthesisEngine, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket broke just now, before the pool heard of it: the request opens another."""
    await engine.synthesize("第一句。", SETTINGS)
    monkeypatch.setattr(BidirectionalConnection, "is_usable", property(lambda self: False))
    assert await engine.synthesize("第二句。", SETTINGS) == render_audio("第二句。", VOICE)
    assert emulator.connections == 2
    assert engine.diagnostics()["pool"]["statistics"]["discarded"] >= 1
