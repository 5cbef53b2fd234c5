"""Usage counting: the characters Volcengine bills, reported once per finished request."""

from __future__ import annotations

import pytest

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    EngineConfig,
    SynthesisEngine,
    VoiceSettings,
    VolcengineError,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator

SETTINGS = VoiceSettings(voice="zh_female_cancan_mars_bigtts")


async def _billed(emulator: Emulator, protocol: str, text: str) -> list[int]:
    billed: list[int] = []
    engine = SynthesisEngine(
        Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
        EngineConfig(
            protocol=protocol,  # type: ignore[arg-type]
            endpoint=emulator.url,
            retry_backoff=0.001,
            on_usage=billed.append,
        ),
    )
    try:
        await engine.synthesize(text, SETTINGS)
    finally:
        await engine.close()
    return billed


async def test_v3_counts_what_the_service_reports_in_session_finished(emulator: Emulator) -> None:
    assert await _billed(emulator, "v3", "你好。今天天气很好！") == [10]
    # The count came from the service: the session asked for it.
    assert emulator.sessions[0].finished


async def test_v3_falls_back_to_the_characters_sent_when_no_usage_comes(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "custom_components.volcengine_tts.volcengine.synthesis.bidirection.USAGE_HEADER",
        "X-Ignored",
    )
    assert await _billed(emulator, "v3", "你好。") == [3]


async def test_v1_counts_the_characters_sent(emulator: Emulator) -> None:
    # One count per v1 request (the first piece goes out alone, for a fast start).
    assert sum(await _billed(emulator, "v1", "你好。今天天气很好！")) == 10


async def test_a_failed_request_counts_nothing(emulator: Emulator) -> None:
    emulator.faults.error_code = 3031
    emulator.faults.error_count = 99
    billed: list[int] = []
    errors: list[VolcengineError] = []
    engine = SynthesisEngine(
        Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
        EngineConfig(
            protocol="v1",
            endpoint=emulator.url,
            retry_backoff=0.001,
            retry_attempts=1,
            on_usage=billed.append,
            on_error=errors.append,
        ),
    )
    try:
        with pytest.raises(VolcengineError):
            await engine.synthesize("你好。", SETTINGS)
    finally:
        await engine.close()
    assert billed == []
    assert [error.code for error in errors] == [3031, 3031]
