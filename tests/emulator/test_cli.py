"""``python -m emulator``: prints its URL first, serves, and stops cleanly on SIGTERM."""

import asyncio
import re
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .raw_client import WAIT
from .v3_client import BIDIRECTION, receive, start_connection, v3_headers

REPO_ROOT = Path(__file__).resolve().parents[2]


async def _first_lines(*args: str, count: int) -> tuple[list[str], int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        *args,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(WAIT):
            lines = [(await process.stdout.readline()).decode() for _ in range(count)]
    finally:
        process.terminate()
        async with asyncio.timeout(WAIT):
            await process.communicate()
    assert process.returncode is not None
    return lines, process.returncode


async def test_cli_prints_the_url_then_the_demo_credentials() -> None:
    lines, returncode = await _first_lines("--port", "0", count=7)
    assert re.search(r"ws://127\.0\.0\.1:\d+$", lines[0].strip())
    assert lines[1].split()[1] == lines[0].strip().split()[-1]  # the bare base URL
    assert "/api/v1/tts/ws_binary" in lines[6]
    assert "emulator-api-key" in lines[5]
    assert "emulator-app" in lines[2]
    assert "emulator-token" in lines[3]
    assert "volcano_tts" in lines[4]
    assert returncode == 0  # SIGTERM is a clean shutdown


async def test_cli_serves_tls_on_request() -> None:
    lines, _ = await _first_lines("--port", "0", "--tls", count=7)
    assert re.search(r"wss://127\.0\.0\.1:\d+$", lines[0].strip())
    assert "CA file:" in lines[6]


async def test_cli_serves_through_a_latency_proxy_on_request() -> None:
    lines, returncode = await _first_lines("--port", "0", "--rtt", "0.04", count=10)
    assert re.search(r"ws://127\.0\.0\.1:\d+$", lines[0].strip())
    assert lines[7].strip().endswith(lines[0].strip().split()[-1] + "/api/v3/tts/bidirection")
    assert "/api/v3/tts/unidirectional/stream" in lines[8]
    assert "0.04" in lines[9]
    assert returncode == 0


async def test_cli_closes_idle_connections_on_request() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        *("--port", "0", "--idle-timeout", "0.05"),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(WAIT):
            url = (await process.stdout.readline()).decode().split()[-1]
            async with connect(url + BIDIRECTION, additional_headers=v3_headers()) as websocket:
                await start_connection(websocket)
                with pytest.raises(ConnectionClosed):
                    await receive(websocket)
                assert websocket.close_code == 1001
    finally:
        process.terminate()
        async with asyncio.timeout(WAIT):
            await process.communicate()
