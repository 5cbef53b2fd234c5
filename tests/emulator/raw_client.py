"""A deliberately tiny v1 client for testing the emulator, written from the protocol tables.

It shares no code with the emulator's codec (nor with the integration's), so a
misreading on either side shows up as a failing test instead of agreeing with itself.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import struct
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator

V1_PATH = "/api/v1/tts/ws_binary"
VOICE = "zh_female_cancan_mars_bigtts"
TEXT = "今天天气不错，我们去公园散步吧。"
GZIP_JSON_HEADER = b"\x11\x10\x11\x00"
PLAIN_JSON_HEADER = b"\x11\x10\x10\x00"
WAIT = 5.0

AUDIO, FRONTEND, ERROR = 0xB, 0xC, 0xF


def request_json(
    text: str = TEXT,
    *,
    voice: str = VOICE,
    operation: str = "submit",
    appid: str = DEFAULT_APP_ID,
    cluster: str = "volcano_tts",
    reqid: str | None = None,
    **audio: Any,
) -> dict[str, Any]:
    return {
        "app": {"appid": appid, "token": "access_token", "cluster": cluster},
        "user": {"uid": "emulator-test"},
        "audio": {"voice_type": voice, "encoding": "mp3", **audio},
        "request": {
            "reqid": reqid if reqid is not None else str(uuid.uuid4()),
            "text": text,
            "text_type": "plain",
            "operation": operation,
        },
    }


def client_frame(payload: dict[str, Any] | bytes, *, gzipped: bool = True) -> bytes:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if gzipped:
        raw = gzip.compress(raw)
    header = GZIP_JSON_HEADER if gzipped else PLAIN_JSON_HEADER
    return header + struct.pack(">I", len(raw)) + raw


@dataclass(frozen=True)
class ServerFrame:
    raw: bytes
    message_type: int
    flags: int
    serialization: int
    compression: int
    sequence: int | None = None
    code: int | None = None
    payload: bytes = b""

    @property
    def is_ack(self) -> bool:
        return self.message_type == AUDIO and self.flags == 0

    @property
    def is_last(self) -> bool:
        return self.message_type == AUDIO and self.flags in (2, 3)

    @property
    def message(self) -> str:
        return self.payload.decode()

    def json(self) -> Any:
        return json.loads(self.payload)


def parse_server_frame(data: bytes) -> ServerFrame:
    assert data[0] == 0x11, f"unexpected version/header size byte {data[0]:#x}"
    kind, flags = data[1] >> 4, data[1] & 0x0F
    fields: dict[str, Any] = {
        "raw": data,
        "message_type": kind,
        "flags": flags,
        "serialization": data[2] >> 4,
        "compression": data[2] & 0x0F,
    }
    body = data[4:]
    if kind == AUDIO and flags == 0:
        assert body == b"", "an ACK carries nothing"
    elif kind == AUDIO and flags in (1, 3):
        sequence, size = struct.unpack(">iI", body[:8])
        assert len(body) == 8 + size
        fields |= {"sequence": sequence, "payload": body[8:]}
    elif kind in (AUDIO, FRONTEND):
        (size,) = struct.unpack(">I", body[:4])
        assert len(body) == 4 + size
        fields["payload"] = body[4:]
    elif kind == ERROR:
        code, size = struct.unpack(">II", body[:8])
        assert len(body) == 8 + size
        message = body[8:]
        fields |= {"code": code, "payload": gzip.decompress(message) if data[2] & 1 else message}
    else:
        raise AssertionError(f"unexpected message type {kind:#x}")
    return ServerFrame(**fields)


@asynccontextmanager
async def open_v1(
    emulator: Emulator,
    *,
    token: str = DEFAULT_TOKEN,
    authorization: str | None = None,
    path: str = V1_PATH,
    **kwargs: Any,
) -> AsyncIterator[ClientConnection]:
    headers = {"Authorization": authorization if authorization is not None else f"Bearer; {token}"}
    async with connect(
        emulator.url + path,
        additional_headers=headers,
        open_timeout=WAIT,
        close_timeout=WAIT,
        ping_interval=None,
        **kwargs,
    ) as websocket:
        yield websocket


async def receive(websocket: ClientConnection) -> ServerFrame:
    async with asyncio.timeout(WAIT):
        data = await websocket.recv()
    assert isinstance(data, bytes), f"expected a binary frame, got {data!r}"
    return parse_server_frame(data)


async def exchange(websocket: ClientConnection, frame: bytes) -> list[ServerFrame]:
    """Send one request and collect frames up to the last audio frame or an error."""
    await websocket.send(frame)
    frames = [await receive(websocket)]
    while not (frames[-1].is_last or frames[-1].message_type == ERROR):
        frames.append(await receive(websocket))
    return frames


async def synthesize(
    emulator: Emulator, payload: dict[str, Any], **kwargs: Any
) -> list[ServerFrame]:
    async with open_v1(emulator, **kwargs) as websocket:
        return await exchange(websocket, client_frame(payload))


def audio_of(frames: Iterable[ServerFrame]) -> bytes:
    return b"".join(frame.payload for frame in frames if frame.message_type == AUDIO)


async def assert_closed_normally(websocket: ClientConnection) -> None:
    async with asyncio.timeout(WAIT):
        await websocket.wait_closed()
    assert websocket.close_code == 1000
