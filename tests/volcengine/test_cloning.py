"""The cloning client: requests field by field against the clone notes, errors, safety."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import ssl
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.volcengine_tts.volcengine import (
    ApiKeyCredentials,
    AuthenticationError,
    CloneLanguage,
    CloneRecording,
    CloneRecordingError,
    CloneSlotNotFoundError,
    Credentials,
    InvalidEndpointError,
    InvalidInputError,
    InvalidSlotError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RecordingFormat,
    TrainingLimitError,
    TrainingStatus,
    TranscriptMismatchError,
    TransientServerError,
    VoiceCloneClient,
    VoiceprintError,
    VoiceSlot,
    VoiceStatus,
    VolcengineConnectionError,
    VolcengineTimeoutError,
)
from custom_components.volcengine_tts.volcengine.cloning.client import http_base_url
from emulator import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    DEFAULT_TOKEN,
    Account,
    Emulator,
    EmulatorConfig,
)

SLOT = VoiceSlot("S_abc123XY")
AUDIO = b"RIFF\x00\x00\x00\x00WAVEfake audio bytes"
APP = Credentials(app_id=DEFAULT_APP_ID, access_token=DEFAULT_TOKEN)
KEY = ApiKeyCredentials(DEFAULT_API_KEY)


@pytest.fixture
async def tls_emulator(emulator_config: EmulatorConfig) -> AsyncIterator[Emulator]:
    async with Emulator(emulator_config, tls=True) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as web:
        yield web


def _client(
    emulator: Emulator, session: aiohttp.ClientSession, credentials: Any = APP
) -> VoiceCloneClient:
    return VoiceCloneClient(credentials, session, endpoint=emulator.http_url)


def _recording(**changes: Any) -> CloneRecording:
    values: dict[str, Any] = {"audio": AUDIO, "format": RecordingFormat.WAV} | changes
    return CloneRecording(**values)


def _headers(request: dict[str, Any]) -> dict[str, str]:
    return {key.lower(): value for key, value in request["headers"].items()}


async def test_voice_clone_sends_the_documented_body(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    recording = _recording(
        format=RecordingFormat.MP3,
        language=CloneLanguage.ENGLISH,
        text="Hello there",
        demo_text="A sample sentence",
        enable_audio_denoise=True,
    )
    status = await _client(emulator, session).voice_clone(SLOT, recording)
    (request,) = emulator.clones.requests
    assert request["path"] == "/api/v3/tts/voice_clone"
    assert request["body"] == {
        "speaker_id": "S_abc123XY",
        "audio": {"data": base64.b64encode(AUDIO).decode(), "format": "mp3"},
        "language": 1,
        "text": "Hello there",
        "extra_params": {"demo_text": "A sample sentence", "enable_audio_denoise": True},
    }
    assert status.status is TrainingStatus.SUCCESS  # no training delay configured


async def test_optional_fields_are_left_out(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    await _client(emulator, session).voice_clone(SLOT, _recording())
    body = emulator.clones.requests[0]["body"]
    assert set(body) == {"speaker_id", "audio", "language"}
    assert body["language"] == 0


async def test_app_login_sends_app_key_and_access_key(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    await _client(emulator, session).get_voice(SLOT)
    headers = _headers(emulator.clones.requests[0])
    assert headers["x-api-app-key"] == DEFAULT_APP_ID
    assert headers["x-api-access-key"] == DEFAULT_TOKEN
    assert "x-api-key" not in headers
    assert headers["content-type"] == "application/json"


async def test_api_key_login_sends_only_the_key(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    await _client(emulator, session, KEY).get_voice(SLOT)
    headers = _headers(emulator.clones.requests[0])
    assert headers["x-api-key"] == DEFAULT_API_KEY
    assert "x-api-app-key" not in headers
    assert "x-api-access-key" not in headers


async def test_every_call_has_a_fresh_request_id(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    client = _client(emulator, session)
    await client.get_voice(SLOT)
    await client.get_voice(SLOT)
    ids = [_headers(request)["x-api-request-id"] for request in emulator.clones.requests]
    assert len(set(ids)) == 2
    assert all(uuid.UUID(value) for value in ids)


async def test_post_paid_slot_names_itself_in_custom_speaker_id(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    slot = VoiceSlot.parse("grandmaVoice01")
    await _client(emulator, session).get_voice(slot)
    assert emulator.clones.requests[0]["body"] == {
        "speaker_id": "custom_speaker_id",
        "custom_speaker_id": "grandmaVoice01",
    }


@pytest.mark.parametrize(
    "name",
    ["short", "zh_family_voice", "9startsWithDigit", "ends_with_", "my_bigtts", "has space!"],
)
def test_post_paid_names_the_service_refuses_are_refused_first(name: str) -> None:
    with pytest.raises(InvalidSlotError):
        VoiceSlot.parse(name)


async def test_status_reads_training_then_success(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    emulator.config.clone_training_seconds = 3600
    client = _client(emulator, session)
    started = await client.voice_clone(SLOT, _recording())
    assert started.status is TrainingStatus.TRAINING
    assert started.demo_audio is None
    emulator.config.clone_training_seconds = 0
    done = await client.get_voice(SLOT)
    assert done.status is TrainingStatus.SUCCESS
    assert done.demo_audio
    assert done.resource_id == "seed-icl-2.0"
    assert emulator.clones.requests[-1]["body"] == {"speaker_id": "S_abc123XY"}


def test_status_reads_the_documented_example() -> None:
    reply = {
        "available_training_times": 15,
        "create_time": 1772026663000,
        "language": 0,
        "speaker_id": "S_x",
        "speaker_status": [
            {"demo_audio": "https://one", "model_type": 1},
            {"demo_audio": "https://four", "model_type": 4},
        ],
        "status": 2,
    }
    status = VoiceStatus.from_reply(reply, VoiceSlot("S_x"))
    assert status.demo_audio == "https://four"
    assert status.model_types == (1, 4)
    assert status.available_training_times == 15
    assert status.resource_id == "seed-icl-2.0"


def test_only_icl_1_speaks_on_seed_icl_1() -> None:
    reply = {"status": 4, "model_type": 1, "demo_audio": "https://one"}
    status = VoiceStatus.from_reply(reply, SLOT)
    assert status.resource_id == "seed-icl-1.0"
    assert status.status.can_speak


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (45001109, TranscriptMismatchError),
        (45001104, VoiceprintError),
        (45001123, TrainingLimitError),
        (45001107, CloneSlotNotFoundError),
        (45001108, CloneRecordingError),
        (45001122, CloneRecordingError),
        (45001001, InvalidInputError),
        (55001307, TransientServerError),
        (45000030, PermissionDeniedError),
    ],
)
async def test_documented_codes_raise_typed_errors_with_the_logid(
    emulator: Emulator, session: aiohttp.ClientSession, code: int, error_class: type
) -> None:
    emulator.faults.clone_error_code = code
    emulator.faults.clone_error_message = "requested resource not granted"
    with pytest.raises(error_class) as caught:
        await _client(emulator, session).voice_clone(SLOT, _recording())
    assert caught.value.code == code
    assert caught.value.log_id


async def test_upload_limit_per_slot(emulator: Emulator, session: aiohttp.ClientSession) -> None:
    emulator.config.clone_upload_limit = 1
    client = _client(emulator, session)
    await client.voice_clone(SLOT, _recording())
    with pytest.raises(TrainingLimitError):
        await client.voice_clone(SLOT, _recording())


async def test_post_paid_without_the_service_is_not_granted(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, postpaid_cloning=False
    )
    with pytest.raises(PermissionDeniedError):
        await _client(emulator, session).voice_clone(
            VoiceSlot.parse("grandmaVoice01"), _recording()
        )


async def test_wrong_login_is_an_authentication_error_without_the_secret(
    emulator: Emulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "wrong-secret-token"
    client = _client(emulator, session, Credentials(app_id=DEFAULT_APP_ID, access_token=secret))
    with pytest.raises(AuthenticationError) as caught:
        await client.get_voice(SLOT)
    assert secret not in str(caught.value)
    assert secret not in caplog.text


async def test_an_echoed_secret_is_redacted(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    emulator.faults.clone_error_code = 45001001
    emulator.faults.clone_error_message = f"bad header {DEFAULT_TOKEN}"
    with pytest.raises(InvalidInputError) as caught:
        await _client(emulator, session).voice_clone(SLOT, _recording())
    assert DEFAULT_TOKEN not in str(caught.value)
    assert "**REDACTED**" in str(caught.value)


def test_recordings_over_10_mb_are_refused_before_sending() -> None:
    with pytest.raises(InvalidInputError):
        _recording(audio=b"\0" * (10 * 1024 * 1024 + 1)).body()


def test_the_recording_is_not_in_repr() -> None:
    assert "fake audio" not in repr(_recording())


async def test_every_call_has_a_timeout(session: aiohttp.ClientSession) -> None:
    released = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await released.wait()  # accept, then never answer
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = VoiceCloneClient(APP, session, endpoint=f"ws://127.0.0.1:{port}", timeout=0.2)
        with pytest.raises(VolcengineTimeoutError):
            await client.get_voice(SLOT)
    finally:
        released.set()
        server.close()
        await server.wait_closed()


async def test_unreachable_service_is_a_connection_error(session: aiohttp.ClientSession) -> None:
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    client = VoiceCloneClient(APP, session, endpoint=f"http://127.0.0.1:{port}")
    with pytest.raises(VolcengineConnectionError):
        await client.get_voice(SLOT)


async def test_tls_is_verified(session: aiohttp.ClientSession, tls_emulator: Emulator) -> None:
    client = VoiceCloneClient(APP, session, endpoint=tls_emulator.http_url)
    with pytest.raises(VolcengineConnectionError):
        await client.get_voice(SLOT)  # the emulator's CA is not trusted by default
    trusted = VoiceCloneClient(
        APP, session, endpoint=tls_emulator.http_url, ssl_context=tls_emulator.client_ssl_context()
    )
    assert (await trusted.get_voice(SLOT)).status is TrainingStatus.NOT_FOUND


def test_unverified_tls_is_refused(session: aiohttp.ClientSession) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with pytest.raises(InvalidEndpointError):
        VoiceCloneClient(APP, session, ssl_context=context)


@pytest.mark.parametrize(
    ("endpoint", "base"),
    [
        ("wss://openspeech.bytedance.com", "https://openspeech.bytedance.com"),
        ("wss://proxy.example:8443/", "https://proxy.example:8443"),
        ("ws://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9", "http://localhost:9"),
        ("openspeech.bytedance.com", "https://openspeech.bytedance.com"),
        (
            "wss://openspeech.bytedance.com/api/v3/tts/bidirection",
            "https://openspeech.bytedance.com",
        ),
    ],
)
def test_the_http_base_follows_the_synthesis_endpoint(endpoint: str, base: str) -> None:
    assert http_base_url(endpoint) == base


@pytest.mark.parametrize(
    "endpoint", ["ws://example.com", "http://example.com", "ftp://host", "wss://u:p@host", "wss://"]
)
def test_plain_http_only_to_this_machine(endpoint: str) -> None:
    with pytest.raises(InvalidEndpointError):
        http_base_url(endpoint)


@pytest.fixture
async def crafted() -> AsyncIterator[dict[str, Any]]:
    """A server answering every POST with ``reply['status']`` and ``reply['body']``."""
    reply: dict[str, Any] = {"status": 200, "body": b"{}"}

    async def answer(request: web.Request) -> web.StreamResponse:
        if "pieces" not in reply:
            return web.Response(status=reply["status"], body=reply["body"])
        response = web.StreamResponse(status=reply["status"])
        await response.prepare(request)
        for piece in reply["pieces"]:  # each written and flushed on its own
            await response.write(piece)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/{path:.*}", answer)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    reply["url"] = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield reply
    await runner.cleanup()


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, AuthenticationError),
        (429, RateLimitError),
        (503, TransientServerError),
        (404, InvalidInputError),
    ],
)
async def test_refusals_without_a_code_are_classified_by_http_status(
    session: aiohttp.ClientSession, crafted: dict[str, Any], status: int, error_class: type
) -> None:
    crafted.update(status=status, body=b"<html>busy</html>")
    with pytest.raises(error_class) as caught:
        await VoiceCloneClient(APP, session, endpoint=crafted["url"]).get_voice(SLOT)
    assert caught.value.code == status


async def test_an_answer_in_many_pieces_is_read_whole(
    session: aiohttp.ClientSession, crafted: dict[str, Any]
) -> None:
    """A long sample link arrives over several reads; the answer is parsed whole."""
    link = "https://example.com/demo.wav?" + "x" * 200_000
    body = json.dumps({"code": 20000000, "status": 2, "demo_audio": link}).encode()
    crafted["pieces"] = [body[start : start + 1000] for start in range(0, len(body), 1000)]
    status = await VoiceCloneClient(APP, session, endpoint=crafted["url"]).get_voice(SLOT)
    assert status.status is TrainingStatus.SUCCESS


async def test_an_answer_past_the_cap_breaks_the_protocol(
    session: aiohttp.ClientSession, crafted: dict[str, Any]
) -> None:
    crafted["body"] = b'{"status": 2, "demo_audio": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    with pytest.raises(ProtocolError):
        await VoiceCloneClient(APP, session, endpoint=crafted["url"]).get_voice(SLOT)


@pytest.mark.parametrize("body", [b"not json", b'{"status": 99}'])
async def test_a_reply_that_breaks_the_protocol(
    session: aiohttp.ClientSession, crafted: dict[str, Any], body: bytes
) -> None:
    crafted["body"] = body
    with pytest.raises(ProtocolError):
        await VoiceCloneClient(APP, session, endpoint=crafted["url"]).get_voice(SLOT)


async def test_success_codes_are_not_errors(
    session: aiohttp.ClientSession, crafted: dict[str, Any]
) -> None:
    crafted["body"] = b'{"code": 20000000, "status": 1}'
    status = await VoiceCloneClient(APP, session, endpoint=crafted["url"]).get_voice(SLOT)
    assert status.status is TrainingStatus.TRAINING
    assert status.resource_id == "seed-icl-2.0"  # no model type listed: the default


def test_an_incomplete_prepaid_slot_is_refused() -> None:
    with pytest.raises(InvalidSlotError):
        VoiceSlot.parse(" S_ ")
