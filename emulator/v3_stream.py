"""Sending one v3 session's sentences: TTSSentenceStart, TTSResponse audio, TTSSentenceEnd.

Shared by the bidirectional and the unidirectional endpoint, which differ in how text
arrives but not in how its audio leaves. Pacing and injected faults live here so both
endpoints behave alike.
"""

import asyncio
import logging
from enum import Enum, auto

from websockets.asyncio.server import ServerConnection

from .audio import render_audio, speech_duration
from .errors import V3Error
from .state import ServiceState
from .v3_framing import (
    TRUNCATED_AUDIO_FRAME,
    Event,
    encode_audio,
    encode_error,
    encode_session_event,
)
from .v3_request import SessionParams

_LOGGER = logging.getLogger(__name__)


class Outcome(Enum):
    """What a sentence's sending left behind."""

    SENT = auto()
    """Sent completely; the session may continue."""
    FAILED = auto()
    """An injected error frame replaced the audio; the connection must close."""
    INTERRUPTED = auto()
    """A drop, stall, malformed frame, text frame or shutdown cut in; stop, say nothing."""


class SentenceStreamer:
    """Streams the sentences of one session, keeping its pacing and fault counters.

    The first audio frame leaves ``first_chunk_delay`` after the first sentence became
    available (not after StartSession); every later frame at
    ``first frame + real_time_factor * (audio time before it)``, or at once when the
    text arrived later than that.
    """

    def __init__(
        self,
        connection: ServerConnection,
        state: ServiceState,
        session_id: str,
        params: SessionParams,
    ) -> None:
        self._connection = connection
        self._state = state
        self._session_id = session_id
        self._params = params
        self._first_frame_at: float | None = None
        self._audio_seconds_sent = 0.0
        self._frames_sent = 0
        self.failure: V3Error | None = None
        """The injected error that ended the session, if any."""

    async def send(self, sentence: str, rendered: tuple[bytes, float] | None = None) -> Outcome:
        """Send one sentence's events and audio.

        ``rendered`` is audio made elsewhere and its duration (an SSML document's, with
        its breaks); otherwise the sentence is rendered here.
        """
        if self._first_frame_at is None:
            first_frame_at = (
                asyncio.get_running_loop().time() + self._state.config.first_chunk_delay
            )
            self._first_frame_at = first_frame_at
            if (outcome := await self._injected_failure()) is not None:
                return outcome
        else:
            first_frame_at = self._first_frame_at
        audio, duration = rendered if rendered is not None else self._render(sentence)
        seconds_per_byte = duration / max(len(audio), 1)
        await self._event(Event.TTS_SENTENCE_START, {"res_params": {"text": sentence}})
        chunk = max(1, self._state.config.chunk_bytes)
        for offset in range(0, len(audio), chunk):
            audio_before = self._audio_seconds_sent + seconds_per_byte * offset
            deadline = first_frame_at + self._state.config.real_time_factor * audio_before
            if not await self._state.pause_until(deadline):
                return Outcome.INTERRUPTED
            if not await self._apply_frame_faults():
                return Outcome.INTERRUPTED
            await self._connection.send(
                encode_audio(self._session_id, audio[offset : offset + chunk])
            )
            self._frames_sent += 1
        self._audio_seconds_sent += seconds_per_byte * len(audio)
        await self._event(Event.TTS_SENTENCE_END, {"res_params": {"text": sentence}})
        return Outcome.SENT

    def _render(self, sentence: str) -> tuple[bytes, float]:
        params = self._params
        audio = render_audio(
            sentence,
            params.speaker,
            encoding=params.encoding,
            sample_rate=params.sample_rate,
            speed_ratio=params.speed_ratio,
            bitrate_kbps=params.bitrate_kbps,
            markdown_filter=params.markdown_filter,
        )
        duration = speech_duration(
            sentence, speed_ratio=params.speed_ratio, markdown_filter=params.markdown_filter
        )
        return audio, duration

    async def _event(self, event: Event, payload: dict[str, object]) -> None:
        await self._connection.send(encode_session_event(event, self._session_id, payload))

    async def _injected_failure(self) -> Outcome | None:
        """Apply the whole-session faults before the first audio: error code or text frame."""
        faults = self._state.faults
        if faults.text_frame is not None:
            await self._connection.send(faults.text_frame)
            return Outcome.INTERRUPTED
        if faults.error_code is not None and faults.error_count > 0:
            faults.error_count -= 1
            self.failure = V3Error(faults.error_code, faults.error_message)
            _LOGGER.info("session %s: injected error %s", self._session_id, self.failure)
            await self._connection.send(encode_error(faults.error_code, faults.error_message))
            return Outcome.FAILED
        return None

    async def _apply_frame_faults(self) -> bool:
        """Apply the per-frame faults; return False when one cut the session off."""
        faults = self._state.faults
        if faults.drop_after_frames == self._frames_sent:
            self._connection.transport.abort()
            return False
        if faults.stall_after_frames == self._frames_sent:
            await self._state.hold(self._connection)
            return False
        if faults.malformed_after_frames == self._frames_sent:
            await self._connection.send(TRUNCATED_AUDIO_FRAME)
            return False
        return True
