"""The v3 unidirectional client, field by field against a scripted server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from custom_components.volcengine_tts.volcengine import (
    ApiKeyCredentials,
    Credentials,
    InvalidInputError,
    ProtocolError,
    TransientServerError,
    VoiceSettings,
    VolcengineConnectionError,
)
from custom_components.volcengine_tts.volcengine.synthesis.unidirectional import (
    UNIDIRECTIONAL_APP_ID_HEADER,
    V3_UNIDIRECTIONAL_PATH,
    RequestResult,
    UnidirectionalConnection,
)
from custom_components.volcengine_tts.volcengine.wire.frames import (
    Event,
    MessageType,
    decode_header,
    encode_audio_frame,
    encode_error_frame,
    encode_server_event,
)

SETTINGS = VoiceSettings(voice="ICL_zh_female_heainainai_tob", pitch=2)
DOCUMENT = '<speak>明天<break time="500ms"/>有雨。</speak>'
type Script = Callable[[ServerConnection], Awaitable[None]]


def _event(event: int, payload: object = None, audio: bytes | None = None) -> bytes:
    body = audio if audio is not None else json.dumps(payload or {}).encode()
    return encode_server_event(event, body, session_id="server-made", audio=audio is not None)


def _request(frame: bytes) -> dict[str, Any]:
    """Decode a full-client request: flags 0, no event, u32 size, plain JSON."""
    header, offset = decode_header(frame)
    assert (header.message_type, header.flags) == (MessageType.FULL_CLIENT_REQUEST, 0)
    size = int.from_bytes(frame[offset : offset + 4], "big")
    assert len(frame) == offset + 4 + size
    document: dict[str, Any] = json.loads(frame[offset + 4 :])
    return document


def _answer(text_words: int | None = 4) -> list[bytes]:
    finished: dict[str, Any] = {"status_code": 20000000, "message": "ok"}
    if text_words is not None:
        finished["usage"] = {"text_words": text_words}
    return [
        _event(Event.TTS_SENTENCE_START, {"res_params": {"text": "明天有雨。"}}),
        _event(Event.TTS_RESPONSE, audio=b"ab"),
        _event(Event.TTS_RESPONSE, audio=b""),
        _event(Event.TTS_RESPONSE, audio=b"cd"),
        _event(Event.TTS_SENTENCE_END, {}),
        _event(Event.USAGE_RESPONSE, {}),
        _event(Event.SESSION_FINISHED, finished),
    ]


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[[Script], Awaitable[str]]]:
    servers = []

    async def start(script: Script) -> str:
        server = await serve(script, "127.0.0.1", 0)
        servers.append(server)
        return f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def _open(url: str, credentials: Any = None) -> UnidirectionalConnection:
    return await UnidirectionalConnection.open(
        credentials or Credentials("app", "token"),
        endpoint=url,
        resource_id="seed-tts-1.0",
        ssl_context=None,
        connect_timeout=5,
        receive_timeout=5,
    )


async def _audio(result: RequestResult) -> bytes:
    async with contextlib.aclosing(result.audio()) as audio:
        return b"".join([chunk async for chunk in audio])


async def test_the_handshake_logs_in_the_unidirectional_way(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    seen: dict[str, Any] = {}

    async def script(websocket: ServerConnection) -> None:
        assert websocket.request is not None
        seen["path"] = websocket.request.path
        seen["headers"] = websocket.request.headers
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    await connection.close()
    headers = seen["headers"]
    assert seen["path"] == V3_UNIDIRECTIONAL_PATH
    assert UNIDIRECTIONAL_APP_ID_HEADER == "X-Api-App-Id"
    assert (headers["X-Api-App-Id"], headers["X-Api-Access-Key"]) == ("app", "token")
    assert "X-Api-App-Key" not in headers
    assert headers["X-Api-Resource-Id"] == "seed-tts-1.0"
    assert headers["X-Control-Require-Usage-Tokens-Return"] == "text_words"


async def test_an_api_key_logs_in_alone(scripted: Callable[[Script], Awaitable[str]]) -> None:
    seen: dict[str, Any] = {}

    async def script(websocket: ServerConnection) -> None:
        assert websocket.request is not None
        seen["headers"] = websocket.request.headers
        await websocket.wait_closed()

    connection = await _open(await scripted(script), ApiKeyCredentials("key"))
    await connection.close()
    assert seen["headers"]["X-Api-Key"] == "key"
    assert "X-Api-App-Id" not in seen["headers"]


@pytest.mark.parametrize(("ssml", "field"), [(False, "text"), (True, "ssml")])
async def test_one_request_carries_text_or_ssml_and_the_settings(
    scripted: Callable[[Script], Awaitable[str]], ssml: bool, field: str
) -> None:
    received: list[dict[str, Any]] = []

    async def script(websocket: ServerConnection) -> None:
        received.append(_request(bytes(await websocket.recv())))
        for frame in _answer():
            await websocket.send(frame)
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    text = DOCUMENT if ssml else "明天有雨。"
    result = await connection.synthesize(SETTINGS.with_text(text, ssml=ssml))
    assert await _audio(result) == b"abcd"
    assert connection.reusable
    await connection.close()
    [request] = received
    assert set(request) == {"user", "req_params"}  # no event, no namespace
    params = request["req_params"]
    assert params[field] == text
    assert ({"text", "ssml"} - {field}).isdisjoint(params)
    assert params["speaker"] == SETTINGS.voice
    assert params["audio_params"] == {"format": "mp3", "sample_rate": 24000, "speech_rate": 0}
    additions = json.loads(params["additions"])
    assert additions == {"post_process": {"pitch": 2}, "disable_markdown_filter": True}
    assert result.billed_characters == 4


async def test_without_usage_the_characters_sent_are_billed(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await websocket.recv()
        for frame in _answer(text_words=None):
            await websocket.send(frame)
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    result = await connection.synthesize(SETTINGS.with_text("你好呀。"))
    await _audio(result)
    await connection.close()
    assert result.billed_characters == len("你好呀。")


async def test_requests_follow_one_another_on_one_connection(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    texts: list[str] = []

    async def script(websocket: ServerConnection) -> None:
        for _ in range(2):
            texts.append(_request(bytes(await websocket.recv()))["req_params"]["text"])
            for frame in _answer():
                await websocket.send(frame)
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    for text in ("一。", "二。"):
        assert await _audio(await connection.synthesize(SETTINGS.with_text(text))) == b"abcd"
    await connection.close()
    assert texts == ["一。", "二。"]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (encode_error_frame(45000001, "ssml is not supported by this speaker"), InvalidInputError),
        (
            _event(Event.SESSION_FAILED, {"status_code": 55000000, "message": "boom"}),
            TransientServerError,
        ),
        (_event(Event.SESSION_FINISHED, {"status_code": 45000001, "message": "bad"}), None),
        (encode_audio_frame(b"x", sequence=1, last=False), ProtocolError),
    ],
)
async def test_failures_raise_and_leave_the_connection_unused(
    scripted: Callable[[Script], Awaitable[str]], reply: bytes, error: type[Exception] | None
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await websocket.recv()
        await websocket.send(_event(Event.TTS_RESPONSE, audio=b"ab"))
        await websocket.send(reply)
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    result = await connection.synthesize(SETTINGS.with_text(DOCUMENT, ssml=True))
    with pytest.raises(error or InvalidInputError):
        await _audio(result)
    assert not connection.reusable
    with pytest.raises(RuntimeError):
        await connection.synthesize(SETTINGS.with_text("再来。"))
    await connection.close()


async def test_a_request_abandoned_half_way_spoils_the_connection(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await websocket.recv()
        for frame in _answer()[:3]:
            await websocket.send(frame)
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    result = await connection.synthesize(SETTINGS.with_text("明天有雨。"))
    async with contextlib.aclosing(result.audio()) as audio:
        assert await anext(audio) == b"ab"
    assert not connection.reusable
    await connection.close()


async def test_a_send_on_a_closed_connection_spoils_it(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await websocket.close()

    connection = await _open(await scripted(script))
    await connection.close()
    with pytest.raises(RuntimeError):
        await connection.synthesize(SETTINGS.with_text("你好。"))


async def test_a_failed_send_spoils_the_connection(
    scripted: Callable[[Script], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await websocket.wait_closed()

    connection = await _open(await scripted(script))

    async def refuse(message: bytes) -> None:
        raise VolcengineConnectionError("closed while sending")

    monkeypatch.setattr(connection._connection, "send", refuse)
    with pytest.raises(VolcengineConnectionError):
        await connection.synthesize(SETTINGS.with_text("你好。"))
    assert not connection.reusable
    await connection.close()
