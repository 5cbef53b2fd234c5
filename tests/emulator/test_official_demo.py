"""Volcengine's official v1 demo client, run unchanged but for its target, against the emulator.

This is the emulator's strongest check: a client we did not write must accept its frames.
"""

import asyncio
import io
import os
import sys
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator, render_audio

DEMO = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "reference"
    / "volcengine_v1_ws_binary_demo.py"
)
DEMO_TEXT = "字节跳动语音合成。"
DEMO_VOICE = "zh_female_wanwanxiaohe_moon_bigtts"
RUN_TIMEOUT = 30.0

# The demo calls asyncio.get_event_loop() at module level, which needs a current loop on
# new Pythons; set one, then run the copy as a script.
LAUNCHER = (
    "import asyncio, runpy, sys; "
    "asyncio.set_event_loop(asyncio.new_event_loop()); "
    "runpy.run_path(sys.argv[1], run_name='__main__')"
)


def _replace(source: str, old: str, new: str, count: int) -> str:
    assert source.count(old) == count, f"expected {count}x {old!r} in the demo"
    return source.replace(old, new)


def _retarget(source: str, port: int) -> str:
    """Change only the host, the credentials and the renamed websockets keyword."""
    source = _replace(source, 'host = "openspeech.bytedance.com"', f'host = "127.0.0.1:{port}"', 1)
    source = _replace(source, 'appid = "YOUR_APPID"', f'appid = "{DEFAULT_APP_ID}"', 1)
    source = _replace(source, 'token = "YOUR_ACCESS_TOKEN"', f'token = "{DEFAULT_TOKEN}"', 1)
    return _replace(source, "extra_headers=header", "additional_headers=header", 2)


@pytest.fixture
def demo_source() -> str:
    if not DEMO.is_file():
        pytest.skip(
            f"official demo client not found at {DEMO}: "
            "../shared/reference is only present on the project's own machines"
        )
    return DEMO.read_text(encoding="utf-8")


async def _run(script: Path, cwd: Path, ca_file: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LAUNCHER,
        str(script),
        cwd=cwd,
        env={**os.environ, "SSL_CERT_FILE": ca_file},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(RUN_TIMEOUT):
            output, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def test_official_demo_submit_and_query(
    tls_emulator: Emulator, demo_source: str, tmp_path: Path
) -> None:
    port = int(tls_emulator.url.rsplit(":", 1)[1])
    script = tmp_path / "demo.py"
    script.write_text(_retarget(demo_source, port), encoding="utf-8")
    assert tls_emulator.ca_file is not None

    returncode, output = await _run(script, tmp_path, tls_emulator.ca_file)

    assert returncode == 0, output
    expected = MP3(io.BytesIO(render_audio(DEMO_TEXT, DEMO_VOICE))).info.length
    for name in ("test_submit.mp3", "test_query.mp3"):
        saved = (tmp_path / name).read_bytes()
        assert saved == render_audio(DEMO_TEXT, DEMO_VOICE), name
        length = MP3(tmp_path / name).info.length
        assert length == expected
        assert length > 0
    assert [request.operation for request in tls_emulator.requests] == ["submit", "query"]
    assert all(request.compressed for request in tls_emulator.requests)
    assert {request.voice for request in tls_emulator.requests} == {DEMO_VOICE}
