"""``scripts/demo`` speaks through a real, throw-away Home Assistant into a valid MP3."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from emulator import render_audio

ROOT = Path(__file__).resolve().parents[2]
VOICE = "zh_male_wennuanahu_moon_bigtts"
TEXT = "你好，世界"


@pytest.mark.timeout(180)
async def test_demo_writes_a_valid_mp3_through_home_assistant(tmp_path: Path) -> None:
    output = tmp_path / "hello.mp3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOLCENGINE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "scripts" / "demo.py"),
        TEXT,
        "--voice",
        VOICE,
        "-o",
        str(output),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=150)
    assert process.returncode == 0, stderr.decode()
    report = stdout.decode()
    assert output.read_bytes() == render_audio(TEXT, VOICE)
    duration = MP3(str(output)).info.length
    assert duration > 0.5
    assert f"duration:           {duration:.2f} s" in report
    assert "service:            emulator" in report
    assert "integration added:  tts." in report
    assert "time to first byte" in report
    # Home Assistant was stopped: nothing listens on its port any more.
    home_assistant = re.search(r"home assistant:\s+http://127\.0\.0\.1:(\d+)", report)
    assert home_assistant is not None, report
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", int(home_assistant.group(1))))


@pytest.mark.timeout(180)
async def test_demo_listens_through_a_whole_assist_pipeline(tmp_path: Path) -> None:
    command = tmp_path / "command.wav"
    reply = tmp_path / "reply.mp3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOLCENGINE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "scripts" / "demo.py"),
        "--listen",
        str(command),
        "--command",
        "打开客厅的灯",
        "-o",
        str(reply),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=150)
    assert process.returncode == 0, stderr.decode()
    report = stdout.decode()
    assert "heard:              打开客厅的灯" in report
    assert "intent response:    action_done: " in report
    assert command.read_bytes().startswith(b"RIFF")
    assert MP3(str(reply)).info.length > 0.3
