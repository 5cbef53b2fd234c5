"""The v3 unidirectional stream: one request in, sentence events and audio out."""

import asyncio
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from emulator import DEFAULT_API_KEY, DEFAULT_APP_ID, Emulator
from emulator import render_audio as render

from .v3_client import (
    CONNECTION_FINISHED,
    ERROR,
    FINISH_CONNECTION,
    SENTENCE_END,
    SENTENCE_START,
    SESSION_FINISHED,
    SPEAKER,
    TTS_RESPONSE,
    UNIDIRECTIONAL,
    WAIT,
    audio_of,
    client_frame,
    events_of,
    open_v3,
    receive,
    receive_until,
    sentences_of,
    v3_headers,
)

TEXT = "明朝开国皇帝朱元璋。也称这本书为万物之根"
SENTENCES = ["明朝开国皇帝朱元璋。", "也称这本书为万物之根"]


def request(text: str = TEXT, speaker: str = SPEAKER, **audio: Any) -> dict[str, Any]:
    return {
        "user": {"uid": "12345"},
        "req_params": {
            "text": text,
            "speaker": speaker,
            "audio_params": {"format": "mp3", "sample_rate": 24000, **audio},
        },
    }


def headers(**extra: str) -> dict[str, str]:
    return v3_headers(app_header="X-Api-App-Id", **extra)


async def test_request_streams_sentences_then_session_finished(emulator: Emulator) -> None:
    emulator.config.chunk_bytes = 600
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as websocket:
        await websocket.send(client_frame(None, request()))
        frames = await receive_until(websocket, {SESSION_FINISHED})
    assert sentences_of(frames) == SENTENCES
    assert audio_of(frames) == b"".join(render(sentence, SPEAKER) for sentence in SENTENCES)
    kinds = [event for event in events_of(frames) if event != TTS_RESPONSE]
    assert kinds == [SENTENCE_START, SENTENCE_END] * 2 + [SESSION_FINISHED]
    session_ids = {frame.identifier for frame in frames}
    assert len(session_ids) == 1
    assert session_ids == {emulator.sessions[0].session_id}
    assert frames[-1].json() == {"status_code": 20000000, "message": "ok"}
    [session] = emulator.sessions
    assert (session.endpoint, session.texts, session.finished) == (
        "unidirectional",
        [TEXT],
        True,
    )


async def test_connection_carries_requests_in_sequence(emulator: Emulator) -> None:
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as websocket:
        for text in ["一。", "二。"]:
            await websocket.send(client_frame(None, request(text)))
            frames = await receive_until(websocket, {SESSION_FINISHED})
            assert audio_of(frames) == render(text, SPEAKER)
        await websocket.send(client_frame(FINISH_CONNECTION))
        finished = await receive(websocket)
        async with asyncio.timeout(WAIT):
            await websocket.wait_closed()
    assert finished.event == CONNECTION_FINISHED
    assert finished.identifier == emulator.sessions[0].connection_id
    assert emulator.connections == 1
    assert len({session.session_id for session in emulator.sessions}) == 2


async def test_app_key_header_is_accepted_too(emulator: Emulator) -> None:
    usage = {"X-Control-Require-Usage-Tokens-Return": "text_words"}
    async with open_v3(emulator, UNIDIRECTIONAL, v3_headers(**usage)) as websocket:
        await websocket.send(client_frame(None, request("你好。")))
        frames = await receive_until(websocket, {SESSION_FINISHED})
    assert frames[-1].json()["usage"] == {"text_words": 3}


async def test_an_api_key_logs_in_to_the_unidirectional_stream(emulator: Emulator) -> None:
    headers = {"X-Api-Key": DEFAULT_API_KEY, "X-Api-Resource-Id": "seed-tts-1.0"}
    async with open_v3(emulator, UNIDIRECTIONAL, headers) as websocket:
        await websocket.send(client_frame(None, request("你好。")))
        frames = await receive_until(websocket, {SESSION_FINISHED})
    assert frames[-1].event == SESSION_FINISHED


async def test_a_wrong_api_key_is_refused_by_the_unidirectional_stream(emulator: Emulator) -> None:
    headers = {"X-Api-Key": "not-a-key", "X-Api-Resource-Id": "seed-tts-1.0"}
    async with open_v3(emulator, UNIDIRECTIONAL, headers) as websocket:
        await websocket.send(client_frame(None, request("你好。")))
        refusal = await receive(websocket)
    assert refusal.code == 45000010


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (request(speaker="nobody_bigtts"), 45000001),
        (request(speaker="zh_female_vv_uranus_bigtts"), 45000000),
        (request(text=""), 45000001),
        (request(speech_rate=-60), 45000001),
    ],
)
async def test_invalid_requests_get_an_error_frame(
    emulator: Emulator, payload: dict[str, Any], code: int
) -> None:
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as websocket:
        await websocket.send(client_frame(None, payload))
        error = await receive(websocket)
        with pytest.raises(ConnectionClosed):
            await receive(websocket)
    assert (error.message_type, error.code) == (ERROR, code)
    assert emulator.sessions[0].status_code == code


async def test_text_over_the_limit_is_refused(emulator: Emulator) -> None:
    emulator.config.max_text_chars = 5
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as websocket:
        await websocket.send(client_frame(None, request("一二三四五六。")))
        error = await receive(websocket)
    assert error.json() == {"status_code": 40402003, "message": "TTSExceededTextLimit"}


async def test_open_connections_count_against_the_quota(emulator: Emulator) -> None:
    emulator.config.max_concurrency = 1
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as first:
        await first.send(client_frame(None, request("一。")))
        await receive_until(first, {SESSION_FINISHED})
        assert emulator.open_connections(DEFAULT_APP_ID) == 1
        async with open_v3(emulator, UNIDIRECTIONAL, headers()) as second:
            await second.send(client_frame(None, request("二。")))
            error = await receive(second)
    assert (error.code, error.json()["message"]) == (
        45000000,
        "quota exceeded for types: concurrency",
    )


async def test_session_events_are_not_part_of_this_endpoint(emulator: Emulator) -> None:
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as websocket:
        await websocket.send(client_frame(100, request(), session_id="s1"))
        assert (await receive(websocket)).code == 45000001


async def test_faults_apply_here_too(emulator: Emulator) -> None:
    emulator.faults.error_code = 55000000
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as websocket:
        await websocket.send(client_frame(None, request()))
        error = await receive(websocket)
    assert error.code == 55000000


async def test_idle_unidirectional_connections_can_be_closed(emulator: Emulator) -> None:
    async with open_v3(emulator, UNIDIRECTIONAL, headers()) as websocket:
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 1)
        assert await emulator.close_idle_connections() == 1
        with pytest.raises(ConnectionClosed):
            await receive(websocket)
