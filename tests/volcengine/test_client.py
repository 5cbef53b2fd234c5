"""The v1 client against the emulator: success, every error class, timeouts, garbage."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import uuid
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine import (
    AudioEncoding,
    AuthenticationError,
    Credentials,
    InvalidInputError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    SynthesisRequest,
    TransientServerError,
    UnknownVoiceError,
    V1Client,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
)
from custom_components.volcengine_tts.volcengine.wire.frames import Compression
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, EmulatorConfig
from emulator.audio import render_audio

VOICE = "zh_female_cancan_mars_bigtts"
TEXT = "字节跳动语音合成。"


def _client(emulator: Emulator, **kwargs: object) -> V1Client:
    credentials = kwargs.pop("credentials", Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN))
    return V1Client(credentials, endpoint=emulator.url, **kwargs)  # type: ignore[arg-type]


def _request(text: str = TEXT, voice: str = VOICE) -> SynthesisRequest:
    return SynthesisRequest(text=text, voice=voice)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(chunk_bytes=1024)) as running:
        yield running


async def test_stream_yields_the_audio_in_chunks(emulator: Emulator) -> None:
    chunks = [chunk async for chunk in _client(emulator).stream(_request())]
    assert len(chunks) > 1
    assert b"".join(chunks) == render_audio(TEXT, VOICE)
    received = emulator.requests[0]
    assert received.operation == "submit"
    assert received.compressed
    assert received.voice == VOICE
    assert received.text == TEXT


async def test_request_headers_and_payload(emulator: Emulator) -> None:
    client = _client(emulator)
    await client.synthesize(_request())
    await client.synthesize(_request())
    first, second = emulator.requests
    assert first.headers["Authorization"] == f"Bearer; {DEFAULT_TOKEN}"
    payload = first.payload
    assert payload["app"] == {
        "appid": DEFAULT_APP_ID,
        "token": "access_token",
        "cluster": "volcano_tts",
    }
    assert payload["audio"]["encoding"] == "mp3"
    assert payload["audio"]["rate"] == 24000
    reqids = {first.payload["request"]["reqid"], second.payload["request"]["reqid"]}
    assert len(reqids) == 2
    assert all(uuid.UUID(reqid).version == 4 for reqid in reqids)
    # one connection per request
    assert emulator.connections == 2


async def test_uncompressed_requests(emulator: Emulator) -> None:
    audio = await _client(emulator, compression=Compression.NONE).synthesize(_request())
    assert audio == render_audio(TEXT, VOICE)
    assert not emulator.requests[0].compressed


async def test_query_returns_the_single_frame(emulator: Emulator) -> None:
    audio = await _client(emulator).query(_request())
    assert audio == render_audio(TEXT, VOICE)
    assert emulator.requests[0].operation == "query"


async def test_pcm_and_options(emulator: Emulator) -> None:
    request = SynthesisRequest(
        text=TEXT,
        voice=VOICE,
        encoding=AudioEncoding.PCM,
        sample_rate=16000,
        speed_ratio=1.5,
        bitrate_kbps=64,
    )
    audio = await _client(emulator).synthesize(request)
    assert audio == render_audio(TEXT, VOICE, encoding="pcm", sample_rate=16000, speed_ratio=1.5)
    assert "bitrate" not in emulator.requests[0].payload["audio"]


async def test_mp3_bitrate_is_sent(emulator: Emulator) -> None:
    request = SynthesisRequest(text=TEXT, voice=VOICE, bitrate_kbps=64)
    await _client(emulator).synthesize(request)
    assert emulator.requests[0].payload["audio"]["bitrate"] == 64


@pytest.mark.parametrize(
    "config",
    [
        EmulatorConfig(send_ack=True),
        EmulatorConfig(last_frame_layout="no_sequence"),
        EmulatorConfig(send_frontend=True, gzip_errors=True),
    ],
    ids=["ack", "last-frame-without-sequence", "frontend"],
)
async def test_server_variants(config: EmulatorConfig) -> None:
    async with Emulator(config) as emulator:
        client = _client(emulator)
        assert await client.synthesize(_request()) == render_audio(TEXT, VOICE)
        assert await client.query(_request()) == render_audio(TEXT, VOICE)


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (Credentials(DEFAULT_APP_ID, "wrong-token"), AuthenticationError),
        (Credentials("unknown-app", DEFAULT_TOKEN), AuthenticationError),
    ],
)
async def test_bad_credentials(
    emulator: Emulator, credentials: Credentials, expected: type[VolcengineError]
) -> None:
    with pytest.raises(expected) as caught:
        await _client(emulator, credentials=credentials).synthesize(_request())
    assert caught.value.code == 3001
    assert caught.value.log_id


async def test_cluster_not_granted(emulator: Emulator) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        await _client(emulator, cluster="volcano_icl").synthesize(_request())
    assert "access denied" in (caught.value.server_message or "")


async def test_voice_not_granted() -> None:
    account = Account(DEFAULT_APP_ID, DEFAULT_TOKEN, granted_voices=frozenset({"BV001_streaming"}))
    async with Emulator(EmulatorConfig(accounts={DEFAULT_APP_ID: account})) as emulator:
        with pytest.raises(PermissionDeniedError):
            await _client(emulator).synthesize(_request())
        assert await _client(emulator).synthesize(_request(voice="BV001_streaming"))


async def test_unknown_voice(emulator: Emulator) -> None:
    with pytest.raises(UnknownVoiceError) as caught:
        await _client(emulator).synthesize(_request(voice="no_such_voice"))
    assert caught.value.code == 3050


@pytest.mark.parametrize("text", ["", "   ", "。！？，", "..."])
async def test_nothing_to_speak(emulator: Emulator, text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await _client(emulator).synthesize(_request(text=text))
    assert caught.value.code == 3011


async def test_text_over_1024_bytes_is_refused_before_sending(emulator: Emulator) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await _client(emulator).synthesize(_request(text="好" * 342))  # 1026 bytes
    assert caught.value.code == 3010
    assert emulator.requests == []
    # exactly 1024 bytes is fine
    assert await _client(emulator).synthesize(_request(text="好" * 341 + "a"))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (3001, InvalidInputError),
        (3003, RateLimitError),
        (3005, TransientServerError),
        (3010, InvalidInputError),
        (3011, InvalidInputError),
        (3030, TransientServerError),
        (3031, TransientServerError),
        (3032, TransientServerError),
        (3040, TransientServerError),
        (3050, UnknownVoiceError),
    ],
)
async def test_error_frames(emulator: Emulator, code: int, expected: type[VolcengineError]) -> None:
    emulator.faults.error_code = code
    emulator.faults.error_message = "injected failure"
    with pytest.raises(expected) as caught:
        await _client(emulator).synthesize(_request())
    assert caught.value.code == code
    assert caught.value.server_message == "injected failure"
    assert caught.value.log_id
    # the fault counted down: the next request works
    assert await _client(emulator).synthesize(_request())


async def test_concurrency_limit_is_a_rate_limit(emulator: Emulator) -> None:
    emulator.config.max_concurrency = 1
    emulator.config.first_chunk_delay = 5.0
    slow = asyncio.create_task(_client(emulator).synthesize(_request()))
    await asyncio.wait_for(emulator.wait_for_requests(1), timeout=5)
    with pytest.raises(RateLimitError):
        await _client(emulator).synthesize(_request())
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, AuthenticationError), (403, AuthenticationError), (500, TransientServerError)],
)
async def test_handshake_rejections(
    emulator: Emulator, status: int, expected: type[VolcengineError]
) -> None:
    emulator.faults.handshake_status = status
    with pytest.raises(expected) as caught:
        await _client(emulator).synthesize(_request())
    assert caught.value.code == status


async def test_silent_server_times_out(emulator: Emulator) -> None:
    emulator.faults.stall_after_frames = 1
    client = _client(emulator, receive_timeout=0.2)
    received: list[bytes] = []

    async def consume() -> None:
        async for chunk in client.stream(_request()):
            received.append(chunk)  # noqa: PERF401 - the list must survive the exception

    with pytest.raises(VolcengineTimeoutError):
        await consume()
    assert len(received) == 1  # audio had started: the failure still raised


async def test_slow_handshake_times_out(emulator: Emulator) -> None:
    emulator.faults.handshake_delay = 2.0
    with pytest.raises(VolcengineTimeoutError, match="Connecting"):
        await _client(emulator, connect_timeout=0.2).synthesize(_request())


async def test_dropped_connection_mid_audio(emulator: Emulator) -> None:
    emulator.faults.drop_after_frames = 2
    with pytest.raises(VolcengineConnectionError, match="closed before"):
        await _client(emulator).synthesize(_request())


async def test_malformed_frame(emulator: Emulator) -> None:
    emulator.faults.malformed_after_frames = 1
    with pytest.raises(ProtocolError) as caught:
        await _client(emulator).synthesize(_request())
    assert caught.value.log_id


async def test_text_frame_is_an_error(emulator: Emulator) -> None:
    emulator.faults.text_frame = '{"code": 3005, "message": "busy"}'
    with pytest.raises(TransientServerError):
        await _client(emulator).synthesize(_request())


async def test_unreachable_server() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = V1Client(Credentials("a", "t"), endpoint=f"ws://127.0.0.1:{port}")
    with pytest.raises(VolcengineConnectionError, match="Cannot connect"):
        await client.synthesize(_request())


async def test_tls_with_a_trusted_certificate() -> None:
    async with Emulator(tls=True) as emulator:
        assert emulator.url.startswith("wss://")
        client = _client(emulator, ssl_context=emulator.client_ssl_context())
        assert await client.synthesize(_request()) == render_audio(TEXT, VOICE)


async def test_tls_with_an_untrusted_certificate_fails() -> None:
    async with Emulator(tls=True) as emulator:
        client = _client(emulator, ssl_context=ssl.create_default_context())
        with pytest.raises(VolcengineConnectionError):
            await client.synthesize(_request())
        assert emulator.requests == []


async def test_secrets_never_reach_any_log(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = _client(emulator)
    await client.synthesize(_request())
    await client.query(_request())
    for failure in (3001, 3031):
        emulator.faults.error_code = failure
        emulator.faults.error_count = 1
        with pytest.raises(VolcengineError):
            await client.synthesize(_request())
    with pytest.raises(AuthenticationError) as caught:
        await _client(emulator, credentials=Credentials(DEFAULT_APP_ID, "bad-token")).synthesize(
            _request()
        )
    client_records = [
        record
        for record in caplog.records
        if not record.name.startswith(("emulator", "websockets.server"))
    ]
    assert any("Authorization" in record.getMessage() for record in client_records)
    logged = "\n".join(record.getMessage() for record in client_records)
    assert DEFAULT_TOKEN not in logged
    assert "bad-token" not in logged
    assert DEFAULT_APP_ID not in logged
    assert "bad-token" not in str(caught.value)
    assert "bad-token" not in repr(Credentials(DEFAULT_APP_ID, "bad-token"))


async def test_the_service_markdown_filter_travels_in_extra_param(emulator: Emulator) -> None:
    client = _client(emulator)
    filtered = await client.synthesize(_request("**你好**"))
    verbatim = await client.synthesize(
        SynthesisRequest(text="**你好**", voice=VOICE, filter_markdown=False)
    )
    first, second = emulator.requests
    # A JSON string, as documented; its ``true`` switches the filter on.
    assert first.payload["request"]["extra_param"] == '{"disable_markdown_filter": true}'
    assert "extra_param" not in second.payload["request"]
    assert filtered == render_audio("你好", VOICE)
    assert verbatim == render_audio("**你好**", VOICE)
