"""Serving ``/api/v1/tts/ws_binary`` connections: binary requests in, audio frames out.

One connection carries requests one after another. Any error frame ends the
connection, as the real service does; faults from ``Faults`` interrupt the audio.
"""

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, Final

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .audio import Sound, render_audio, sound_of, speech_duration
from .config import EmulatorConfig, Faults, LastFrameLayout
from .errors import ServiceError, invalid_request
from .framing import (
    TRUNCATED_AUDIO_FRAME,
    ProtocolError,
    decode_client_request,
    encode_ack,
    encode_audio,
    encode_error,
    encode_frontend,
    encode_last_audio,
)
from .ssml import render_ssml, ssml_duration
from .state import Handshake, ServiceState
from .v1_request import Operation, SynthesisJob, record, validate

V1_PATH: Final = "/api/v1/tts/ws_binary"

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One encoded audio frame and how many audio bytes precede it (for pacing)."""

    data: bytes
    offset: int


class _Interruption(Enum):
    DROP = auto()
    STALL = auto()
    MALFORMED = auto()


def plan_frames(
    audio: bytes, operation: Operation, chunk_bytes: int, layout: LastFrameLayout
) -> list[AudioFrame]:
    """Split audio into frames: ``query`` gets one final frame, ``submit`` a stream.

    The demo's query reads exactly one message, so a query's audio must not be split.
    """
    if operation == "query":
        return [AudioFrame(encode_last_audio(1, audio, layout), 0)]
    chunk = max(1, chunk_bytes)
    offsets = range(0, max(len(audio), 1), chunk)
    frames = []
    for sequence, offset in enumerate(offsets, start=1):
        piece = audio[offset : offset + chunk]
        if sequence == len(offsets):
            frames.append(AudioFrame(encode_last_audio(sequence, piece, layout), offset))
        else:
            frames.append(AudioFrame(encode_audio(sequence, piece), offset))
    return frames


def _interruption(faults: Faults, frames_sent: int) -> _Interruption | None:
    if faults.drop_after_frames == frames_sent:
        return _Interruption.DROP
    if faults.stall_after_frames == frames_sent:
        return _Interruption.STALL
    if faults.malformed_after_frames == frames_sent:
        return _Interruption.MALFORMED
    return None


async def _interrupt(
    connection: ServerConnection, state: ServiceState, interruption: _Interruption
) -> None:
    match interruption:
        case _Interruption.DROP:
            connection.transport.abort()
        case _Interruption.STALL:
            await state.hold(connection)
        case _Interruption.MALFORMED:
            await connection.send(TRUNCATED_AUDIO_FRAME)


def _frontend_payload(job: SynthesisJob) -> dict[str, Any]:
    spoken = (char for char in job.text if sound_of(char) is Sound.SYLLABLE)
    return {"reqid": job.reqid, "phonemes": " ".join(spoken)}


async def _send_preamble(
    connection: ServerConnection, config: EmulatorConfig, job: SynthesisJob
) -> None:
    """Send the optional ACK and frontend frames of a submit.

    A query is answered with exactly one message (the demo reads just one): no extras.
    """
    if job.operation != "submit":
        return
    if config.send_ack:
        await connection.send(encode_ack())
    if config.send_frontend:
        await connection.send(encode_frontend(_frontend_payload(job)))


async def _send_frames(
    connection: ServerConnection, state: ServiceState, job: SynthesisJob, audio: bytes
) -> bool:
    """Send audio frames paced by the config; return False if a fault or shutdown cut in.

    Frame k leaves at ``first_chunk_delay + real_time_factor * (audio time before k)``.
    """
    config = state.config
    frames = plan_frames(audio, job.operation, config.chunk_bytes, config.last_frame_layout)
    duration = (
        ssml_duration(job.ssml, speed_ratio=job.speed_ratio)
        if job.ssml is not None
        else speech_duration(
            job.text, speed_ratio=job.speed_ratio, markdown_filter=job.markdown_filter
        )
    )
    seconds_per_byte = duration / max(len(audio), 1)
    first_frame_at = asyncio.get_running_loop().time() + config.first_chunk_delay
    for frames_sent, frame in enumerate(frames):
        audio_time_before = seconds_per_byte * frame.offset
        if not await state.pause_until(
            first_frame_at + config.real_time_factor * audio_time_before
        ):
            return False
        if (interruption := _interruption(state.faults, frames_sent)) is not None:
            await _interrupt(connection, state, interruption)
            return False
        await connection.send(frame.data)
    return True


async def _stream(connection: ServerConnection, state: ServiceState, job: SynthesisJob) -> bool:
    """Send a job's audio; return whether the connection may carry another request."""
    audio = _render(job)
    await _send_preamble(connection, state.config, job)
    return await _send_frames(connection, state, job, audio)


def _render(job: SynthesisJob) -> bytes:
    """Render the job's text, or its SSML document's text and breaks."""
    if job.ssml is not None:
        return render_ssml(
            job.ssml,
            job.voice,
            encoding=job.encoding,
            sample_rate=job.sample_rate,
            speed_ratio=job.speed_ratio,
            bitrate_kbps=job.bitrate_kbps,
        )
    return render_audio(
        job.text,
        job.voice,
        encoding=job.encoding,
        sample_rate=job.sample_rate,
        speed_ratio=job.speed_ratio,
        bitrate_kbps=job.bitrate_kbps,
        markdown_filter=job.markdown_filter,
    )


async def _respond(connection: ServerConnection, state: ServiceState, job: SynthesisJob) -> bool:
    """Answer a valid job, unless a fault says to answer it otherwise."""
    faults = state.faults
    if faults.text_frame is not None:
        await connection.send(faults.text_frame)
        return False
    if faults.error_code is not None and faults.error_count > 0:
        faults.error_count -= 1
        raise ServiceError(faults.error_code, faults.error_message)
    return await _stream(connection, state, job)


def _accept(state: ServiceState, handshake: Handshake, message: str | bytes) -> SynthesisJob:
    """Decode, record and validate one client message."""
    if isinstance(message, str):
        raise invalid_request("expected a binary frame, got a text frame")
    try:
        request = decode_client_request(message)
    except ProtocolError as err:
        raise invalid_request(str(err)) from err
    state.record_request(record(request, handshake.headers, handshake.token))
    return validate(request.payload, handshake.token, state.config)


async def _answer(
    connection: ServerConnection, state: ServiceState, handshake: Handshake, message: str | bytes
) -> bool:
    """Answer one message; return whether the connection stays open for another."""
    try:
        job = _accept(state, handshake, message)
        _LOGGER.debug("logid %s: %s %s", handshake.logid, job.operation, job.reqid)
        with state.concurrency_slot(job.app_id):
            return await _respond(connection, state, job)
    except ServiceError as error:  # every rejection is reported in-band, then we close
        _LOGGER.info("logid %s: answering with error %s", handshake.logid, error)
        await connection.send(
            encode_error(
                error.code,
                error.message,
                json_body=error.json_body,
                gzipped=state.config.gzip_errors,
            )
        )
        return False


async def serve_v1(connection: ServerConnection, state: ServiceState, handshake: Handshake) -> None:
    """Serve requests on one v1 connection until an error, a fault or the client ends it."""
    try:
        async for message in connection:
            if not await _answer(connection, state, handshake, message):
                return
    except ConnectionClosed:  # the client left mid-request: nobody is left to tell
        _LOGGER.debug("logid %s: client disconnected", handshake.logid)
