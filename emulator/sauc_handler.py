"""Serving ``/api/v3/sauc/bigmodel[_async|_nostream]``: streaming speech recognition.

One connection is one session: a full client request (JSON: audio format, options), then
audio packets, the last one marked; the server answers with the whole transcript so far
and, after the last packet and its finalisation delay, with the final result (flags bit 1),
then closes with 1000 "finish last sequence". The endpoints differ in when they answer:
``bigmodel`` after every packet, ``bigmodel_async`` only when the text changed,
``bigmodel_nostream`` with empty text until the end.

What it hears: the emulator's own speech is read back as the text it was synthesised
from (``speech_marks``); any other audio as ``EmulatorConfig.transcript``.
"""

import asyncio
import logging
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .config import ReceivedRecognition
from .errors import CONCURRENCY_QUOTA_EXCEEDED
from .framing import ProtocolError
from .sauc_framing import (
    ClientPacket,
    PacketKind,
    decode_client_packet,
    encode_error,
    encode_response,
)
from .speech_marks import MarkReader
from .state import Handshake, ServiceState
from .v3_request import V3Identity

SAUC_ENDPOINTS: Final[Mapping[str, str]] = {
    "/api/v3/sauc/bigmodel": "bigmodel",
    "/api/v3/sauc/bigmodel_async": "bigmodel_async",
    "/api/v3/sauc/bigmodel_nostream": "bigmodel_nostream",
}
OK: Final = 20000000
CLIENT_ERROR: Final = 45000000
"""Sequence mismatches, and (assumed: the documentation names no code) too many sessions."""
SEQUENCE_MISMATCH: Final = CLIENT_ERROR
INVALID_PARAMS: Final = 45000001
EMPTY_AUDIO: Final = 45000002
PACKET_TIMEOUT: Final = 45000081
INVALID_AUDIO_FORMAT: Final = 45000151
FORMATS: Final = frozenset({"pcm", "wav"})
SAMPLE_RATE: Final = 16000
SAMPLE_BYTES: Final = 2
_MS_PER_SECOND: Final = 1000
_WAV_HEADER_BYTES: Final = 44
_FINISHED: Final = "finish last sequence"
TRUNCATED_RESPONSE: Final = b"\x11\x91"
"""A response cut off after its second header byte, for the malformed-frame fault."""

_LOGGER = logging.getLogger(__name__)


class RecognitionError(Exception):
    """A failure the service reports in an error frame before closing."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class _Stop(Exception):  # noqa: N818 - control flow, not an error
    """A fault cut in (drop, stall, malformed frame): say nothing more."""


def _without_punctuation(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char)[0] != "P")


def _check_audio(audio: object) -> str:
    """Validate ``audio``; return its format. Only what the service takes, s16le 16 kHz mono."""
    if not isinstance(audio, dict):
        raise RecognitionError(INVALID_PARAMS, "audio is required")
    audio_format = audio.get("format")
    if audio_format not in FORMATS:
        raise RecognitionError(
            INVALID_AUDIO_FORMAT,
            "[Invalid audio format] OperatorWrapper Process failed: "
            f"unsupported format {audio_format}",
        )
    for key, allowed in (("rate", SAMPLE_RATE), ("bits", 16), ("channel", 1)):
        if audio.get(key, allowed) != allowed:
            raise RecognitionError(
                INVALID_AUDIO_FORMAT, f"[Invalid audio format] unsupported {key} {audio[key]}"
            )
    return str(audio_format)


class _Recognition:
    """One session: request, packets, answers, final result."""

    def __init__(
        self,
        connection: ServerConnection,
        state: ServiceState,
        handshake: Handshake,
        record: ReceivedRecognition,
    ) -> None:
        self._connection = connection
        self._state = state
        self._logid = handshake.logid
        self._record = record
        self._frames_sent = 0
        self._reader = MarkReader()
        self._audio_bytes = 0
        self._numbered = False
        self._punctuation = True
        self._show_utterances = False

    async def run(self) -> None:
        try:
            await self._serve()
        except RecognitionError as error:
            _LOGGER.info("recognition (logid %s): %s", self._logid, error)
            self._record.status_code = error.code
            await self._connection.send(encode_error(error.code, error.message))
            await self._connection.close()
        except _Stop:
            return

    async def _serve(self) -> None:
        await self._request()
        await self._send_result("", sequence=1)
        expected = 2
        wav_header_pending = self._record.request["audio"]["format"] == "wav"
        last_text = ""
        while True:
            packet = await self._next_packet()
            if packet.kind is not PacketKind.AUDIO:
                raise RecognitionError(INVALID_PARAMS, "duplicate full client request (重复请求)")
            self._check_sequence(packet, expected)
            audio = packet.payload
            if wav_header_pending:
                audio, wav_header_pending = audio[_WAV_HEADER_BYTES:], False
            self._hear(packet, audio)
            if packet.last:
                break
            text = self._partial_text()
            if self._record.endpoint != "bigmodel_async" or text != last_text:
                await self._send_result(text, sequence=expected)
            last_text = text
            expected += 1
        await self._finish(expected)

    async def _request(self) -> None:
        packet = await self._next_packet()
        if packet.kind is not PacketKind.FULL_REQUEST:
            raise RecognitionError(INVALID_PARAMS, "the first frame must be a full client request")
        self._numbered = packet.sequence is not None
        self._record.numbered = self._numbered
        if self._numbered and packet.sequence != 1:
            raise RecognitionError(
                SEQUENCE_MISMATCH,
                f"autoAssignedSequence (1) mismatch sequence in request ({packet.sequence})",
            )
        payload = packet.json()
        self._record.request = payload
        self._state.recognition_changed_now()
        _check_audio(payload.get("audio"))
        request = payload.get("request")
        if not isinstance(request, dict) or request.get("model_name") != "bigmodel":
            raise RecognitionError(INVALID_PARAMS, "request.model_name must be bigmodel")
        self._punctuation = request.get("enable_punc", True) is not False
        self._show_utterances = request.get("show_utterances") is True
        faults = self._state.faults
        if faults.error_code is not None and faults.error_count > 0:
            faults.error_count -= 1
            raise RecognitionError(faults.error_code, faults.error_message)

    async def _next_packet(self) -> ClientPacket:
        timeout = self._state.config.packet_timeout
        try:
            async with asyncio.timeout(timeout):
                message = await self._connection.recv()
        except TimeoutError as err:
            raise RecognitionError(
                PACKET_TIMEOUT,
                f"[Timeout waiting next packet] waiting next packet timeout: {timeout:f} "
                "seconds, session has ended",
            ) from err
        if isinstance(message, str):
            raise RecognitionError(INVALID_PARAMS, "expected a binary frame, got a text frame")
        try:
            return decode_client_packet(message)
        except ProtocolError as err:
            raise RecognitionError(INVALID_PARAMS, f"decode ws request failed: {err}") from err

    def _check_sequence(self, packet: ClientPacket, expected: int) -> None:
        """Numbered clients must count on from 2 and negate the last; a mixed last is fine."""
        if packet.sequence is None:
            if self._numbered and not packet.last:
                raise RecognitionError(
                    SEQUENCE_MISMATCH,
                    f"autoAssignedSequence ({expected}) mismatch sequence in request (0)",
                )
            return
        wanted = -expected if packet.last else expected
        if packet.sequence != wanted:
            raise RecognitionError(
                SEQUENCE_MISMATCH,
                f"autoAssignedSequence ({wanted}) mismatch sequence in request ({packet.sequence})",
            )

    def _hear(self, packet: ClientPacket, audio: bytes) -> None:
        self._reader.feed(audio)
        self._audio_bytes += len(audio)
        self._record.packets += 1
        self._record.packet_sizes.append(len(audio))
        self._record.compressed_audio = packet.compressed
        self._state.recognition_changed_now()

    def _partial_text(self) -> str:
        if self._record.endpoint == "bigmodel_nostream":
            return ""
        return self._shaped(self._reader.text)

    def _final_text(self) -> str:
        heard = self._reader.text if self._reader.found else self._state.config.transcript
        return self._shaped(heard).strip()

    def _shaped(self, text: str) -> str:
        return text if self._punctuation else _without_punctuation(text)

    def _duration_ms(self) -> int:
        return self._audio_bytes * _MS_PER_SECOND // (SAMPLE_RATE * SAMPLE_BYTES)

    async def _finish(self, sequence: int) -> None:
        if self._audio_bytes == 0 and not self._state.config.transcript:
            raise RecognitionError(EMPTY_AUDIO, "empty audio")
        delay = self._state.config.recognition_final_delay
        if delay > 0 and not await self._state.pause(delay):
            raise _Stop
        text = self._final_text()
        final_sequence = -sequence if self._state.config.final_sequence_negative else sequence
        await self._send_result(text, sequence=final_sequence, last=True)
        self._record.text = text
        self._record.status_code = OK
        self._state.recognition_changed_now()
        await self._connection.close(1000, _FINISHED)

    async def _send_result(self, text: str, *, sequence: int, last: bool = False) -> None:
        result: dict[str, Any] = {"additions": {"log_id": self._logid}, "text": text}
        duration = self._duration_ms()
        if self._show_utterances and text:
            result["utterances"] = [
                {"text": text, "start_time": 0, "end_time": duration, "definite": last}
            ]
        payload = {"audio_info": {"duration": duration}, "result": result}
        await self._send(
            encode_response(
                payload,
                sequence=sequence if self._numbered else None,
                last=last,
                gzipped=self._state.config.gzip_recognition_responses,
            )
        )

    async def _send(self, frame: bytes) -> None:
        """Send one response, unless a fault cuts in first."""
        faults = self._state.faults
        if faults.drop_after_frames == self._frames_sent:
            self._connection.transport.abort()
            raise _Stop
        if faults.stall_after_frames == self._frames_sent:
            await self._state.hold(self._connection)
            raise _Stop
        if faults.malformed_after_frames == self._frames_sent:
            await self._connection.send(TRUNCATED_RESPONSE)
            await self._connection.close()
            raise _Stop
        await self._connection.send(frame)
        self._frames_sent += 1


async def serve_recognition(
    connection: ServerConnection, state: ServiceState, handshake: Handshake
) -> None:
    """Serve one recognition session; refuse it when the app id's sessions are all busy."""
    identity = V3Identity.from_headers(handshake.headers, state.config)
    record = ReceivedRecognition(
        app_id=identity.app_id,
        resource_id=identity.resource_id,
        endpoint=SAUC_ENDPOINTS[handshake.path],
    )
    state.record_recognition(record)
    if identity.key_rejected:  # as for synthesis: the upgrade succeeds, the first answer refuses
        refusal = identity.key_refusal()
        record.status_code = refusal.code
        await connection.send(encode_error(refusal.code, refusal.message))
        await connection.close()
        return
    try:
        if state.recognizing[identity.app_id] >= state.config.max_concurrency:
            record.status_code = CLIENT_ERROR
            await connection.send(encode_error(CLIENT_ERROR, CONCURRENCY_QUOTA_EXCEEDED))
            await connection.close()
            return
        state.recognizing[identity.app_id] += 1
        try:
            await _Recognition(connection, state, handshake, record).run()
        finally:
            state.recognizing[identity.app_id] -= 1
    except ConnectionClosed:  # the client left mid-session: nobody is left to tell
        _LOGGER.debug("logid %s: client disconnected", handshake.logid)
    finally:
        state.recognition_changed_now()
