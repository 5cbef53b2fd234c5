"""The emulator's cloning API, checked with plain aiohttp requests against the clone notes."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from emulator import DEFAULT_API_KEY, DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator

from .v3_client import (
    SESSION_FAILED,
    SESSION_STARTED,
    audio_of,
    finish_session,
    open_v3,
    send_text,
    session_payload,
    start_connection,
    start_session,
    v3_headers,
)

SLOT = "S_emulated1"
APP_HEADERS = {"X-Api-App-Key": DEFAULT_APP_ID, "X-Api-Access-Key": DEFAULT_TOKEN}
AUDIO = {"data": base64.b64encode(b"RIFF....WAVE").decode(), "format": "wav"}


@pytest.fixture
async def web() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    web: aiohttp.ClientSession,
    emulator: Emulator,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], str | None]:
    async with web.post(
        emulator.http_url + path, json=body, headers=headers or APP_HEADERS
    ) as response:
        return response.status, await response.json(), response.headers.get("X-Tt-Logid")


async def train(web: aiohttp.ClientSession, emulator: Emulator, **body: Any) -> dict[str, Any]:
    _, reply, _ = await post(
        web, emulator, "/api/v3/tts/voice_clone", {"speaker_id": SLOT, "audio": AUDIO} | body
    )
    return reply


async def status(web: aiohttp.ClientSession, emulator: Emulator) -> dict[str, Any]:
    return (await post(web, emulator, "/api/v3/tts/get_voice", {"speaker_id": SLOT}))[1]


async def test_a_slot_never_trained_is_not_found(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    assert (await status(web, emulator))["status"] == 0


async def test_training_then_success_after_the_configured_delay(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    emulator.config.clone_training_seconds = 3600
    reply = await train(web, emulator)
    assert reply["status"] == 1
    assert "demo_audio" not in reply
    emulator.config.clone_training_seconds = 0
    reply = await status(web, emulator)
    assert reply["status"] == 2
    assert reply["speaker_id"] == SLOT
    assert {item["model_type"] for item in reply["speaker_status"]} == {1, 5}
    assert reply["demo_audio"].startswith("https://")


async def test_api_key_login(web: aiohttp.ClientSession, emulator: Emulator) -> None:
    code, reply, _ = await post(
        web, emulator, "/api/v3/tts/get_voice", {"speaker_id": SLOT}, {"X-Api-Key": DEFAULT_API_KEY}
    )
    assert (code, reply["status"]) == (200, 0)


async def test_a_wrong_login_is_refused_with_a_logid(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    code, reply, logid = await post(
        web, emulator, "/api/v3/tts/get_voice", {"speaker_id": SLOT}, {"X-Api-Key": "nope"}
    )
    assert (code, reply["code"]) == (401, 45000010)
    assert logid


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"audio": {"data": AUDIO["data"], "format": "flac"}}, 45001001),
        ({"audio": {"data": "", "format": "wav"}}, 45001105),
        ({"audio": {"data": "not base64!", "format": "wav"}}, 45001105),
        ({"language": 9}, 45001001),
        ({"extra_params": {"demo_text": "短"}}, 45001126),
    ],
)
async def test_what_the_service_refuses(
    web: aiohttp.ClientSession, emulator: Emulator, body: dict[str, Any], code: int
) -> None:
    assert (await train(web, emulator, **body))["code"] == code


async def test_more_than_10_mb_is_refused(web: aiohttp.ClientSession, emulator: Emulator) -> None:
    data = base64.b64encode(b"\0" * (10 * 1024 * 1024 + 1)).decode()
    assert (await train(web, emulator, audio={"data": data, "format": "wav"}))["code"] == 45001001


async def test_the_upload_limit_per_slot(web: aiohttp.ClientSession, emulator: Emulator) -> None:
    emulator.config.clone_upload_limit = 2
    assert (await train(web, emulator))["available_training_times"] == 1
    assert (await train(web, emulator))["available_training_times"] == 0
    assert (await train(web, emulator))["code"] == 45001123


async def test_slots_not_bought_and_post_paid_not_granted(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, clone_slots=frozenset(), postpaid_cloning=False
    )
    assert (await train(web, emulator))["code"] == 45001107
    code, reply, _ = await post(
        web,
        emulator,
        "/api/v3/tts/voice_clone",
        {"speaker_id": "custom_speaker_id", "custom_speaker_id": "grandmaVoice", "audio": AUDIO},
    )
    assert (code, reply["code"]) == (403, 45000030)
    assert "not granted" in reply["message"]


async def test_a_post_paid_name_that_looks_official_is_refused(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    reply = await train(
        web, emulator, speaker_id="custom_speaker_id", custom_speaker_id="zh_x_voice"
    )
    assert reply["code"] == 45001001


async def test_documented_codes_as_faults(web: aiohttp.ClientSession, emulator: Emulator) -> None:
    emulator.faults.clone_error_code = 45001109
    assert (await train(web, emulator))["code"] == 45001109
    assert (await train(web, emulator))["status"] == 2  # the fault fired once


async def test_a_failing_training_ends_failed(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    emulator.faults.clone_training_fails = True
    assert (await train(web, emulator))["status"] == 3


async def _speak(emulator: Emulator, speaker: str, resource_id: str) -> tuple[bytes, Any]:
    """Speak one sentence; return the audio, or the SessionFailed payload."""
    async with open_v3(emulator, headers=v3_headers(resource_id=resource_id)) as websocket:
        await start_connection(websocket)
        started = await start_session(websocket, "s1", session_payload(speaker))
        if started.event == SESSION_FAILED:
            return b"", started.json()
        assert started.event == SESSION_STARTED
        await send_text(websocket, "s1", "你好。")
        return audio_of(await finish_session(websocket, "s1")), None


async def test_a_trained_voice_speaks_on_the_clone_resources_and_activates(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    await train(web, emulator, speaker_id="custom_speaker_id", custom_speaker_id="grandmaVoice")
    assert emulator.clones.voices["grandmaVoice"].status == 2
    for resource in ("seed-icl-2.0", "seed-icl-1.0"):
        audio, failure = await _speak(emulator, "grandmaVoice", resource)
        assert audio, (resource, failure)
    assert emulator.clones.voices["grandmaVoice"].status == 4
    _, failure = await _speak(emulator, "grandmaVoice", "seed-tts-1.0")
    assert "mismatched" in failure["message"]


async def test_a_voice_still_training_does_not_speak(
    web: aiohttp.ClientSession, emulator: Emulator
) -> None:
    emulator.config.clone_training_seconds = 3600
    await train(web, emulator)
    _, failure = await _speak(emulator, SLOT, "seed-icl-2.0")
    assert failure["status_code"] == 45000001


@pytest.mark.parametrize("tls", [False, True])
async def test_one_port_serves_both_apis_as_the_real_host(
    web: aiohttp.ClientSession, tls: bool
) -> None:
    async with Emulator(tls=tls, one_port=True) as emulator:
        scheme = "https" if tls else "http"
        assert emulator.http_url == scheme + emulator.url.removeprefix("wss" if tls else "ws")
        context = emulator.client_ssl_context() if tls else None
        async with web.post(
            emulator.http_url + "/api/v3/tts/voice_clone",
            json={"speaker_id": SLOT, "audio": AUDIO},
            headers=APP_HEADERS,
            ssl=context if context is not None else True,
        ) as response:
            assert (await response.json())["status"] == 2
        async with open_v3(
            emulator, headers=v3_headers(resource_id="seed-icl-2.0"), ssl=context
        ) as websocket:
            await start_connection(websocket)
            started = await start_session(websocket, "s1", session_payload(SLOT))
            assert started.event == SESSION_STARTED
            await send_text(websocket, "s1", "你好。")
            assert audio_of(await finish_session(websocket, "s1"))
        assert emulator.clones.voices[SLOT].status == 4
