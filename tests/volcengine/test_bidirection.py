"""The v3 client's handling of unusual server behaviour, with a scripted server.

The emulator covers the documented flow; these scripts cover what a server
might do besides (late events, odd frames, dropped connections).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from websockets.asyncio.server import ServerConnection, serve

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    ProtocolError,
    RateLimitError,
    TransientServerError,
    VoiceSettings,
    VolcengineConnectionError,
    VolcengineTimeoutError,
)
from custom_components.volcengine_tts.volcengine.synthesis.bidirection import (
    BidirectionalConnection,
    BidirectionalSession,
    SessionState,
    percent_rate,
    resource_id_for_voice,
)
from custom_components.volcengine_tts.volcengine.wire.frames import (
    Event,
    decode_header,
    encode_audio_frame,
    encode_error_frame,
    encode_server_event,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator

SETTINGS = VoiceSettings(voice="zh_female_cancan_mars_bigtts")
type Script = Callable[[ServerConnection], Awaitable[None]]


def _event(event: int, payload: object = None, **ids: str) -> bytes:
    body = json.dumps(payload if payload is not None else {}).encode()
    return encode_server_event(event, body, **ids)


def _session_id(frame: bytes) -> str:
    _, offset = decode_header(frame)
    size = int.from_bytes(frame[offset + 4 : offset + 8], "big")
    return frame[offset + 8 : offset + 8 + size].decode()


async def _started(websocket: ServerConnection) -> None:
    await websocket.recv()  # StartConnection
    await websocket.send(_event(Event.CONNECTION_STARTED, connection_id="c1"))


async def _open(url: str, *, receive_timeout: float = 5) -> BidirectionalConnection:
    return await BidirectionalConnection.open(
        Credentials("app", "token"),
        endpoint=url,
        resource_id="seed-tts-1.0",
        ssl_context=None,
        connect_timeout=5,
        receive_timeout=receive_timeout,
    )


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[[Script], Awaitable[str]]]:
    servers = []

    async def start(script: Script) -> str:
        server = await serve(script, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("voice", "resource"),
    [
        ("zh_female_vv_uranus_bigtts", "seed-tts-2.0"),
        ("saturn_zh_female_cancan_tob", "seed-tts-2.0"),
        ("S_abc123", "seed-icl-1.0"),
        ("ICL_zh_female_x_tob", "seed-tts-1.0"),
        ("icl_a1b2c3", "seed-icl-1.0"),
        ("zh_male_ruyayichen_saturn_bigtts", "seed-tts-2.0"),
        ("BV001_streaming", "seed-tts-1.0"),
    ],
)
def test_resource_for_voice(voice: str, resource: str) -> None:
    assert resource_id_for_voice(voice) == resource


@pytest.mark.parametrize(
    ("ratio", "rate"), [(1.0, 0), (2.0, 100), (0.5, -50), (3.0, 100), (0.1, -50)]
)
def test_percent_rate(ratio: float, rate: int) -> None:
    assert percent_rate(ratio) == rate


async def test_connection_failed_is_a_typed_error(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await websocket.recv()
        await websocket.send(
            _event(
                Event.CONNECTION_FAILED,
                {"status_code": 45000000, "message": "quota exceeded for types: concurrency"},
            )
        )

    with pytest.raises(RateLimitError):
        await _open(await scripted(script))


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ('{"code": 55000000, "message": "server error"}', TransientServerError),
        (
            encode_error_frame(55000000, '{"status_code":55000000,"message":"boom"}'),
            TransientServerError,
        ),
        (encode_audio_frame(b"x", sequence=1, last=False), None),
    ],
)
async def test_what_may_come_before_connection_started(
    scripted: Callable[[Script], Awaitable[str]], reply: str | bytes, error: type[Exception] | None
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await websocket.recv()
        await websocket.send(reply)
        await websocket.send(_event(Event.CONNECTION_STARTED, connection_id="c1"))

    url = await scripted(script)
    if error is None:  # an unexpected frame is skipped
        connection = await _open(url)
        assert connection.connection_id == "c1"
        await connection.close()
    else:
        with pytest.raises(error):
            await _open(url)


async def test_late_and_unknown_events_are_skipped(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await _started(websocket)
        session = _session_id(await websocket.recv())  # StartSession
        await websocket.send(_event(Event.USAGE_RESPONSE, session_id=session))
        await websocket.send(_event(Event.SESSION_STARTED, session_id=session))
        await websocket.recv()  # TaskRequest
        await websocket.send(_event(Event.TTS_RESPONSE, session_id="an-earlier-session"))
        await websocket.send(_event(Event.TTS_SENTENCE_START, session_id=session))
        await websocket.send(
            encode_server_event(Event.TTS_RESPONSE, b"", session_id=session, audio=True)
        )
        await websocket.send(
            encode_server_event(Event.TTS_RESPONSE, b"mp3", session_id=session, audio=True)
        )
        await websocket.send(_event(999, session_id=session))
        await websocket.recv()  # FinishSession
        await websocket.send(
            _event(
                Event.SESSION_FINISHED,
                {"status_code": 20000000, "usage": {"text_words": 2}},
                session_id=session,
            )
        )
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    session = await connection.begin_session(SETTINGS)
    with pytest.raises(RuntimeError, match="already running"):
        await connection.begin_session(SETTINGS)
    await session.wait_started()
    await session.send_text("你好")
    await session.finish()
    assert [chunk async for chunk in session.audio()] == [b"mp3"]
    assert session.usage == {"text_words": 2}
    assert connection.is_usable
    await connection.close()
    assert not connection.is_usable


async def test_server_side_cancel_and_failure(scripted: Callable[[Script], Awaitable[str]]) -> None:
    async def script(websocket: ServerConnection) -> None:
        await _started(websocket)
        first = _session_id(await websocket.recv())
        await websocket.send(_event(Event.SESSION_CANCELED, session_id=first))
        second = _session_id(await websocket.recv())
        await websocket.send(
            _event(
                Event.SESSION_FAILED,
                {"status_code": 55000001, "message": "lost"},
                session_id=second,
            )
        )
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    session = await connection.begin_session(SETTINGS)
    with pytest.raises(VolcengineConnectionError, match="canceled"):
        await session.wait_started()
    session = await connection.begin_session(SETTINGS)
    with pytest.raises(TransientServerError):
        async for _ in session.audio():
            pass
    assert session.state is SessionState.DONE
    await session.cancel()  # nothing left to cancel
    await connection.close()


@pytest.mark.parametrize(
    "frame",
    [
        encode_audio_frame(b"x", sequence=1, last=False),
        b"\x11\xb5\x00\x00",
        "not json",
    ],
    ids=["v1-frame", "garbage", "text"],
)
async def test_odd_frames_in_a_session_break_the_connection(
    scripted: Callable[[Script], Awaitable[str]], frame: bytes | str
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await _started(websocket)
        session = _session_id(await websocket.recv())
        await websocket.send(_event(Event.SESSION_STARTED, session_id=session))
        await websocket.send(frame)
        await websocket.wait_closed()

    connection = await _open(await scripted(script))
    session = await connection.begin_session(SETTINGS)
    await session.wait_started()
    with pytest.raises(ProtocolError):
        async for _ in session.audio():
            pass
    assert not connection.is_usable
    await connection.close()


async def test_cancel_on_a_dropped_connection_marks_it_broken(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await _started(websocket)
        session = _session_id(await websocket.recv())
        await websocket.send(_event(Event.SESSION_STARTED, session_id=session))
        await websocket.recv()  # CancelSession
        websocket.transport.abort()

    connection = await _open(await scripted(script))
    session = await connection.begin_session(SETTINGS)
    await session.wait_started()
    await session.cancel()
    assert session.state is SessionState.DONE
    assert not connection.is_usable
    await connection.close()


async def test_sending_on_a_closed_connection_fails_cleanly(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await _started(websocket)
        await websocket.recv()  # StartSession
        await websocket.close()

    connection = await _open(await scripted(script))
    session = await connection.begin_session(SETTINGS)
    with pytest.raises(VolcengineConnectionError):
        await session.wait_started()
    with pytest.raises(VolcengineConnectionError):
        await connection.begin_session(SETTINGS)
    assert not connection.is_usable
    await connection.close()


@pytest.mark.parametrize(
    ("filter_markdown", "additions"), [(True, {"disable_markdown_filter": True}), (False, None)]
)
def test_the_service_markdown_filter_travels_in_additions(
    filter_markdown: bool, additions: dict[str, bool] | None
) -> None:
    settings = VoiceSettings(voice=SETTINGS.voice, filter_markdown=filter_markdown)
    session = BidirectionalSession(None, settings, session_id="s", uid="u")  # type: ignore[arg-type]
    req_params = session.payload(Event.START_SESSION)["req_params"]
    # A JSON string, as documented; despite its name, ``true`` switches the filter on.
    assert (json.loads(req_params["additions"]) if "additions" in req_params else None) == additions


SHORT_TIMEOUT = 0.05
GUARD = 5.0
"""Bounds a test whose client would otherwise wait for ever (the defect it checks)."""


async def _started_session(websocket: ServerConnection) -> str:
    await _started(websocket)
    session = _session_id(await websocket.recv())  # StartSession
    await websocket.send(_event(Event.SESSION_STARTED, session_id=session))
    return session


async def test_a_server_silent_on_a_complete_sentence_times_out(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await _started_session(websocket)
        await websocket.recv()  # TaskRequest, never answered
        await websocket.wait_closed()

    connection = await _open(await scripted(script), receive_timeout=SHORT_TIMEOUT)
    session = await connection.begin_session(SETTINGS)
    await session.wait_started()
    await session.send_text("这句话说完了。")
    with pytest.raises(VolcengineTimeoutError):
        async with asyncio.timeout(GUARD):
            await anext(session.audio())
    await connection.close()


async def test_a_sentence_end_for_earlier_text_leaves_newer_text_owed(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        session = await _started_session(websocket)
        await websocket.recv()  # TaskRequest 1
        await websocket.send(_event(Event.TTS_SENTENCE_START, session_id=session))
        await websocket.send(
            encode_server_event(Event.TTS_RESPONSE, b"one", session_id=session, audio=True)
        )
        await websocket.recv()  # TaskRequest 2, sent after sentence 1 started
        await websocket.send(_event(Event.TTS_SENTENCE_END, session_id=session))
        await websocket.wait_closed()  # sentence 2 is never spoken: a stall

    connection = await _open(await scripted(script), receive_timeout=SHORT_TIMEOUT)
    session = await connection.begin_session(SETTINGS)
    await session.wait_started()
    await session.send_text("第一句。")
    audio = session.audio()
    assert await anext(audio) == b"one"
    await session.send_text("第二句。")
    with pytest.raises(VolcengineTimeoutError):
        async with asyncio.timeout(GUARD):
            await anext(audio)
    await connection.close()


async def test_text_without_a_sentence_end_is_owed_no_answer(
    scripted: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(websocket: ServerConnection) -> None:
        await _started_session(websocket)
        await websocket.recv()  # a long clause: the service waits for its terminator
        await websocket.wait_closed()

    connection = await _open(await scripted(script), receive_timeout=SHORT_TIMEOUT)
    session = await connection.begin_session(SETTINGS)
    await session.wait_started()
    await session.send_text("一二三四五六七八九十" * 6 + "，")
    waiting = asyncio.ensure_future(anext(session.audio()))
    # The service's silence is right here: the reader waits, it does not time out.
    done, _ = await asyncio.wait({waiting}, timeout=SHORT_TIMEOUT * 4)
    assert not done
    waiting.cancel()
    await asyncio.wait({waiting})
    connection.abort()


async def test_when_lost_tells_once_the_service_closed_the_socket(emulator: Emulator) -> None:
    connection = await BidirectionalConnection.open(
        Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
        endpoint=emulator.url,
        resource_id="seed-tts-1.0",
        ssl_context=None,
        connect_timeout=5,
        receive_timeout=5,
    )
    lost = asyncio.Event()
    taken_back: list[str] = []
    connection.when_lost(lost.set)
    connection.when_lost(lambda: taken_back.append("told"))()  # taken back at once
    assert await emulator.close_idle_connections() == 1
    async with asyncio.timeout(5):
        await lost.wait()
    assert taken_back == []
    assert not connection.is_usable
    late = asyncio.Event()
    connection.when_lost(late.set)  # already gone: told soon, not from inside the call
    assert not late.is_set()
    async with asyncio.timeout(5):
        await late.wait()
    await connection.close()
