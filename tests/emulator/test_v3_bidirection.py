"""The v3 bidirectional endpoint: handshake, connection and session events, streaming."""

import asyncio
import io
from typing import Any

import pytest
from mutagen.mp3 import MP3
from websockets.exceptions import ConnectionClosed, InvalidStatus

from emulator import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    DEFAULT_TOKEN,
    Account,
    Emulator,
    EmulatorConfig,
    speech_duration,
)
from emulator import render_audio as render

from .v3_client import (
    CANCEL_SESSION,
    CONNECTION_FAILED,
    CONNECTION_FINISHED,
    CONNECTION_STARTED,
    ERROR,
    FINISH_CONNECTION,
    SENTENCE_END,
    SENTENCE_START,
    SESSION_CANCELED,
    SESSION_FAILED,
    SESSION_FINISHED,
    SESSION_STARTED,
    SPEAKER,
    SPEAKER_2_0,
    START_SESSION,
    TTS_RESPONSE,
    WAIT,
    audio_of,
    client_frame,
    events_of,
    finish_session,
    open_v3,
    receive,
    receive_until,
    send_text,
    sentences_of,
    session_payload,
    speak,
    start_connection,
    start_session,
    v3_headers,
)


def expected_audio(sentences: list[str], speaker: str = SPEAKER, **options: Any) -> bytes:
    return b"".join(render(sentence, speaker, **options) for sentence in sentences)


async def handshake_status(emulator: Emulator, headers: dict[str, str]) -> tuple[int, bytes]:
    with pytest.raises(InvalidStatus) as caught:
        async with open_v3(emulator, headers=headers):
            pass
    return caught.value.response.status_code, caught.value.response.body


# --- handshake -------------------------------------------------------------------------


async def test_handshake_returns_a_logid(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        assert websocket.response is not None
        assert websocket.response.headers["X-Tt-Logid"][:8].isdigit()


@pytest.mark.parametrize(
    "headers",
    [
        v3_headers(app_id="nobody"),
        v3_headers(token="wrong"),
        {"X-Api-Resource-Id": "seed-tts-1.0"},
    ],
)
async def test_bad_credentials_are_refused_with_401(
    emulator: Emulator, headers: dict[str, str]
) -> None:
    status, body = await handshake_status(emulator, headers)
    assert status == 401
    assert b"invalid app key or access key" in body


def api_key_headers(api_key: str = DEFAULT_API_KEY, **extra: str) -> dict[str, str]:
    return {"X-Api-Key": api_key, "X-Api-Resource-Id": "seed-tts-1.0", **extra}


async def test_an_api_key_logs_in_instead_of_app_key_and_access_key(emulator: Emulator) -> None:
    async with open_v3(emulator, headers=api_key_headers()) as websocket:
        started = await start_connection(websocket)
        frames = await speak(websocket, "s1", ["你好。"])
    assert started.event == CONNECTION_STARTED
    assert events_of(frames)[-1] == SESSION_FINISHED
    assert emulator.sessions[0].app_id == DEFAULT_APP_ID


async def test_a_wrong_api_key_is_refused_in_a_frame_after_the_upgrade(emulator: Emulator) -> None:
    async with open_v3(emulator, headers=api_key_headers("not-a-key")) as websocket:
        await websocket.send(client_frame(1, {}))
        refusal = await receive(websocket)
        async with asyncio.timeout(WAIT):
            await websocket.wait_closed()
    assert (refusal.message_type, refusal.code) == (ERROR, 45000010)
    assert refusal.json()["message"] == "The API key or AK/SK in the request is missing or invalid."


async def test_an_api_key_still_needs_a_granted_resource(emulator: Emulator) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID,
        DEFAULT_TOKEN,
        api_key=DEFAULT_API_KEY,
        resources=frozenset({"seed-tts-2.0"}),
    )
    status, body = await handshake_status(emulator, api_key_headers())
    assert status == 403
    assert b"requested resource not granted" in body


@pytest.mark.parametrize("resource_id", ["volc.tts.default", "seed-tts-3.0", ""])
async def test_unknown_resource_id_is_refused_with_400(
    emulator: Emulator, resource_id: str
) -> None:
    status, body = await handshake_status(emulator, v3_headers(resource_id=resource_id))
    assert status == 400
    assert b"invalid resource id" in body


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            accounts={
                DEFAULT_APP_ID: Account(
                    DEFAULT_APP_ID, DEFAULT_TOKEN, resources=frozenset({"seed-tts-1.0"})
                )
            }
        )
    ],
)
async def test_resource_not_granted_is_refused_with_403(emulator: Emulator) -> None:
    status, body = await handshake_status(emulator, v3_headers(resource_id="seed-tts-2.0"))
    assert status == 403
    assert b"requested resource not granted" in body
    async with open_v3(emulator, headers=v3_headers(resource_id="seed-tts-1.0")):
        pass  # the granted one is fine


async def test_handshake_faults_apply_to_v3(emulator: Emulator) -> None:
    emulator.faults.handshake_status = 503
    status, _ = await handshake_status(emulator, v3_headers())
    assert status == 503


# --- connection events -----------------------------------------------------------------


async def test_start_connection_answers_connection_started(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        started = await start_connection(websocket)
    assert started.raw[:4] == bytes.fromhex("11941000")
    assert started.event == CONNECTION_STARTED
    assert started.identifier
    assert started.json() == {}
    async with asyncio.timeout(WAIT):  # released once the server sees the client leave
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)


async def test_connect_id_header_becomes_the_connection_id(emulator: Emulator) -> None:
    headers = v3_headers(**{"X-Api-Connect-Id": "my-connection"})
    async with open_v3(emulator, headers=headers) as websocket:
        assert (await start_connection(websocket)).identifier == "my-connection"


async def test_finish_connection_answers_connection_finished_then_closes(
    emulator: Emulator,
) -> None:
    async with open_v3(emulator) as websocket:
        connection_id = (await start_connection(websocket)).identifier
        await websocket.send(client_frame(FINISH_CONNECTION))
        finished = await receive(websocket)
        async with asyncio.timeout(WAIT):
            await websocket.wait_closed()
    assert (finished.event, finished.identifier) == (CONNECTION_FINISHED, connection_id)
    assert finished.json()["status_code"] == 20000000
    assert websocket.close_code == 1000


async def test_open_connections_are_limited_per_app_id_even_when_idle(
    emulator: Emulator,
) -> None:
    emulator.config.max_concurrency = 2
    async with open_v3(emulator) as first, open_v3(emulator) as second:
        assert (await start_connection(first)).event == CONNECTION_STARTED
        assert (await start_connection(second)).event == CONNECTION_STARTED
        assert emulator.open_connections(DEFAULT_APP_ID) == 2
        async with open_v3(emulator) as third:
            failed = await start_connection(third)
            async with asyncio.timeout(WAIT):
                await third.wait_closed()
        assert failed.event == CONNECTION_FAILED
        assert failed.json() == {
            "status_code": 45000000,
            "message": "quota exceeded for types: concurrency",
        }
        await second.send(client_frame(FINISH_CONNECTION))
        assert (await receive(second)).event == CONNECTION_FINISHED
        assert emulator.open_connections(DEFAULT_APP_ID) == 1
        async with open_v3(emulator) as fourth:
            assert (await start_connection(fourth)).event == CONNECTION_STARTED


async def test_sessions_need_a_started_connection(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        error = await start_session(websocket, "s1")
        async with asyncio.timeout(WAIT):
            await websocket.wait_closed()
    assert (error.message_type, error.code) == (ERROR, 45000001)


@pytest.mark.parametrize(
    "frame",
    [
        b"\x11\x14\x10",
        client_frame(None, {"req_params": {}}),
        bytes.fromhex("11 14 10 00 00000064 00000000 00000002 7b7d"),
    ],
)
async def test_malformed_frames_get_an_error_frame_and_close(
    emulator: Emulator, frame: bytes
) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await websocket.send(frame)
        error = await receive(websocket)
        async with asyncio.timeout(WAIT):
            await websocket.wait_closed()
    assert error.raw[:4] == bytes.fromhex("11f01000")
    assert error.code == 45000001
    assert error.json()["status_code"] == 45000001


async def test_text_frames_get_an_error_frame(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await websocket.send("hello")
        assert (await receive(websocket)).code == 45000001


async def test_unknown_event_outside_a_session_gets_an_error_frame(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await websocket.send(client_frame(7))
        assert (await receive(websocket)).code == 45000001
        assert (await start_connection(websocket)).code == 45000001  # already started


# --- sessions --------------------------------------------------------------------------


async def test_session_streams_sentence_events_and_audio(emulator: Emulator) -> None:
    emulator.config.chunk_bytes = 700
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["今天天气不错。我们去", "公园散步吧！", "好的"])
    sentences = ["今天天气不错。", "我们去公园散步吧！", "好的"]
    assert sentences_of(frames) == sentences
    assert audio_of(frames) == expected_audio(sentences)
    assert MP3(io.BytesIO(audio_of(frames))).info.length > 0
    # 350, 352…, 351 per sentence, then 152
    kinds = [event for event in events_of(frames) if event != TTS_RESPONSE]
    assert kinds == [SENTENCE_START, SENTENCE_END] * 3 + [SESSION_FINISHED]
    audio_frames = [frame for frame in frames if frame.event == TTS_RESPONSE]
    assert all(frame.raw[:4] == bytes.fromhex("11b40000") for frame in audio_frames)
    assert all(frame.identifier == "s1" for frame in frames)
    assert max(len(frame.payload) for frame in audio_frames) == 700
    ends = [frame.json() for frame in frames if frame.event == SENTENCE_END]
    assert [end["res_params"]["text"] for end in ends] == sentences
    assert frames[-1].json() == {"status_code": 20000000, "message": "ok"}


async def test_session_started_is_empty_json_under_the_session_id(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        started = await start_session(websocket, "abc")
    assert started.raw[:4] == bytes.fromhex("11941000")
    assert (started.event, started.identifier, started.json()) == (SESSION_STARTED, "abc", {})


async def test_usage_is_reported_only_when_asked_for(emulator: Emulator) -> None:
    headers = v3_headers(**{"X-Control-Require-Usage-Tokens-Return": "*"})
    async with open_v3(emulator, headers=headers) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["你好。", "世界"])
    assert frames[-1].json() == {
        "status_code": 20000000,
        "message": "ok",
        "usage": {"text_words": 5},
    }


async def test_first_sentence_is_spoken_while_text_still_arrives(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await send_text(websocket, "s1", "第一句。第二")
        first = await receive_until(websocket, {SENTENCE_END})
        assert sentences_of(first) == ["第一句。"]
        await send_text(websocket, "s1", "句。")
        second = await receive_until(websocket, {SENTENCE_END})
        assert sentences_of(second) == ["第二句。"]
        rest = await finish_session(websocket, "s1")
    assert events_of(rest) == [SESSION_FINISHED]
    assert audio_of(first + second) == expected_audio(["第一句。", "第二句。"])


async def test_audio_params_reach_the_renderer(emulator: Emulator) -> None:
    payload = session_payload(format="pcm", sample_rate=16000, speech_rate=100)
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["你好。"], payload)
    assert audio_of(frames) == render(
        "你好。", SPEAKER, encoding="pcm", sample_rate=16000, speed_ratio=2.0
    )


async def test_bit_rate_is_read_in_bits_per_second(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["你好。"], session_payload(bit_rate=64000))
    assert audio_of(frames) == render("你好。", SPEAKER, bitrate_kbps=64)


@pytest.mark.parametrize(
    ("bit_rate", "additions", "expected_kbps"),
    [
        (48000, None, 64),  # below the default range: raised to its floor
        (48000, {"disable_default_bit_rate": True}, 48),  # the floor lifted, as documented
        (192000, None, 160),  # above it: lowered to its ceiling
        (192000, {"disable_default_bit_rate": True}, 160),  # nothing lifts the ceiling
    ],
)
async def test_bit_rate_stays_in_the_documented_range(
    emulator: Emulator, bit_rate: int, additions: dict[str, bool] | None, expected_kbps: int
) -> None:
    payload = session_payload(bit_rate=bit_rate, additions=additions)
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["你好。"], payload)
    assert audio_of(frames) == render("你好。", SPEAKER, bitrate_kbps=expected_kbps)


async def test_several_sessions_run_in_sequence_on_one_connection(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        answers = [await speak(websocket, f"s{n}", [f"第{n}句。"]) for n in range(3)]
    assert [audio_of(frames) for frames in answers] == [
        render(f"第{n}句。", SPEAKER) for n in range(3)
    ]
    assert emulator.connections == 1
    assert [session.session_id for session in emulator.sessions] == ["s0", "s1", "s2"]
    assert all(session.finished for session in emulator.sessions)


async def test_second_session_at_once_is_refused(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        refused = await start_session(websocket, "s2")
        assert (refused.event, refused.identifier) == (SESSION_FAILED, "s2")
        assert refused.json() == {"status_code": 55000001, "message": "session already exists"}
        await send_text(websocket, "s1", "还在。")
        frames = await finish_session(websocket, "s1")  # the first one is unharmed
    assert sentences_of(frames) == ["还在。"]


async def test_cancel_stops_the_session_and_allows_a_new_one(emulator: Emulator) -> None:
    emulator.config.first_chunk_delay = 30.0  # audio would come far too late
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await send_text(websocket, "s1", "不会说出来。")
        await websocket.send(client_frame(CANCEL_SESSION, session_id="s1"))
        canceled = await receive(websocket)
        emulator.config.first_chunk_delay = 0.0
        frames = await speak(websocket, "s2", ["新的。"])
    assert (canceled.event, canceled.identifier) == (SESSION_CANCELED, "s1")
    assert sentences_of(frames) == ["新的。"]
    assert emulator.sessions[0].canceled
    assert not emulator.sessions[0].finished


async def test_session_events_for_another_session_fail(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        frames = await finish_session(websocket, "nope")
    assert (frames[-1].event, frames[-1].json()["status_code"]) == (SESSION_FAILED, 55000001)


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        (session_payload("no_such_voice_bigtts"), 45000001, "speaker not found"),
        (session_payload(SPEAKER_2_0), 45000000, "resource ID is mismatched"),
        (session_payload("S_abcdef"), 45000000, "resource ID is mismatched"),
        (session_payload(speech_rate=101), 45000001, "speech_rate"),
        (session_payload(loudness_rate=-51), 45000001, "loudness_rate"),
        (session_payload(format="ogg_opus"), 45000001, "unsupported"),
        (session_payload(sample_rate=11025), 45000001, "sample_rate"),
        ({"req_params": "x"}, 45000001, "req_params"),
    ],
)
async def test_invalid_sessions_fail(
    emulator: Emulator, payload: dict[str, Any], code: int, message: str
) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        failed = await start_session(websocket, "s1", payload)
        assert (failed.event, failed.identifier) == (SESSION_FAILED, "s1")
        assert failed.json()["status_code"] == code
        assert message in failed.json()["message"]
        frames = await speak(websocket, "s2", ["还能用。"])  # the connection survives
    assert sentences_of(frames) == ["还能用。"]
    assert emulator.sessions[0].status_code == code


@pytest.mark.parametrize(
    ("resource_id", "speaker"),
    [
        ("seed-tts-2.0", SPEAKER_2_0),
        ("seed-tts-2.0", "saturn_zh_female_cancan_tob"),
        ("seed-tts-1.0-concurr", "BV001_streaming"),
        ("volc.service_type.10029", SPEAKER),
        ("seed-icl-1.0", "S_abcdef"),
        ("seed-icl-2.0", "icl_a1b2c3d4"),
        ("seed-tts-1.0", "ICL_zh_female_wenrounvshen_239eff5e8ffa_tob"),
    ],
)
async def test_speakers_work_with_their_generation_resource(
    emulator: Emulator, resource_id: str, speaker: str
) -> None:
    async with open_v3(emulator, headers=v3_headers(resource_id=resource_id)) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["你好。"], session_payload(speaker))
    assert audio_of(frames) == render("你好。", speaker)


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            accounts={
                DEFAULT_APP_ID: Account(
                    DEFAULT_APP_ID, DEFAULT_TOKEN, granted_voices=frozenset({"BV001_streaming"})
                )
            }
        )
    ],
)
async def test_speaker_not_granted_fails_with_access_denied(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        failed = await start_session(websocket, "s1")
    assert failed.json() == {
        "status_code": 45000000,
        "message": "speaker permission denied: get resource id: access denied",
    }


async def test_text_over_the_limit_fails_the_session(emulator: Emulator) -> None:
    emulator.config.max_text_chars = 10
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await send_text(websocket, "s1", "一二三四五")
        await send_text(websocket, "s1", "六七八九十十一")
        failed = await receive_until(websocket, {SESSION_FAILED})
    assert failed[-1].json() == {"status_code": 40402003, "message": "TTSExceededTextLimit"}


async def test_unknown_event_inside_a_session_fails_it(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await websocket.send(client_frame(300, session_id="s1"))
        failed = await receive(websocket)
    assert (failed.event, failed.json()["status_code"]) == (SESSION_FAILED, 45000001)


# --- records and test hooks ------------------------------------------------------------


async def test_sessions_are_recorded(emulator: Emulator) -> None:
    headers = v3_headers(resource_id="seed-tts-1.0-concurr")
    payload = session_payload(additions={"explicit_language": "zh-cn"}, sample_rate=16000)
    async with open_v3(emulator, headers=headers) as websocket:
        connection_id = (await start_connection(websocket)).identifier
        await start_session(websocket, "s1", payload)
        await emulator.wait_for_sessions(1)
        assert not emulator.sessions[0].finished
        await send_text(websocket, "s1", "一。")
        await send_text(websocket, "s1", "二")
        await finish_session(websocket, "s1")
    await emulator.wait_for_sessions(1, ended=True)
    [session] = emulator.sessions
    assert (session.app_id, session.resource_id) == (DEFAULT_APP_ID, "seed-tts-1.0-concurr")
    assert (session.connection_id, session.session_id) == (connection_id, "s1")
    assert session.speaker == SPEAKER
    assert session.audio_params == {"format": "mp3", "sample_rate": 16000}
    assert session.additions == {"explicit_language": "zh-cn"}
    assert session.texts == ["一。", "二"]
    assert (session.finished, session.canceled, session.status_code) == (True, False, 20000000)


async def test_close_idle_connections_spares_busy_ones(emulator: Emulator) -> None:
    emulator.config.first_chunk_delay = 30.0
    async with open_v3(emulator) as idle, open_v3(emulator) as busy:
        await start_connection(idle)
        await start_connection(busy)
        await start_session(busy, "s1")
        await send_text(busy, "s1", "慢慢说。")
        # The sentence starts at once; its audio waits for the first-chunk delay.
        assert (await receive(busy)).event == SENTENCE_START
        assert await emulator.close_idle_connections() == 1
        with pytest.raises(ConnectionClosed):
            await receive(idle)
        assert idle.close_code == 1001
        assert emulator.open_connections(DEFAULT_APP_ID) == 1
        await busy.send(client_frame(CANCEL_SESSION, session_id="s1"))
        assert (await receive(busy)).event == SESSION_CANCELED


async def test_a_session_still_without_text_leaves_its_connection_idle(
    emulator: Emulator,
) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "ahead-of-need")
        assert await emulator.close_idle_connections() == 1
        with pytest.raises(ConnectionClosed):
            await receive(websocket)
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_sessions(1, ended=True)


async def test_client_leaving_mid_session_frees_its_slot(emulator: Emulator) -> None:
    emulator.config.first_chunk_delay = 30.0
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await send_text(websocket, "s1", "等待。")
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_sessions(1, ended=True)
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)
    assert emulator.sessions[0].status_code == 55000001


async def test_start_session_event_number_in_payload_is_not_required(
    emulator: Emulator,
) -> None:
    payload = session_payload()
    del payload["event"], payload["namespace"]
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await websocket.send(client_frame(START_SESSION, payload, session_id="s1", gzipped=True))
        assert (await receive(websocket)).event == SESSION_STARTED


# --- pacing ----------------------------------------------------------------------------


async def test_first_chunk_delay_counts_from_the_first_sentence(emulator: Emulator) -> None:
    emulator.config.first_chunk_delay = 0.2
    loop = asyncio.get_running_loop()
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await send_text(websocket, "s1", "你好。")
        sent_at = loop.time()
        frames = await receive_until(websocket, {TTS_RESPONSE})
        first_audio_at = loop.time()
        await receive_until(websocket, {SENTENCE_END})
        await finish_session(websocket, "s1")
    assert events_of(frames) == [SENTENCE_START, TTS_RESPONSE]
    assert first_audio_at - sent_at >= 0.2 - 0.01  # asyncio timers may fire a tick early


async def test_real_time_factor_paces_frames_like_playback(emulator: Emulator) -> None:
    emulator.config.real_time_factor = 1.0
    emulator.config.chunk_bytes = 500
    text = "你好你好。"
    audio = render(text, SPEAKER)
    loop = asyncio.get_running_loop()
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await send_text(websocket, "s1", text)
        sent_at = loop.time()
        frames = await receive_until(websocket, {SENTENCE_END})
        last_at = loop.time()
        await finish_session(websocket, "s1")
    audio_frames = [frame for frame in frames if frame.event == TTS_RESPONSE]
    audio_before_last = len(audio) - len(audio_frames[-1].payload)
    assert len(audio_frames) > 1
    assert last_at - sent_at >= speech_duration(text) * audio_before_last / len(audio) - 0.01


async def test_stop_does_not_hang_on_a_stalled_session() -> None:
    emulator = Emulator()
    await emulator.start()
    emulator.config.chunk_bytes = 256
    emulator.faults.stall_after_frames = 1
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        await send_text(websocket, "s1", "你好。")
        assert (await receive_until(websocket, {TTS_RESPONSE}))[-1].event == TTS_RESPONSE
        async with asyncio.timeout(WAIT):
            await emulator.stop()
        with pytest.raises(ConnectionClosed):
            await receive(websocket)


@pytest.mark.parametrize(
    ("additions", "spoken"), [(None, "**你好**。"), ({"disable_markdown_filter": True}, "你好。")]
)
async def test_additions_switch_the_markdown_filter_on(
    emulator: Emulator, additions: dict[str, Any] | None, spoken: str
) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["**你好**。"], session_payload(additions=additions))
    assert audio_of(frames) == render(spoken, SPEAKER)
