"""Every documented rejection: an error frame after a successful handshake, then a clean close."""

import json
from contextlib import AsyncExitStack
from typing import Any

import pytest

from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator

from .raw_client import (
    ERROR,
    TEXT,
    assert_closed_normally,
    client_frame,
    open_v1,
    receive,
    request_json,
    synthesize,
)

GRANT_NOT_FOUND = "authenticate request: load grant: requested grant not found"
ACCESS_DENIED = "extract request resource id: get resource id: access denied"


async def _rejection(emulator: Emulator, frame: bytes | str, **connect: Any) -> tuple[int, str]:
    """Send one message; return the error frame's code and message after a normal close."""
    async with open_v1(emulator, **connect) as websocket:
        await websocket.send(frame)
        answer = await receive(websocket)
        await assert_closed_normally(websocket)
    assert answer.message_type == ERROR
    assert answer.code is not None
    return answer.code, answer.message


@pytest.mark.parametrize(
    "connect",
    [
        {"token": "wrong-token"},
        {"token": ""},
        {"authorization": f"Bearer {DEFAULT_TOKEN}"},
        {"authorization": DEFAULT_TOKEN},
    ],
)
async def test_bad_token_is_not_granted(emulator: Emulator, connect: dict[str, str]) -> None:
    frame = client_frame(request_json())
    assert await _rejection(emulator, frame, **connect) == (3001, GRANT_NOT_FOUND)


async def test_unknown_app_id_is_not_granted(emulator: Emulator) -> None:
    frame = client_frame(request_json(appid="someone-else"))
    assert await _rejection(emulator, frame) == (3001, GRANT_NOT_FOUND)


async def test_json_app_token_is_ignored(emulator: Emulator) -> None:
    payload = request_json()
    payload["app"]["token"] = "anything at all"
    assert (await synthesize(emulator, payload))[-1].is_last


async def test_token_of_another_account_is_not_granted(emulator: Emulator) -> None:
    emulator.config.accounts["other"] = Account("other", "other-token")
    frame = client_frame(request_json())
    assert await _rejection(emulator, frame, token="other-token") == (3001, GRANT_NOT_FOUND)


async def test_cluster_not_granted_is_denied_as_json(emulator: Emulator) -> None:
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json(cluster="volcano_mega", reqid="r-7")))
        answer = await receive(websocket)
    assert answer.code == 3001
    assert answer.raw[2] == 0x10  # JSON, uncompressed
    assert answer.json() == {
        "reqid": "r-7",
        "message": ACCESS_DENIED,
        "code": 403,
        "backend_code": 0,
    }


async def test_unknown_voice_does_not_exist(emulator: Emulator) -> None:
    frame = client_frame(request_json(voice="zh_female_vv_uranus_bigtts"))
    code, message = await _rejection(emulator, frame)
    assert code == 3050
    assert "voice_type not exist" in message


async def test_voice_not_granted_is_denied_as_json(emulator: Emulator) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, granted_voices=frozenset({"BV001_streaming"})
    )
    code, message = await _rejection(emulator, client_frame(request_json(reqid="r-8")))
    assert code == 3001
    assert json.loads(message)["message"] == ACCESS_DENIED
    assert json.loads(message)["reqid"] == "r-8"
    assert (await synthesize(emulator, request_json(voice="BV001_streaming")))[-1].is_last


async def test_cloned_voices_need_the_clone_cluster(emulator: Emulator) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, clusters=frozenset({"volcano_tts", "volcano_icl"})
    )
    cloned = request_json(voice="S_abc123", cluster="volcano_icl")
    assert (await synthesize(emulator, cloned))[-1].is_last
    code, _ = await _rejection(emulator, client_frame(request_json(voice="S_abc123")))
    assert code == 3050


async def test_text_over_1024_bytes_is_too_long(emulator: Emulator) -> None:
    code, message = await _rejection(emulator, client_frame(request_json("好" * 342)))
    assert code == 3010
    assert "1026 bytes" in message


async def test_text_of_exactly_1024_bytes_is_accepted(emulator: Emulator) -> None:
    text = "好" * 341 + "a"
    assert len(text.encode()) == 1024
    assert (await synthesize(emulator, request_json(text)))[-1].is_last


@pytest.mark.parametrize("text", ["", "   ", "。，！？", "...!!!", "\n\t"])
async def test_text_without_speech_is_illegal(emulator: Emulator, text: str) -> None:
    assert await _rejection(emulator, client_frame(request_json(text))) == (
        3011,
        "illegal input text!",
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda payload: payload["request"].pop("reqid"), "reqid"),
        (lambda payload: payload["request"].update(reqid=""), "reqid"),
        (lambda payload: payload["request"].update(operation="stream"), "operation"),
        (lambda payload: payload["request"].pop("operation"), "operation"),
        (lambda payload: payload["audio"].update(encoding="ogg_opus"), "unsupported encoding"),
        (lambda payload: payload["audio"].update(encoding="aac"), "encoding"),
        (lambda payload: payload["audio"].update(rate=11025), "rate"),
        (lambda payload: payload["audio"].update(rate="24000"), "rate"),
        (lambda payload: payload["audio"].update(speed_ratio=5), "speed_ratio"),
        (lambda payload: payload["audio"].update(bitrate=0), "bitrate"),
        (lambda payload: payload["audio"].pop("voice_type"), "voice_type"),
        (lambda payload: payload.update(audio="mp3"), "audio must be an object"),
    ],
)
async def test_invalid_fields_are_invalid_requests(
    emulator: Emulator, change: Any, reason: str
) -> None:
    payload = request_json()
    change(payload)
    code, message = await _rejection(emulator, client_frame(payload))
    assert code == 3001
    assert message.startswith("invalid request: ")
    assert reason in message


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x21\x10\x11\x00\x00\x00\x00\x02{}", "version"),
        (b"\x11\xb0\x10\x00\x00\x00\x00\x02{}", "not a full client request"),
        (b"\x11\x10\x10\x00\x00\x00\x00\x09{}", "does not match"),
        (b"\x11\x10\x11\x00\x00\x00\x00\x02{}", "gzip"),
        (b"\x11\x10\x10\x00\x00\x00\x00\x02{]", "JSON"),
        ("a text frame", "text frame"),
    ],
)
async def test_malformed_frames_are_invalid_requests(
    emulator: Emulator, frame: bytes | str, reason: str
) -> None:
    code, message = await _rejection(emulator, frame)
    assert code == 3001
    assert message.startswith("invalid request: ")
    assert reason in message
    assert emulator.requests == []


async def test_rejected_but_decodable_requests_are_recorded(emulator: Emulator) -> None:
    await _rejection(emulator, client_frame(request_json("")))
    assert [request.text for request in emulator.requests] == [""]


async def test_error_messages_are_gzipped_when_configured(emulator: Emulator) -> None:
    emulator.config.gzip_errors = True
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json("")))
        answer = await receive(websocket)
    assert answer.raw[:4] == b"\x11\xf0\x01\x00"
    assert answer.message == "illegal input text!"  # raw_client gunzipped it


async def test_more_than_max_concurrency_in_flight_exceeds_the_quota(emulator: Emulator) -> None:
    emulator.config.chunk_bytes = 256
    emulator.faults.stall_after_frames = 1  # keep requests in flight after their first frame
    async with AsyncExitStack() as stack:
        for _ in range(emulator.config.max_concurrency):
            websocket = await stack.enter_async_context(open_v1(emulator))
            await websocket.send(client_frame(request_json(TEXT)))
            assert (await receive(websocket)).sequence == 1
        third = await _rejection(emulator, client_frame(request_json(TEXT)))
    assert third == (3003, "quota exceeded for types: concurrency")


async def test_concurrency_is_counted_per_app_id(emulator: Emulator) -> None:
    emulator.config.max_concurrency = 1
    emulator.config.accounts["other"] = Account("other", "other-token")
    emulator.faults.stall_after_frames = 1
    emulator.config.chunk_bytes = 256
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        assert (await receive(websocket)).sequence == 1
        async with open_v1(emulator, token="other-token") as other:
            await other.send(client_frame(request_json(appid="other")))
            answer = await receive(other)
    assert answer.sequence == 1  # served (then stalled), not refused
