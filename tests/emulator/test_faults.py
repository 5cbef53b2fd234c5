"""Injected failures: each fault knob, and shutting down with a stalled connection."""

import asyncio
import json

import pytest
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.protocol import State

from emulator import Emulator, Faults

from .raw_client import (
    ERROR,
    WAIT,
    assert_closed_normally,
    client_frame,
    open_v1,
    receive,
    request_json,
    synthesize,
)


@pytest.fixture(autouse=True)
def small_chunks(emulator: Emulator) -> None:
    """Make every request span several frames, so 'after N frames' faults can trigger."""
    emulator.config.chunk_bytes = 512


@pytest.mark.parametrize("frames", [0, 1, 3])
async def test_drop_aborts_without_a_close_frame(emulator: Emulator, frames: int) -> None:
    emulator.config.send_ack = True
    emulator.faults.drop_after_frames = frames
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        assert (await receive(websocket)).is_ack  # the ACK is not an audio frame
        received = [await receive(websocket) for _ in range(frames)]
        with pytest.raises(ConnectionClosedError) as caught:
            await receive(websocket)
    assert [frame.sequence for frame in received] == list(range(1, frames + 1))
    assert caught.value.rcvd is None  # no close frame: the TCP connection was cut


async def test_drop_applies_to_query_too(emulator: Emulator) -> None:
    emulator.faults.drop_after_frames = 0
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json(operation="query")))
        with pytest.raises(ConnectionClosedError):
            await receive(websocket)


async def test_stall_keeps_the_connection_open_and_silent(emulator: Emulator) -> None:
    emulator.faults.stall_after_frames = 2
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        assert [(await receive(websocket)).sequence for _ in range(2)] == [1, 2]
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await websocket.recv()
        async with asyncio.timeout(WAIT):
            await (await websocket.ping())  # the server still answers pings
        assert websocket.state is State.OPEN


async def test_stop_does_not_hang_on_a_stalled_connection() -> None:
    emulator = Emulator()
    await emulator.start()
    emulator.faults.stall_after_frames = 1
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        await receive(websocket)
        async with asyncio.timeout(WAIT):
            await emulator.stop()
        with pytest.raises(ConnectionClosedOK):
            await websocket.recv()


async def test_stop_does_not_hang_during_a_first_chunk_delay() -> None:
    emulator = Emulator()
    await emulator.start()
    emulator.config.first_chunk_delay = 60
    emulator.config.send_ack = True
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        assert (await receive(websocket)).is_ack
        async with asyncio.timeout(WAIT):
            await emulator.stop()


async def test_malformed_frame_replaces_the_next_audio_frame(emulator: Emulator) -> None:
    emulator.faults.malformed_after_frames = 1
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        assert (await receive(websocket)).sequence == 1
        async with asyncio.timeout(WAIT):
            garbage = await websocket.recv()
        await assert_closed_normally(websocket)
    assert garbage == b"\x11\xb1"


async def test_error_fault_answers_the_next_requests_then_turns_off(emulator: Emulator) -> None:
    emulator.faults.error_code = 3031
    emulator.faults.error_message = "backend error"
    emulator.faults.error_count = 2
    answers = [await synthesize(emulator, request_json()) for _ in range(3)]
    assert [(frames[0].code, frames[0].message) for frames in answers[:2]] == [
        (3031, "backend error"),
        (3031, "backend error"),
    ]
    assert all(frames[0].message_type == ERROR for frames in answers[:2])
    assert answers[2][-1].is_last
    assert emulator.faults.error_count == 0


async def test_error_fault_closes_the_connection(emulator: Emulator) -> None:
    emulator.faults.error_code = 3005
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        assert (await receive(websocket)).code == 3005
        await assert_closed_normally(websocket)


@pytest.mark.parametrize("status", [401, 403, 500, 503])
async def test_handshake_rejection(emulator: Emulator, status: int) -> None:
    emulator.faults.handshake_status = status
    with pytest.raises(InvalidStatus) as caught:
        async with open_v1(emulator):
            pass
    response = caught.value.response
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert "message" in json.loads(response.body)
    assert emulator.connections == 0


async def test_handshake_delay(emulator: Emulator) -> None:
    emulator.faults.handshake_delay = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with open_v1(emulator):
        opened = loop.time()
    assert opened - started >= 0.2 - 0.01


async def test_text_frame_replaces_the_audio(emulator: Emulator) -> None:
    emulator.faults.text_frame = '{"code": 55000000, "message": "server error"}'
    async with open_v1(emulator) as websocket:
        await websocket.send(client_frame(request_json()))
        async with asyncio.timeout(WAIT):
            message = await websocket.recv()
        await assert_closed_normally(websocket)
    assert message == '{"code": 55000000, "message": "server error"}'


async def test_faults_can_be_replaced_wholesale(emulator: Emulator) -> None:
    emulator.faults = Faults(error_code=3030)
    assert (await synthesize(emulator, request_json()))[0].code == 3030
    emulator.faults = Faults()
    assert (await synthesize(emulator, request_json()))[-1].is_last


async def test_fault_beyond_the_last_frame_never_triggers(emulator: Emulator) -> None:
    emulator.faults.drop_after_frames = 10_000
    assert (await synthesize(emulator, request_json()))[-1].is_last
