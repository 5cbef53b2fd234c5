"""A deliberately tiny v3 client for testing the emulator, written from the v3 byte tables.

It shares no code with the emulator's codec (nor with the integration's): a misreading
on either side shows up as a failing test instead of agreeing with itself.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import struct
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Emulator

BIDIRECTION = "/api/v3/tts/bidirection"
UNIDIRECTIONAL = "/api/v3/tts/unidirectional/stream"
SPEAKER = "zh_female_cancan_mars_bigtts"
SPEAKER_2_0 = "zh_female_vv_uranus_bigtts"
RESOURCE = "seed-tts-1.0"
WAIT = 5.0

# Events, from the documented event table.
START_CONNECTION, FINISH_CONNECTION = 1, 2
CONNECTION_STARTED, CONNECTION_FAILED, CONNECTION_FINISHED = 50, 51, 52
START_SESSION, CANCEL_SESSION, FINISH_SESSION = 100, 101, 102
SESSION_STARTED, SESSION_CANCELED, SESSION_FINISHED, SESSION_FAILED = 150, 151, 152, 153
TASK_REQUEST = 200
SENTENCE_START, SENTENCE_END, TTS_RESPONSE = 350, 351, 352
CONNECTION_EVENTS = {START_CONNECTION, FINISH_CONNECTION, 50, 51, 52}
SESSION_END_EVENTS = {SESSION_CANCELED, SESSION_FINISHED, SESSION_FAILED}

FULL_SERVER, AUDIO_ONLY, ERROR = 0b1001, 0b1011, 0b1111


def client_frame(
    event: int | None,
    payload: dict[str, Any] | bytes | None = None,
    *,
    session_id: str | None = None,
    gzipped: bool = False,
) -> bytes:
    """Build a full-client request: event and session id only when given."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload or {}).encode()
    if gzipped:
        raw = gzip.compress(raw)
    flags = 0b0100 if event is not None else 0
    out = bytes((0x11, 0x10 | flags, 0x10 | int(gzipped), 0x00))
    if event is not None:
        out += struct.pack(">i", event)
    if session_id is not None:
        out += struct.pack(">I", len(session_id.encode())) + session_id.encode()
    return out + struct.pack(">I", len(raw)) + raw


def session_payload(
    speaker: str = SPEAKER, *, additions: dict[str, Any] | None = None, **audio: Any
) -> dict[str, Any]:
    req_params: dict[str, Any] = {"speaker": speaker, "audio_params": {"format": "mp3", **audio}}
    if additions is not None:
        req_params["additions"] = json.dumps(additions)
    return {
        "user": {"uid": "emulator-test"},
        "event": START_SESSION,
        "namespace": "BidirectionalTTS",
        "req_params": req_params,
    }


def text_payload(text: str) -> dict[str, Any]:
    return {"event": TASK_REQUEST, "namespace": "BidirectionalTTS", "req_params": {"text": text}}


@dataclass(frozen=True)
class ServerFrame:
    raw: bytes
    message_type: int
    flags: int
    serialization: int
    compression: int
    event: int | None = None
    identifier: str | None = None
    """Connection id (events 50–52) or session id (all other events)."""
    code: int | None = None
    payload: bytes = b""

    def json(self) -> Any:
        return json.loads(self.payload)


def parse_server_frame(data: bytes) -> ServerFrame:
    assert data[0] == 0x11, f"unexpected version/header size byte {data[0]:#x}"
    assert data[3] == 0
    kind, flags = data[1] >> 4, data[1] & 0x0F
    fields: dict[str, Any] = {
        "raw": data,
        "message_type": kind,
        "flags": flags,
        "serialization": data[2] >> 4,
        "compression": data[2] & 0x0F,
    }
    offset = 4
    if kind == ERROR:
        assert flags == 0
        code, size = struct.unpack_from(">II", data, offset)
        fields |= {"code": code, "payload": data[offset + 8 :]}
        assert len(data) == offset + 8 + size
        return ServerFrame(**fields)
    assert kind in (FULL_SERVER, AUDIO_ONLY), f"unexpected message type {kind:#x}"
    assert flags == 0b0100, "every v3 server response carries an event"
    (event,) = struct.unpack_from(">i", data, offset)
    offset += 4
    (id_size,) = struct.unpack_from(">I", data, offset)
    offset += 4
    fields["identifier"] = data[offset : offset + id_size].decode()
    offset += id_size
    (size,) = struct.unpack_from(">I", data, offset)
    offset += 4
    assert len(data) == offset + size
    fields |= {"event": event, "payload": data[offset:]}
    return ServerFrame(**fields)


def v3_headers(
    *,
    app_id: str = DEFAULT_APP_ID,
    token: str = DEFAULT_TOKEN,
    resource_id: str = RESOURCE,
    app_header: str = "X-Api-App-Key",
    **extra: str,
) -> dict[str, str]:
    return {
        app_header: app_id,
        "X-Api-Access-Key": token,
        "X-Api-Resource-Id": resource_id,
        **extra,
    }


@asynccontextmanager
async def open_v3(
    emulator: Emulator,
    path: str = BIDIRECTION,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[ClientConnection]:
    async with connect(
        emulator.url + path,
        additional_headers=headers if headers is not None else v3_headers(),
        open_timeout=WAIT,
        close_timeout=WAIT,
        ping_interval=None,
        max_size=None,
        **kwargs,
    ) as websocket:
        yield websocket


async def receive(websocket: ClientConnection) -> ServerFrame:
    async with asyncio.timeout(WAIT):
        data = await websocket.recv()
    assert isinstance(data, bytes), f"expected a binary frame, got {data!r}"
    return parse_server_frame(data)


async def receive_until(websocket: ClientConnection, events: set[int]) -> list[ServerFrame]:
    """Collect frames up to one whose event is in ``events`` (or an error frame)."""
    frames = [await receive(websocket)]
    while frames[-1].event not in events and frames[-1].message_type != ERROR:
        frames.append(await receive(websocket))
    return frames


async def start_connection(websocket: ClientConnection) -> ServerFrame:
    await websocket.send(client_frame(START_CONNECTION))
    return await receive(websocket)


async def start_session(
    websocket: ClientConnection, session_id: str, payload: dict[str, Any] | None = None
) -> ServerFrame:
    body = payload if payload is not None else session_payload()
    await websocket.send(client_frame(START_SESSION, body, session_id=session_id))
    return await receive(websocket)


async def send_text(websocket: ClientConnection, session_id: str, text: str) -> None:
    await websocket.send(client_frame(TASK_REQUEST, text_payload(text), session_id=session_id))


async def finish_session(websocket: ClientConnection, session_id: str) -> list[ServerFrame]:
    await websocket.send(client_frame(FINISH_SESSION, session_id=session_id))
    return await receive_until(websocket, SESSION_END_EVENTS)


async def speak(
    websocket: ClientConnection,
    session_id: str,
    texts: Iterable[str],
    payload: dict[str, Any] | None = None,
) -> list[ServerFrame]:
    """Run one whole session on an open, started connection; return its frames after 150."""
    started = await start_session(websocket, session_id, payload)
    assert started.event == SESSION_STARTED, started
    for text in texts:
        await send_text(websocket, session_id, text)
    return await finish_session(websocket, session_id)


def audio_of(frames: Iterable[ServerFrame]) -> bytes:
    return b"".join(frame.payload for frame in frames if frame.event == TTS_RESPONSE)


def events_of(frames: Iterable[ServerFrame]) -> list[int | None]:
    return [frame.event for frame in frames]


def sentences_of(frames: Iterable[ServerFrame]) -> list[str]:
    return [frame.json()["res_params"]["text"] for frame in frames if frame.event == SENTENCE_START]
