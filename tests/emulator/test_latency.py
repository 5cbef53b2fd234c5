"""The latency proxy: every round trip costs ``rtt``, new connections one more, bytes intact."""

import asyncio
import hashlib

import pytest
from websockets.exceptions import ConnectionClosedError

from emulator import Emulator, LatencyProxy

from .v3_client import (
    SESSION_FINISHED,
    SESSION_STARTED,
    WAIT,
    finish_session,
    open_v3,
    receive_until,
    send_text,
    start_connection,
    start_session,
)

RTT = 0.04
TIMER_SLACK = 0.01  # asyncio timers may fire a tick early


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_bytes_arrive_intact_and_in_order() -> None:
    payload = b"".join(hashlib.sha256(str(n).encode()).digest() for n in range(100_000))
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, LatencyProxy("127.0.0.1", port, rtt=0.005) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)

        async def send_all() -> None:
            for offset in range(0, len(payload), 50_000):
                writer.write(payload[offset : offset + 50_000])
                await writer.drain()
            writer.write_eof()

        async with asyncio.timeout(WAIT * 4):
            _, echoed = await asyncio.gather(send_all(), reader.read())
        writer.close()
        assert proxy.connections == 1
    assert len(payload) > 3_000_000
    assert echoed == payload


async def test_a_fresh_connection_costs_three_round_trips_before_the_first_reply() -> None:
    async with Emulator(tls=True, rtt=RTT) as emulator:
        assert emulator.proxy is not None
        assert emulator.url == emulator.proxy.url_for("wss")
        loop = asyncio.get_running_loop()
        began = loop.time()
        async with open_v3(emulator, ssl=emulator.client_ssl_context()) as websocket:
            await start_connection(websocket)
            fresh = loop.time() - began
            began = loop.time()
            started = await start_session(websocket, "s1")
            reused = loop.time() - began
            await send_text(websocket, "s1", "你好。")
            frames = await finish_session(websocket, "s1")
        assert emulator.proxy.connections == 1
    assert started.event == SESSION_STARTED
    assert frames[-1].event == SESSION_FINISHED
    # TCP handshake + TLS 1.3 + HTTP upgrade, then the StartConnection round trip.
    assert fresh >= 3 * RTT - TIMER_SLACK
    assert reused >= RTT - TIMER_SLACK


async def test_a_drop_still_looks_abrupt_through_the_proxy() -> None:
    async with Emulator(rtt=0.005) as emulator:
        emulator.faults.drop_after_frames = 0
        async with open_v3(emulator) as websocket:
            await start_connection(websocket)
            await start_session(websocket, "s1")
            await send_text(websocket, "s1", "你好。")
            with pytest.raises(ConnectionClosedError) as caught:
                await receive_until(websocket, {SESSION_FINISHED})
    assert caught.value.rcvd is None


async def test_proxy_needs_to_run_for_a_port() -> None:
    proxy = LatencyProxy("127.0.0.1", 1, rtt=0.01)
    with pytest.raises(RuntimeError, match="not running"):
        _ = proxy.port
    await proxy.stop()  # harmless when idle
    with pytest.raises(ValueError, match="negative"):
        LatencyProxy("127.0.0.1", 1, rtt=-1)
    with pytest.raises(ValueError, match="negative"):
        Emulator(rtt=-1)


async def test_emulator_without_rtt_has_no_proxy(emulator: Emulator) -> None:
    assert emulator.proxy is None
    assert emulator.rtt == 0
