"""The emulator serving v1 requests that succeed: frames, options, handshake, TLS, pacing."""

import asyncio
import io
import json
import ssl
import struct
from pathlib import Path
from typing import Any

import pytest
from mutagen.mp3 import MP3
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, speech_duration
from emulator import render_audio as render
from emulator.tls import write_certificates

from .raw_client import (
    AUDIO,
    FRONTEND,
    TEXT,
    VOICE,
    audio_of,
    client_frame,
    exchange,
    open_v1,
    receive,
    request_json,
    synthesize,
)


async def test_submit_streams_sequenced_frames_then_a_negative_last(emulator: Emulator) -> None:
    emulator.config.chunk_bytes = 1000
    frames = await synthesize(emulator, request_json())
    expected = render(TEXT, VOICE)
    assert [frame.sequence for frame in frames] == [*range(1, len(frames)), -len(frames)]
    assert [frame.flags for frame in frames] == [1] * (len(frames) - 1) + [3]
    assert all(frame.raw[2:4] == b"\x00\x00" for frame in frames)
    assert all(len(frame.payload) == 1000 for frame in frames[:-1])
    assert audio_of(frames) == expected
    assert MP3(io.BytesIO(audio_of(frames))).info.length > 0


async def test_uncompressed_request_is_served_and_recorded(emulator: Emulator) -> None:
    async with open_v1(emulator) as websocket:
        frames = await exchange(websocket, client_frame(request_json(), gzipped=False))
    assert audio_of(frames) == render(TEXT, VOICE)
    assert not emulator.requests[0].compressed


async def test_request_is_recorded_as_received(emulator: Emulator) -> None:
    payload = request_json("你好", reqid="r-1")
    await synthesize(emulator, payload)
    [received] = emulator.requests
    assert received.payload == payload
    assert (received.app_id, received.token) == (DEFAULT_APP_ID, DEFAULT_TOKEN)
    assert (received.operation, received.voice, received.text) == ("submit", VOICE, "你好")
    assert received.compressed
    assert received.headers["Authorization"] == f"Bearer; {DEFAULT_TOKEN}"


async def test_token_without_space_after_bearer_is_accepted(emulator: Emulator) -> None:
    frames = await synthesize(emulator, request_json(), authorization=f"Bearer;{DEFAULT_TOKEN}")
    assert frames[-1].is_last


async def test_query_answers_with_exactly_one_final_frame(emulator: Emulator) -> None:
    emulator.config.send_ack = True  # a query gets neither ACK nor frontend frame
    emulator.config.send_frontend = True
    emulator.config.chunk_bytes = 100
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json(operation="query")))
        [frame] = [await receive(websocket)]
        assert frame.is_last
        assert frame.sequence == -1
    assert frame.payload == render(TEXT, VOICE)


async def test_ack_precedes_submit_audio_when_enabled(emulator: Emulator) -> None:
    emulator.config.send_ack = True
    frames = await synthesize(emulator, request_json())
    assert frames[0].raw == b"\x11\xb0\x00\x00"
    assert frames[1].sequence == 1


async def test_no_sequence_last_frame_layout(emulator: Emulator) -> None:
    emulator.config.last_frame_layout = "no_sequence"
    emulator.config.chunk_bytes = 1000
    frames = await synthesize(emulator, request_json())
    last = frames[-1]
    assert last.raw[:4] == b"\x11\xb2\x00\x00"
    assert struct.unpack(">I", last.raw[4:8])[0] == len(last.raw) - 8
    assert last.sequence is None
    assert audio_of(frames) == render(TEXT, VOICE)


async def test_frontend_frame_precedes_audio_when_enabled(emulator: Emulator) -> None:
    emulator.config.send_frontend = True
    frames = await synthesize(emulator, request_json("你好。", reqid="r-9"))
    assert frames[0].message_type == FRONTEND
    assert frames[0].raw[:4] == b"\x11\xc0\x10\x00"
    assert frames[0].json() == {"reqid": "r-9", "phonemes": "你 好"}
    assert frames[1].message_type == AUDIO


@pytest.mark.parametrize(
    ("audio", "expected"),
    [
        ({"encoding": "pcm", "rate": 16000}, {"encoding": "pcm", "sample_rate": 16000}),
        ({"encoding": "wav", "rate": 8000}, {"encoding": "wav", "sample_rate": 8000}),
        ({"speed_ratio": 1.5, "bitrate": 64}, {"speed_ratio": 1.5, "bitrate_kbps": 64}),
        ({"rate": 48000}, {"sample_rate": 48000}),
    ],
)
async def test_audio_options_reach_the_renderer(
    emulator: Emulator, audio: dict[str, Any], expected: dict[str, Any]
) -> None:
    frames = await synthesize(emulator, request_json(**audio))
    assert audio_of(frames) == render(TEXT, VOICE, **expected)


async def test_encoding_defaults_to_pcm(emulator: Emulator) -> None:
    payload = request_json()
    del payload["audio"]["encoding"]
    frames = await synthesize(emulator, payload)
    assert audio_of(frames) == render(TEXT, VOICE, encoding="pcm")


async def test_header_extension_words_are_skipped(emulator: Emulator) -> None:
    body = json.dumps(request_json()).encode()
    frame = b"\x12\x10\x10\x00\x00\x00\x00\x00" + struct.pack(">I", len(body)) + body
    async with open_v1(emulator) as websocket:
        frames = await exchange(websocket, frame)
    assert frames[-1].is_last


async def test_one_connection_carries_sequential_requests(emulator: Emulator) -> None:
    texts = ["第一句。", "第二句话。", "Third one."]
    async with open_v1(emulator) as websocket:
        answers = [await exchange(websocket, client_frame(request_json(text))) for text in texts]
    assert [audio_of(frames) for frames in answers] == [render(text, VOICE) for text in texts]
    assert emulator.connections == 1
    assert [request.text for request in emulator.requests] == texts


async def test_handshake_carries_a_fresh_logid(emulator: Emulator) -> None:
    logids = []
    for _ in range(2):
        async with open_v1(emulator) as websocket:
            assert websocket.response is not None
            logids.append(websocket.response.headers["X-Tt-Logid"])
    assert all(len(logid) > 14 and logid[:8].isdigit() for logid in logids)
    assert logids[0] != logids[1]
    assert emulator.connections == 2


async def test_other_paths_are_not_found(emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with open_v1(emulator, path="/api/v1/tts"):
            pass
    assert caught.value.response.status_code == 404
    assert emulator.connections == 0


async def test_base_url_has_no_path(emulator: Emulator) -> None:
    assert emulator.url.startswith("ws://127.0.0.1:")
    assert emulator.url.count("/") == 2
    assert emulator.ca_file is None


async def test_tls_emulator_serves_wss_trusted_through_its_ca(tls_emulator: Emulator) -> None:
    assert tls_emulator.url.startswith("wss://127.0.0.1:")
    assert tls_emulator.ca_file is not None
    context = tls_emulator.client_ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    frames = await synthesize(tls_emulator, request_json(), ssl=context)
    assert audio_of(frames) == render(TEXT, VOICE)


async def test_tls_emulator_is_not_trusted_without_its_ca(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    # Trust another throw-away CA, so the outcome never depends on the system store.
    untrusting = ssl.create_default_context(cafile=write_certificates(tmp_path).ca_file)
    with pytest.raises(ssl.SSLCertVerificationError):
        async with connect(tls_emulator.url + "/api/v1/tts/ws_binary", ssl=untrusting):
            pass


async def test_plain_emulator_has_no_client_ssl_context(emulator: Emulator) -> None:
    with pytest.raises(RuntimeError, match="tls=True"):
        emulator.client_ssl_context()


async def test_url_needs_a_running_emulator() -> None:
    idle = Emulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = idle.url
    await idle.stop()  # stopping an idle emulator is harmless


async def test_emulator_restarts_after_stop() -> None:
    emulator = Emulator()
    for _ in range(2):
        async with emulator:
            frames = await synthesize(emulator, request_json("好"))
            assert frames[-1].is_last


async def test_start_twice_is_refused(emulator: Emulator) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        await emulator.start()


async def test_first_chunk_delay_holds_back_the_audio(emulator: Emulator) -> None:
    emulator.config.send_ack = True
    emulator.config.first_chunk_delay = 0.2
    loop = asyncio.get_running_loop()
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        sent_at = loop.time()
        ack = await receive(websocket)
        first_audio = await receive(websocket)
        first_audio_at = loop.time()
        while not (await receive(websocket)).is_last:
            pass  # read the rest: an unread backlog would stall the closing handshake
    assert ack.is_ack
    assert first_audio.sequence == 1
    assert first_audio_at - sent_at >= 0.2 - 0.01  # asyncio timers may fire a tick early


async def test_real_time_factor_paces_frames_like_playback(emulator: Emulator) -> None:
    emulator.config.real_time_factor = 1.0
    emulator.config.chunk_bytes = 500
    text = "你好你好"
    audio = render(text, VOICE)
    loop = asyncio.get_running_loop()
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json(text)))
        sent_at = loop.time()
        frames = [await receive(websocket)]
        while not frames[-1].is_last:
            frames.append(await receive(websocket))
        last_at = loop.time()
    audio_before_last = len(audio) - len(frames[-1].payload)
    assert len(frames) > 1
    assert last_at - sent_at >= speech_duration(text) * audio_before_last / len(audio) - 0.01


async def test_extra_param_switches_the_markdown_filter_on(emulator: Emulator) -> None:
    payload = request_json("**你好**")
    frames = await synthesize(emulator, payload)
    assert audio_of(frames) == render("**你好**", VOICE)  # read as 星星你好星星
    payload["request"]["extra_param"] = json.dumps({"disable_markdown_filter": True})
    frames = await synthesize(
        emulator, payload | {"request": {**payload["request"], "reqid": "r2"}}
    )
    assert audio_of(frames) == render("你好", VOICE)


@pytest.mark.parametrize("extra_param", ['{"disable_markdown_filter": false}', "not json", "[]"])
async def test_extra_param_without_the_switch_reads_markdown(
    emulator: Emulator, extra_param: str
) -> None:
    payload = request_json("**你好**")
    payload["request"]["extra_param"] = extra_param
    assert audio_of(await synthesize(emulator, payload)) == render("**你好**", VOICE)
