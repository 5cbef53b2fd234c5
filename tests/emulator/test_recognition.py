"""The emulator's recognition endpoints, driven by hand-built bytes from the protocol notes.

Nothing here uses the integration's codec: the frames are written out from the byte
vectors of the notes, so the emulator is checked against the documentation, not against
our client.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import struct
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, EmulatorConfig, Faults
from emulator.audio import render_audio

ASYNC_PATH = "/api/v3/sauc/bigmodel_async"
RESOURCE = "volc.bigasr.sauc.duration"
COMMAND = "打开客厅的灯"
WAIT = 5.0
REQUEST = {
    "user": {"uid": "test"},
    "audio": {"format": "pcm", "codec": "raw", "rate": 16000, "bits": 16, "channel": 1},
    "request": {"model_name": "bigmodel", "enable_punc": True},
}


def headers(token: str = DEFAULT_TOKEN, resource: str = RESOURCE) -> dict[str, str]:
    return {
        "X-Api-App-Key": DEFAULT_APP_ID,
        "X-Api-Access-Key": token,
        "X-Api-Resource-Id": resource,
        "X-Api-Connect-Id": "connect-1",
    }


def numbered(kind_flags: bytes, sequence: int, payload: bytes) -> bytes:
    return kind_flags + struct.pack(">iI", sequence, len(payload)) + payload


def unnumbered(kind_flags: bytes, payload: bytes) -> bytes:
    return kind_flags + struct.pack(">I", len(payload)) + payload


def full_request(request: dict[str, Any] = REQUEST, *, sequence: int | None = 1) -> bytes:
    body = gzip.compress(json.dumps(request).encode())
    if sequence is None:
        return unnumbered(bytes.fromhex("11101100"), body)
    return numbered(bytes.fromhex("11111100"), sequence, body)


def audio_packets(audio: bytes, *, size: int = 6400) -> list[bytes]:
    """Numbered gzip packets 2, 3, ... and the last one negated (`11 21 01 00`, `11 23 01 00`)."""
    pieces = [audio[start : start + size] for start in range(0, len(audio), size)] or [b""]
    frames = [
        numbered(bytes.fromhex("11210100"), index + 2, gzip.compress(piece))
        for index, piece in enumerate(pieces[:-1])
    ]
    last = numbered(bytes.fromhex("11230100"), -(len(pieces) + 1), gzip.compress(pieces[-1]))
    return [*frames, last]


def speech(text: str = COMMAND) -> bytes:
    return render_audio(text, "zh_female_cancan_mars_bigtts", encoding="pcm", sample_rate=16000)


def parse(frame: bytes) -> tuple[int, int, int | None, Any]:
    """Return (message type, flags, sequence, JSON) of a server frame."""
    message_type, flags = frame[1] >> 4, frame[1] & 0x0F
    if message_type == 0xF:
        code, size = struct.unpack_from(">II", frame, 4)
        return message_type, flags, code, json.loads(frame[12 : 12 + size])
    offset, sequence = 4, None
    if flags & 1:
        (sequence,) = struct.unpack_from(">i", frame, 4)
        offset = 8
    (size,) = struct.unpack_from(">I", frame, offset)
    body = frame[offset + 4 : offset + 4 + size]
    if frame[2] & 0x0F:
        body = gzip.decompress(body)
    return message_type, flags, sequence, json.loads(body)


async def open_session(emulator: Emulator, path: str = ASYNC_PATH) -> ClientConnection:
    return await connect(emulator.url + path, additional_headers=headers())


async def receive_all(connection: ClientConnection) -> list[tuple[int, int, int | None, Any]]:
    frames = []
    async with asyncio.timeout(WAIT):
        async for message in connection:
            assert isinstance(message, bytes)
            frames.append(parse(message))
    return frames


async def recognise(
    emulator: Emulator, frames: list[bytes], path: str = ASYNC_PATH
) -> list[tuple[int, int, int | None, Any]]:
    async with await open_session(emulator, path) as connection:
        for frame in frames:
            try:
                await connection.send(frame)
            except ConnectionClosed:  # refused before the request arrived: read why
                break
        return await receive_all(connection)


async def test_own_speech_is_read_back_as_its_text(emulator: Emulator) -> None:
    answers = await recognise(emulator, [full_request(), *audio_packets(speech())])
    message_type, flags, _, final = answers[-1]
    assert (message_type, flags) == (0b1001, 0b0011)
    assert final["result"]["text"] == COMMAND
    assert final["audio_info"]["duration"] == 900


async def test_the_request_is_acknowledged_with_sequence_1_and_the_log_id(
    emulator: Emulator,
) -> None:
    answers = await recognise(emulator, [full_request(), *audio_packets(speech())])
    assert answers[0][:3] == (0b1001, 0b0001, 1)
    assert answers[0][3]["result"]["text"] == ""
    assert answers[0][3]["result"]["additions"]["log_id"]
    assert answers[0][3]["audio_info"] == {"duration": 0}


async def test_the_final_result_keeps_a_positive_sequence(emulator: Emulator) -> None:
    packets = audio_packets(speech())
    answers = await recognise(emulator, [full_request(), *packets])
    assert answers[-1][2] == len(packets) + 1


async def test_async_answers_only_when_the_text_changes(emulator: Emulator) -> None:
    answers = await recognise(emulator, [full_request(), *audio_packets(speech())])
    texts = [answer[3]["result"]["text"] for answer in answers[1:-1]]
    assert len(texts) == len(set(texts))


async def test_bigmodel_answers_every_packet(emulator: Emulator) -> None:
    packets = audio_packets(speech() + bytes(32000))
    answers = await recognise(emulator, [full_request(), *packets], "/api/v3/sauc/bigmodel")
    assert len(answers) == 1 + len(packets)


async def test_nostream_has_text_only_at_the_end(emulator: Emulator) -> None:
    answers = await recognise(
        emulator, [full_request(), *audio_packets(speech())], "/api/v3/sauc/bigmodel_nostream"
    )
    assert {answer[3]["result"]["text"] for answer in answers[:-1]} == {""}
    assert answers[-1][3]["result"]["text"] == COMMAND


async def test_unnumbered_frames_are_accepted(emulator: Emulator) -> None:
    audio = speech()
    frames = [
        full_request(sequence=None),
        unnumbered(bytes.fromhex("11201100"), gzip.compress(audio[:6400])),
        unnumbered(bytes.fromhex("11221100"), gzip.compress(audio[6400:])),
    ]
    answers = await recognise(emulator, frames)
    assert answers[0][:3] == (0b1001, 0b0000, None)
    assert answers[-1][:3] == (0b1001, 0b0010, None)
    assert answers[-1][3]["result"]["text"] == COMMAND
    assert emulator.recognitions[0].numbered is False


async def test_a_skipped_number_is_a_sequence_mismatch(emulator: Emulator) -> None:
    frames = [full_request(), numbered(bytes.fromhex("11210100"), 3, gzip.compress(b"\0\0"))]
    answers = await recognise(emulator, frames)
    assert answers[-1][:3] == (0b1111, 0, 45000000)
    assert answers[-1][3] == {"error": "autoAssignedSequence (2) mismatch sequence in request (3)"}


async def test_a_positive_last_packet_is_a_sequence_mismatch(emulator: Emulator) -> None:
    frames = [full_request(), numbered(bytes.fromhex("11230100"), 2, gzip.compress(b""))]
    answers = await recognise(emulator, frames)
    assert answers[-1][2] == 45000000
    assert "(-2) mismatch sequence in request (2)" in answers[-1][3]["error"]


async def test_size_zero_with_gzip_is_refused(emulator: Emulator) -> None:
    frames = [full_request(), numbered(bytes.fromhex("11230100"), -2, b"")]
    answers = await recognise(emulator, frames)
    assert answers[-1][2] == 45000001
    assert "ungzip payload: EOF" in answers[-1][3]["error"]


async def test_an_uncompressed_empty_last_packet_ends_the_session(emulator: Emulator) -> None:
    emulator.config.transcript = "你好"
    frames = [full_request(), numbered(bytes.fromhex("11230000"), -2, b"")]
    answers = await recognise(emulator, frames)
    assert answers[-1][3]["result"]["text"] == "你好"


async def test_wav_declared_audio_skips_its_header(emulator: Emulator) -> None:
    request = {**REQUEST, "audio": {**REQUEST["audio"], "format": "wav"}}
    wav = render_audio(COMMAND, "v", encoding="wav", sample_rate=16000)
    answers = await recognise(emulator, [full_request(request), *audio_packets(wav)])
    assert answers[-1][3]["result"]["text"] == COMMAND


@pytest.mark.parametrize(
    ("audio", "fragment"),
    [({"format": "raw"}, "unsupported format raw"), ({"format": "pcm", "rate": 8000}, "rate")],
)
async def test_unsupported_audio_is_an_audio_format_error(
    emulator: Emulator, audio: dict[str, Any], fragment: str
) -> None:
    answers = await recognise(emulator, [full_request({**REQUEST, "audio": audio})])
    assert answers[-1][2] == 45000151
    assert fragment in answers[-1][3]["error"]


async def test_a_second_full_request_is_refused(emulator: Emulator) -> None:
    answers = await recognise(emulator, [full_request(), full_request(sequence=2)])
    assert answers[-1][2] == 45000001


async def test_missing_model_name_is_invalid(emulator: Emulator) -> None:
    answers = await recognise(emulator, [full_request({**REQUEST, "request": {}})])
    assert answers[-1][2] == 45000001


async def test_audio_before_the_request_is_invalid(emulator: Emulator) -> None:
    answers = await recognise(emulator, audio_packets(speech())[:1])
    assert answers[-1][2] == 45000001


async def test_a_text_frame_is_invalid(emulator: Emulator) -> None:
    async with await open_session(emulator) as connection:
        await connection.send("hello")
        answers = await receive_all(connection)
    assert answers[-1][2] == 45000001


async def test_garbage_is_invalid(emulator: Emulator) -> None:
    answers = await recognise(emulator, [b"\x11\x11"])
    assert answers[-1][2] == 45000001


async def test_the_server_closes_with_finish_last_sequence(emulator: Emulator) -> None:
    async with await open_session(emulator) as connection:
        for frame in [full_request(), *audio_packets(speech())]:
            await connection.send(frame)
        await receive_all(connection)
        assert connection.close_code == 1000
        assert connection.close_reason == "finish last sequence"


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(packet_timeout=0.05)])
async def test_waiting_too_long_for_a_packet_ends_the_session(emulator: Emulator) -> None:
    async with await open_session(emulator) as connection:
        await connection.send(full_request())
        answers = await receive_all(connection)
    assert answers[-1][2] == 45000081
    assert "[Timeout waiting next packet]" in answers[-1][3]["error"]


async def test_punctuation_off_strips_it(emulator: Emulator) -> None:
    request = {**REQUEST, "request": {"model_name": "bigmodel", "enable_punc": False}}
    answers = await recognise(emulator, [full_request(request), *audio_packets(speech("好，的。"))])
    assert answers[-1][3]["result"]["text"] == "好的"


async def test_utterances_are_shown_when_asked(emulator: Emulator) -> None:
    request = {**REQUEST, "request": {"model_name": "bigmodel", "show_utterances": True}}
    answers = await recognise(emulator, [full_request(request), *audio_packets(speech())])
    (utterance,) = answers[-1][3]["result"]["utterances"]
    assert utterance["definite"] is True
    assert utterance["text"] == COMMAND


async def test_the_request_is_recorded_for_tests(emulator: Emulator) -> None:
    await recognise(emulator, [full_request(), *audio_packets(speech())])
    await emulator.wait_for_recognitions(1, ended=True)
    (record,) = emulator.recognitions
    assert record.request == REQUEST
    assert record.resource_id == RESOURCE
    assert record.app_id == DEFAULT_APP_ID
    assert record.text == COMMAND


async def test_wrong_keys_are_refused_at_the_handshake(emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as caught:
        await connect(emulator.url + ASYNC_PATH, additional_headers=headers(token="nope"))
    assert caught.value.response.status_code == 401


async def test_a_tts_resource_id_is_refused_at_the_handshake(emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as caught:
        await connect(
            emulator.url + ASYNC_PATH, additional_headers=headers(resource="seed-tts-1.0")
        )
    assert caught.value.response.status_code == 400


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            accounts={
                DEFAULT_APP_ID: Account(
                    DEFAULT_APP_ID, DEFAULT_TOKEN, resources=frozenset({"seed-tts-1.0"})
                )
            }
        )
    ],
)
async def test_an_account_without_recognition_is_refused_with_403(emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as caught:
        await connect(emulator.url + ASYNC_PATH, additional_headers=headers())
    assert caught.value.response.status_code == 403
    assert b"requested resource not granted" in caught.value.response.body


async def test_sessions_beyond_the_concurrency_are_refused(emulator: Emulator) -> None:
    emulator.config.max_concurrency = 1
    async with await open_session(emulator) as first:
        await first.send(full_request())
        await emulator.wait_for_recognitions(1)
        answers = await recognise(emulator, [full_request()])
        assert answers[-1][2] == 45000000
        assert "quota exceeded for types: concurrency" in answers[-1][3]["error"]


async def test_error_code_fault_answers_the_request_with_it(emulator: Emulator) -> None:
    emulator.faults = Faults(error_code=55000031, error_message="busy", error_count=1)
    answers = await recognise(emulator, [full_request()])
    assert answers[-1][:3] == (0b1111, 0, 55000031)
    assert emulator.faults.error_count == 0


async def test_drop_fault_aborts_without_a_close_frame(emulator: Emulator) -> None:
    emulator.faults = Faults(drop_after_frames=1)
    async with await open_session(emulator) as connection:
        for frame in [full_request(), *audio_packets(speech())]:
            await connection.send(frame)
        await connection.recv()  # the acknowledgement
        async with asyncio.timeout(WAIT):
            await connection.wait_closed()
        assert connection.close_code == 1006


async def test_stall_fault_goes_silent_but_stays_open(emulator: Emulator) -> None:
    emulator.faults = Faults(stall_after_frames=1)
    async with await open_session(emulator) as connection:
        for frame in [full_request(), *audio_packets(speech())]:
            await connection.send(frame)
        await connection.recv()  # the acknowledgement
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await connection.recv()
        assert connection.state.name == "OPEN"


async def test_final_delay_holds_the_final_result(emulator: Emulator) -> None:
    emulator.config.recognition_final_delay = 0.05
    loop = asyncio.get_running_loop()
    async with await open_session(emulator) as connection:
        for frame in [full_request(), *audio_packets(speech())]:
            await connection.send(frame)
        sent = loop.time()
        await receive_all(connection)
        assert loop.time() - sent >= 0.05
