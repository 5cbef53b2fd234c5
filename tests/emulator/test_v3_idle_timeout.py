"""The service's idle timeout: a v3 connection left idle is closed, one synthesising is not."""

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from emulator import DEFAULT_APP_ID, Emulator, EmulatorConfig
from emulator import render_audio as render

from .v3_client import (
    CONNECTION_STARTED,
    SESSION_FINISHED,
    SESSION_STARTED,
    SPEAKER,
    WAIT,
    audio_of,
    events_of,
    open_v3,
    receive,
    speak,
    start_connection,
    start_session,
)

IDLE_TIMEOUT = 0.05


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(idle_timeout=IDLE_TIMEOUT)


async def test_an_idle_connection_is_closed_going_away(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        assert (await start_connection(websocket)).event == CONNECTION_STARTED
        with pytest.raises(ConnectionClosed):
            await receive(websocket)
        assert websocket.close_code == 1001
    assert emulator.open_connections(DEFAULT_APP_ID) == 0


async def test_a_session_begun_but_never_given_text_is_closed_too(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        assert (await start_session(websocket, "ahead-of-need")).event == SESSION_STARTED
        with pytest.raises(ConnectionClosed):
            await receive(websocket)
    async with asyncio.timeout(WAIT):
        await emulator.wait_for_sessions(1, ended=True)
    assert emulator.sessions[0].texts == []  # nothing was spoken, so nothing billed


async def test_synthesis_longer_than_the_idle_timeout_keeps_its_connection(
    emulator: Emulator,
) -> None:
    emulator.config.first_chunk_delay = IDLE_TIMEOUT * 4
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        frames = await speak(websocket, "s1", ["慢慢说。"])
        assert events_of(frames)[-1] == SESSION_FINISHED
        assert audio_of(frames) == render("慢慢说。", SPEAKER)
        # Idle again once the session has ended: closed after its own timeout.
        with pytest.raises(ConnectionClosed):
            await receive(websocket)


async def test_a_connection_closed_as_idle_frees_its_slot_before_the_client_hears(
    emulator: Emulator,
) -> None:
    emulator.config.max_concurrency = 1
    async with open_v3(emulator) as first:
        await start_connection(first)
        with pytest.raises(ConnectionClosed):
            await receive(first)
        async with open_v3(emulator) as second:
            assert (await start_connection(second)).event == CONNECTION_STARTED
