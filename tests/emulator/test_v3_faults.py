"""Injected failures on the v3 endpoints: the same ``Faults`` knobs as v1."""

import asyncio

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.protocol import State

from emulator import Emulator

from .v3_client import (
    ERROR,
    SESSION_FINISHED,
    TTS_RESPONSE,
    WAIT,
    audio_of,
    open_v3,
    receive,
    send_text,
    speak,
    start_connection,
    start_session,
)

TEXT = "今天天气不错。我们去公园散步吧！"


@pytest.fixture(autouse=True)
def small_chunks(emulator: Emulator) -> None:
    """Make every session span several audio frames, so 'after N frames' faults trigger."""
    emulator.config.chunk_bytes = 512


async def _begin(websocket: ClientConnection) -> None:
    await start_connection(websocket)
    await start_session(websocket, "s1")
    await send_text(websocket, "s1", TEXT)


async def _audio_frames(websocket: ClientConnection, count: int) -> None:
    received = 0
    while received < count:
        if (await receive(websocket)).event == TTS_RESPONSE:
            received += 1


@pytest.mark.parametrize("frames", [0, 3])
async def test_drop_aborts_after_audio_frames(emulator: Emulator, frames: int) -> None:
    emulator.faults.drop_after_frames = frames
    async with open_v3(emulator) as websocket:
        await _begin(websocket)
        await _audio_frames(websocket, frames)
        with pytest.raises(ConnectionClosedError) as caught:
            await _audio_frames(websocket, 1)
    assert caught.value.rcvd is None  # no close frame: the TCP connection was cut


async def test_stall_keeps_the_connection_open_and_silent(emulator: Emulator) -> None:
    emulator.faults.stall_after_frames = 2
    async with open_v3(emulator) as websocket:
        await _begin(websocket)
        await _audio_frames(websocket, 2)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await websocket.recv()
        async with asyncio.timeout(WAIT):
            await (await websocket.ping())
        assert websocket.state is State.OPEN


async def test_malformed_frame_then_close(emulator: Emulator) -> None:
    emulator.faults.malformed_after_frames = 1
    async with open_v3(emulator) as websocket:
        await _begin(websocket)
        await _audio_frames(websocket, 1)
        while True:
            async with asyncio.timeout(WAIT):
                data = await websocket.recv()
            if len(data) < 4:
                break
        assert data == b"\x11\xb4"
        with pytest.raises(ConnectionClosed):
            await websocket.recv()


async def test_text_frame_instead_of_audio(emulator: Emulator) -> None:
    emulator.faults.text_frame = '{"error": "emulated"}'
    async with open_v3(emulator) as websocket:
        await _begin(websocket)
        async with asyncio.timeout(WAIT):
            assert await websocket.recv() == '{"error": "emulated"}'
        with pytest.raises(ConnectionClosed):
            await websocket.recv()


@pytest.mark.parametrize("code", [45000000, 55000000, 3003])
async def test_error_code_replaces_the_next_sessions_audio(emulator: Emulator, code: int) -> None:
    emulator.faults.error_code = code
    emulator.faults.error_message = "emulated failure"
    async with open_v3(emulator) as websocket:
        await _begin(websocket)
        error = await receive(websocket)
        with pytest.raises(ConnectionClosed):
            await receive(websocket)
    assert (error.message_type, error.code) == (ERROR, code)
    assert error.json() == {"status_code": code, "message": "emulated failure"}
    assert emulator.faults.error_count == 0
    assert emulator.sessions[0].status_code == code
    async with open_v3(emulator) as websocket:  # the fault is used up
        await start_connection(websocket)
        frames = await speak(websocket, "s2", ["好。"])
    assert frames[-1].event == SESSION_FINISHED
    assert audio_of(frames)
