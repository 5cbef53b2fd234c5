"""The engine's recognition side: concurrency, retries before audio, diagnostics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    RecognitionConfig,
    RecognitionEngine,
    RecognitionSettings,
    TransientServerError,
    VolcengineConnectionError,
)
from custom_components.volcengine_tts.volcengine.wire.errors import (
    QueueFullError,
    QueueTimeoutError,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, Faults
from emulator.audio import render_audio

COMMAND = "打开客厅的灯"
SETTINGS = RecognitionSettings()


def speech(text: str = COMMAND) -> bytes:
    return render_audio(text, "v", encoding="pcm", sample_rate=16000)


async def chunks(audio: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(audio), 320):
        yield audio[start : start + 320]


def engine(emulator: Emulator, **kwargs: object) -> RecognitionEngine:
    config = RecognitionConfig(endpoint=emulator.url, retry_backoff=0.0, **kwargs)  # type: ignore[arg-type]
    return RecognitionEngine(Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN), config)


async def test_recognize_returns_the_final_text(emulator: Emulator) -> None:
    recognizer = engine(emulator)
    assert await recognizer.recognize(chunks(speech()), SETTINGS) == COMMAND
    assert recognizer.diagnostics()["recognitions"] == 1
    assert recognizer.diagnostics()["last_success"] is not None


async def test_no_more_sessions_than_the_accounts_limit(emulator: Emulator) -> None:
    recognizer = engine(emulator, max_concurrency=1)
    release = asyncio.Event()

    async def held() -> AsyncIterator[bytes]:
        yield speech()[:320]
        await release.wait()

    first = asyncio.create_task(recognizer.recognize(held(), SETTINGS))
    await emulator.wait_for_recognitions(1)
    second = asyncio.create_task(recognizer.recognize(chunks(speech("你好")), SETTINGS))
    async with asyncio.timeout(5):
        # No event marks "queued for a slot": yield to the loop until the counter says so.
        while recognizer.diagnostics()["waiting"] == 0:  # noqa: ASYNC110
            await asyncio.sleep(0)
    assert len(emulator.recognitions) == 1
    release.set()
    await first
    assert await second == "你好"
    assert len(emulator.recognitions) == 2


async def test_waiting_for_a_slot_is_bounded(emulator: Emulator) -> None:
    recognizer = engine(emulator, max_concurrency=1, queue_timeout=0.05)
    release = asyncio.Event()

    async def held() -> AsyncIterator[bytes]:
        yield b"\0\0"
        await release.wait()

    first = asyncio.create_task(recognizer.recognize(held(), SETTINGS))
    await emulator.wait_for_recognitions(1)
    with pytest.raises(QueueTimeoutError):
        await recognizer.recognize(chunks(speech()), SETTINGS)
    release.set()
    await first


async def test_a_refused_connection_is_retried_before_any_audio(emulator: Emulator) -> None:
    emulator.faults = Faults(handshake_status=503)
    recognizer = engine(emulator, retry_attempts=2)
    with pytest.raises(TransientServerError):
        await recognizer.recognize(chunks(speech()), SETTINGS)
    assert recognizer.retries == 2
    assert recognizer.failures == 1
    assert len(recognizer.diagnostics()["recent_errors"]) == 3


async def test_no_retry_once_audio_was_taken(emulator: Emulator) -> None:
    emulator.faults = Faults(drop_after_frames=1)
    recognizer = engine(emulator)
    with pytest.raises(VolcengineConnectionError):
        await recognizer.recognize(chunks(speech()), SETTINGS)
    assert recognizer.retries == 0
    assert len(emulator.recognitions) == 1


async def test_check_access_records_a_refusal(emulator: Emulator) -> None:
    emulator.faults = Faults(handshake_status=403)
    recognizer = engine(emulator)
    with pytest.raises(Exception, match="credentials"):
        await recognizer.check_access()
    (error,) = recognizer.diagnostics()["recent_errors"]
    assert error["code"] == 403
    assert DEFAULT_TOKEN not in str(recognizer.diagnostics())


async def test_diagnostics_describe_the_recogniser(emulator: Emulator) -> None:
    diagnostics = engine(emulator, resource_id="volc.seedasr.sauc.duration").diagnostics()
    assert diagnostics["resource_id"] == "volc.seedasr.sauc.duration"
    assert diagnostics["max_concurrency"] == 2
    assert diagnostics["failures"] == 0


async def test_a_full_queue_refuses_at_once(emulator: Emulator) -> None:
    recognizer = engine(emulator, max_concurrency=1, queue_limit=0)
    release = asyncio.Event()

    async def held() -> AsyncIterator[bytes]:
        yield b"\0\0"
        await release.wait()

    first = asyncio.create_task(recognizer.recognize(held(), SETTINGS))
    await emulator.wait_for_recognitions(1)
    with pytest.raises(QueueFullError):
        await recognizer.recognize(chunks(speech()), SETTINGS)
    release.set()
    await first
