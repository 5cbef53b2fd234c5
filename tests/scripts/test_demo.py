"""``scripts/demo`` speaks through the client against the emulator into a valid MP3."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from mutagen.mp3 import MP3

ROOT = Path(__file__).resolve().parents[2]


async def test_demo_writes_a_valid_mp3(tmp_path: Path) -> None:
    output = tmp_path / "hello.mp3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOLCENGINE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "scripts" / "demo.py"),
        "你好，世界",
        "--voice",
        "BV001_streaming",
        "-o",
        str(output),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    report = stdout.decode()
    duration = MP3(str(output)).info.length
    assert duration > 0.5
    assert f"duration:           {duration:.2f} s" in report
    assert "service:            emulator" in report
    assert "time to first byte" in report
