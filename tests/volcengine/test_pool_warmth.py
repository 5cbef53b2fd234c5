"""Warm when it matters: a connection warmed ahead of a reply, one the service closed restored.

Both bill nothing (a StartConnection and a StartSession without text), never take a
slot from a request, never exceed the account's limit, and never loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

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
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, render_audio

from .test_pool import SATELLITE, SETTINGS, VOICE

CREDENTIALS = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)
WAIT = 5.0


def _engine(emulator: Emulator, **overrides: object) -> SynthesisEngine:
    config = {
        "endpoint": emulator.url,
        "warm_settings": SETTINGS,
        "retry_backoff": 0.001,
        "reopen_delay": 0.01,
    }
    return SynthesisEngine(CREDENTIALS, EngineConfig(**(config | overrides)))  # type: ignore[arg-type]


@pytest.fixture
async def billed() -> list[int]:
    return []


@pytest.fixture
async def engine(emulator: Emulator, billed: list[int]) -> AsyncIterator[SynthesisEngine]:
    running = _engine(emulator, on_usage=billed.append)
    yield running
    await running.close()


def _pool(engine: SynthesisEngine) -> dict[str, object]:
    pool: dict[str, object] = engine.diagnostics()["pool"]
    return pool


def _statistics(engine: SynthesisEngine) -> dict[str, int]:
    statistics: dict[str, int] = engine.diagnostics()["pool"]["statistics"]
    return statistics


async def _eventually(condition: Callable[[], bool]) -> None:
    """Wait for a change the client makes on its own (no event marks it)."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 - no event for "the client noticed"
            await asyncio.sleep(0)


async def _held_request(
    engine: SynthesisEngine, emulator: Emulator
) -> tuple[asyncio.Event, asyncio.Task[None]]:
    """Start a request that holds its connection until the returned event is set."""
    hold = asyncio.Event()

    async def reply() -> AsyncIterator[str]:
        yield "第一句。"
        await hold.wait()

    async def consume() -> None:
        async for _ in engine.stream(reply(), SETTINGS):
            pass

    sessions = len(emulator.sessions)
    task = asyncio.create_task(consume())
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_sessions(sessions + 1)
    return hold, task


def _format(emulator: Emulator) -> tuple[object, object]:
    """The format and sample rate of the session begun last."""
    params = emulator.sessions[-1].audio_params
    return params["format"], params["sample_rate"]


def _unbilled(emulator: Emulator, since: int) -> bool:
    return all(not session.texts for session in emulator.sessions[since:])


# --- prewarm -------------------------------------------------------------------------------


async def test_prewarm_opens_a_connection_with_a_begun_session_and_bills_nothing(
    engine: SynthesisEngine, emulator: Emulator, billed: list[int]
) -> None:
    engine.prewarm()
    await engine.wait_warm()
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_sessions(1)
    assert emulator.connections == 1
    assert emulator.open_connections(DEFAULT_APP_ID) == 1
    assert [(session.speaker, session.texts) for session in emulator.sessions] == [(VOICE, [])]
    assert _pool(engine)["idle"] == 1
    assert _statistics(engine)["prewarmed"] == 1
    assert billed == []
    assert await engine.synthesize("你好。", SETTINGS) == render_audio("你好。", VOICE)
    assert emulator.connections == 1
    assert _statistics(engine)["warm_sessions_used"] == 1


async def test_prewarm_is_idempotent(engine: SynthesisEngine, emulator: Emulator) -> None:
    engine.prewarm()
    engine.prewarm()  # while the first is still opening
    await engine.wait_warm()
    engine.prewarm()  # while it is idle and warm
    await engine.wait_warm()
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_sessions(1)
    assert emulator.connections == 1
    assert len(emulator.sessions) == 1


async def test_prewarm_follows_the_last_caller(engine: SynthesisEngine, emulator: Emulator) -> None:
    await engine.synthesize("第一句。", SATELLITE)
    await engine.release_idle()
    engine.prewarm()
    await engine.wait_warm()
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_sessions(3)  # the request's, its warm one, the prewarmed one
    assert _format(emulator) == ("pcm", 16000)
    await engine.synthesize("第二句。", SATELLITE)
    assert emulator.connections == 2
    assert _statistics(engine)["warm_sessions_used"] == 1


async def test_a_request_during_a_prewarm_takes_the_connection_being_warmed(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    engine.prewarm()
    assert await engine.synthesize("你好。", SETTINGS) == render_audio("你好。", VOICE)
    assert emulator.connections == 1


@pytest.mark.parametrize("limit", [1, 2])
async def test_prewarm_never_takes_a_slot_a_request_needs(emulator: Emulator, limit: int) -> None:
    emulator.config.max_concurrency = limit
    engine = _engine(emulator, max_concurrency=limit)
    hold, request = await _held_request(engine, emulator)
    engine.prewarm()
    await engine.wait_warm()
    # With one slot the request holds it; with two the free one is warmed.
    assert emulator.open_connections(DEFAULT_APP_ID) == limit
    assert _statistics(engine)["prewarmed"] == limit - 1
    assert _statistics(engine)["warm_up_failures"] == 0
    hold.set()
    await request
    assert emulator.open_connections(DEFAULT_APP_ID) <= limit
    await engine.close()


async def test_prewarm_does_nothing_on_v1(emulator: Emulator) -> None:
    engine = _engine(emulator, protocol="v1")
    engine.prewarm()
    await engine.wait_warm()
    assert emulator.connections == 0
    await engine.close()


async def test_prewarm_does_nothing_without_warm_settings_or_after_close(
    emulator: Emulator,
) -> None:
    engine = _engine(emulator, warm_settings=None)
    engine.prewarm()
    await engine.close()
    engine = _engine(emulator)
    await engine.close()
    engine.prewarm()
    await engine.wait_warm()
    assert emulator.connections == 0


@pytest.mark.parametrize("refusal", ["handshake", "concurrency"])
async def test_a_failed_warm_up_is_logged_at_debug_and_never_raised(
    engine: SynthesisEngine,
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
    refusal: str,
) -> None:
    if refusal == "handshake":
        emulator.faults.handshake_status = 401
    else:
        emulator.config.max_concurrency = 0  # another client holds the account's connections
    with caplog.at_level(logging.DEBUG):
        engine.prewarm()
        await engine.wait_warm()
    assert _statistics(engine)["warm_up_failures"] == 1
    assert "Could not warm a Volcengine connection" in caplog.text
    ours = [record for record in caplog.records if record.name.startswith("custom_components")]
    assert not [record for record in ours if record.levelno > logging.DEBUG]
    assert not engine.recent_errors  # no request failed
    assert _pool(engine)["idle"] == 0
    assert emulator.open_connections(DEFAULT_APP_ID) == 0


async def test_close_cancels_a_pending_warm_up(engine: SynthesisEngine, emulator: Emulator) -> None:
    emulator.faults.handshake_delay = 60
    engine.prewarm()
    async with asyncio.timeout(WAIT):  # not the handshake's 60 s
        await engine.close()
    assert _pool(engine)["warming"] == 0
    assert emulator.open_connections(DEFAULT_APP_ID) == 0


# --- the service closes an idle connection -------------------------------------------------


async def _closed_by_service(emulator: Emulator, engine: SynthesisEngine, count: int = 1) -> None:
    """Have the service close every idle connection; wait until the client has noticed."""
    closed = _statistics(engine)["closed_by_service"]
    assert await emulator.close_idle_connections() >= 1
    await _eventually(lambda: _statistics(engine)["closed_by_service"] >= closed + count)
    await engine.wait_warm()


async def test_an_idle_connection_closed_by_the_service_is_restored_warm(
    engine: SynthesisEngine, emulator: Emulator, billed: list[int]
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    sessions = len(emulator.sessions)
    await _closed_by_service(emulator, engine)
    assert _statistics(engine)["restored"] == 1
    assert _pool(engine)["idle"] == 1
    assert emulator.connections == 2
    assert _unbilled(emulator, sessions)
    assert billed == [len("第一句。")]
    assert await engine.synthesize("第二句。", SETTINGS) == render_audio("第二句。", VOICE)
    assert emulator.connections == 2  # the next announcement pays no new connection
    assert _statistics(engine)["warm_sessions_used"] == 1


async def test_a_restored_connection_closed_again_is_not_reopened(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    sessions = len(emulator.sessions)
    await _closed_by_service(emulator, engine)
    await _closed_by_service(emulator, engine)
    assert (_statistics(engine)["closed_by_service"], _statistics(engine)["restored"]) == (2, 1)
    assert emulator.connections == 2
    assert emulator.open_connections(DEFAULT_APP_ID) == 0
    assert _unbilled(emulator, sessions)
    # The next request opens its own connection, as it always did.
    assert await engine.synthesize("第二句。", SETTINGS) == render_audio("第二句。", VOICE)


async def test_a_service_with_a_short_idle_timeout_costs_one_reopening_per_use(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    emulator.config.idle_timeout = 0.2  # far shorter than the engine's 30 s
    await engine.synthesize("第一句。", SETTINGS)
    await _eventually(lambda: _statistics(engine)["closed_by_service"] == 2)
    await engine.wait_warm()
    assert _statistics(engine)["restored"] == 1
    assert emulator.connections == 2
    assert emulator.open_connections(DEFAULT_APP_ID) == 0


async def test_a_failed_reopening_is_not_retried(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    emulator.faults.handshake_status = 503
    await _closed_by_service(emulator, engine)
    assert _statistics(engine)["warm_up_failures"] == 1
    assert _statistics(engine)["restored"] == 0
    assert emulator.connections == 1


@pytest.mark.parametrize("limit", [1, 2])
async def test_restoring_respects_the_account_limit(emulator: Emulator, limit: int) -> None:
    emulator.config.max_concurrency = limit
    engine = _engine(emulator, max_concurrency=limit)
    await asyncio.gather(*(engine.synthesize(f"第{n}句。", SETTINGS) for n in range(limit)))
    assert _pool(engine)["idle"] == limit
    await _closed_by_service(emulator, engine, count=limit)
    # One warm connection per resource id is restored, however many were closed.
    assert _statistics(engine)["restored"] == 1
    assert _statistics(engine)["warm_up_failures"] == 0
    assert emulator.open_connections(DEFAULT_APP_ID) == 1
    await engine.close()


async def test_no_restoring_late_in_the_window(emulator: Emulator) -> None:
    engine = _engine(emulator, idle_timeout=0.5)  # less than the minimum worth reopening for
    await engine.synthesize("第一句。", SETTINGS)
    await _closed_by_service(emulator, engine)
    assert _statistics(engine)["restored"] == 0
    assert emulator.connections == 1
    await engine.close()


async def test_close_cancels_a_pending_reopening(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    emulator.faults.handshake_delay = 60
    assert await emulator.close_idle_connections() == 1
    await _eventually(lambda: _pool(engine)["warming"] == 1)
    async with asyncio.timeout(WAIT):
        await engine.close()
    assert _pool(engine)["warming"] == 0
    assert _statistics(engine)["restored"] == 0


async def test_a_connection_we_close_ourselves_is_not_reopened(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    await engine.synthesize("第一句。", SETTINGS)
    await engine.release_idle()
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)
    await engine.wait_warm()
    assert _statistics(engine)["closed_by_service"] == 0
    assert emulator.connections == 1


async def test_a_warm_session_of_other_settings_is_restored_with_them(
    engine: SynthesisEngine, emulator: Emulator
) -> None:
    other = VoiceSettings(voice=VOICE, encoding=AudioEncoding.PCM, sample_rate=24000)
    await engine.synthesize("第一句。", other)
    await _closed_by_service(emulator, engine)
    assert await engine.synthesize("第二句。", other) == render_audio(
        "第二句。", VOICE, encoding="pcm", sample_rate=24000
    )
    assert emulator.connections == 2
    assert _statistics(engine)["warm_sessions_used"] == 1


async def test_a_warm_up_whose_session_cannot_be_begun_closes_its_connection(
    engine: SynthesisEngine, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_begin(
        self: BidirectionalConnection, settings: VoiceSettings
    ) -> BidirectionalSession:
        raise VolcengineConnectionError("the socket broke while beginning")

    monkeypatch.setattr(BidirectionalConnection, "begin_session", failing_begin)
    engine.prewarm()
    await engine.wait_warm()
    assert _statistics(engine)["warm_up_failures"] == 1
    assert _pool(engine)["idle"] == 0
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)


async def test_close_cancels_a_reopening_still_waiting_out_its_delay(emulator: Emulator) -> None:
    engine = _engine(emulator, reopen_delay=60)
    await engine.synthesize("第一句。", SETTINGS)
    await emulator.close_idle_connections()
    await _eventually(lambda: _statistics(engine)["closed_by_service"] == 1)
    async with asyncio.timeout(WAIT):  # not the 60 s delay
        await engine.close()
    assert emulator.connections == 1
    assert _statistics(engine)["restored"] == 0


async def test_a_request_during_the_delay_makes_the_reopening_needless(
    emulator: Emulator,
) -> None:
    engine = _engine(emulator, reopen_delay=1.0)  # far longer than the request
    await engine.synthesize("第一句。", SETTINGS)
    await emulator.close_idle_connections()
    await _eventually(lambda: _statistics(engine)["closed_by_service"] == 1)
    await engine.synthesize("第二句。", SETTINGS)  # opens its own and leaves it idle
    await engine.wait_warm()
    assert _statistics(engine)["restored"] == 0
    assert emulator.connections == 2
    assert _pool(engine)["idle"] == 1
    await engine.close()


async def test_prewarm_warms_the_resource_and_road_of_the_warm_settings(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cloned preset warms its own resource; a voice only unidirectional gets nothing."""
    cloned = VoiceSettings(voice="S_abc123XY", resource_id="seed-icl-2.0")
    engine = _engine(emulator, warm_settings=cloned)
    asked: list[tuple[str, VoiceSettings]] = []
    monkeypatch.setattr(
        engine._pool, "prewarm", lambda resource_id, settings: asked.append((resource_id, settings))
    )
    engine.prewarm()
    assert asked == [("seed-icl-2.0", cloned)]
    await engine.close()
    unidirectional = VoiceSettings(voice="ICL_zh_female_huoponvhai_tob", bidirection=False)
    engine = _engine(emulator, warm_settings=unidirectional)
    engine.prewarm()
    await engine.wait_warm()
    assert emulator.connections == 0
    await engine.close()


async def test_a_connection_given_back_while_the_pool_closes_is_not_kept(
    engine: SynthesisEngine, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """close() may run while a request's connection begins its next warm session."""
    pool = engine._pool
    begin = type(pool)._begin_warm_session
    closing: list[asyncio.Task[None]] = []

    async def begin_while_closing(
        connection: BidirectionalConnection, warm: VoiceSettings
    ) -> object:
        closing.append(asyncio.create_task(engine.close()))
        await asyncio.sleep(0)  # let close() start: it marks the pool closed at once
        return await begin(connection, warm)

    monkeypatch.setattr(type(pool), "_begin_warm_session", staticmethod(begin_while_closing))
    await engine.synthesize("你好。", SETTINGS)
    await asyncio.gather(*closing)
    assert pool._idle == []
    async with asyncio.timeout(5):
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)
