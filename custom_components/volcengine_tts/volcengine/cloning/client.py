"""Voice cloning (声音复刻) V3: upload a recording to a voice slot, read its training status.

Two HTTPS calls, ``voice_clone`` and ``get_voice``, on the same host as synthesis
(``openspeech.bytedance.com``), so the HTTP base is derived from the configured
websocket endpoint: ``wss://host`` → ``https://host``, and a loopback ``ws://`` (the
emulator) → ``http://``. The same rules as the websocket transport apply: TLS is
always verified, plain HTTP only to this machine, every call has a timeout, and
secrets never reach a log line or an exception.

The caller owns the ``aiohttp.ClientSession`` (Home Assistant's shared one): a
library must accept an injected web session, not open one per call.

Protocol facts come from the third-party copies of the V3 cloning documentation
(see the project's clone notes); the ones marked *uncertain* are named constants.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, Final

import aiohttp

from ..wire.errors import (
    AuthenticationError,
    InvalidInputError,
    ProtocolError,
    RateLimitError,
    TransientServerError,
    UnknownVoiceError,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
    error_from_server,
    json_object,
    redact,
)
from ..wire.models import SEED_ICL_1, SEED_ICL_2, ServiceCredentials, auth_headers
from ..wire.transport import (
    DEFAULT_ENDPOINT,
    LOG_ID_HEADER,
    service_address,
    verified_ssl_context,
)

_LOGGER = logging.getLogger(__name__)

VOICE_CLONE_PATH: Final = "/api/v3/tts/voice_clone"
GET_VOICE_PATH: Final = "/api/v3/tts/get_voice"
REQUEST_ID_HEADER: Final = "X-Api-Request-Id"
DEFAULT_CLONE_TIMEOUT: Final = 60.0
"""Seconds for one call, upload included (10 MB of base64 on a slow uplink)."""
MAX_RESPONSE_BYTES: Final = 1024 * 1024
MAX_RECORDING_BYTES: Final = 10 * 1024 * 1024
"""The documented limit of ``audio.data`` (the file, before base64)."""
CUSTOM_SLOT: Final = "custom_speaker_id"
"""``speaker_id`` of a post-paid voice; its name goes in ``custom_speaker_id``."""
PREPAID_PREFIX: Final = "S_"
SUCCESS_CODES: Final = frozenset({0, 20000000})
"""*Uncertain*: the documented success bodies carry no ``code`` at all; 0 and the v3
synthesis success code are taken as success too, anything else as an error."""
ICL_2_MODEL_TYPES: Final = frozenset({4, 5})
"""``model_type`` 4 (ICL V2) and 5 (ICL V3, what clone 2.0 reports) speak on seed-icl-2.0."""
ICL_1_MODEL_TYPE: Final = 1
DEFAULT_CLONE_RESOURCE: Final = SEED_ICL_2
"""*Uncertain*: the resource for a V3 voice whose status lists no model type. The notes
say a V3-trained voice serves clone 1.0 and 2.0; 2.0 is the current one."""
CUSTOM_ID_REFUSED: Final = re.compile(
    r"^((?i:S_|ICL_|MIX_|DiT_|BV)|[a-z]{2}_|(?i:(wvae|moon|mercury|venus|earth|mars|jupiter|"
    r"saturn|uranus|neptune|pluto|umm)_)).*|.*_(?i:bigtts|bigtts_cc|tob|cs_tob|streaming)$|"
    r"^[^a-zA-Z]|.*[-_]$|^.{0,7}$|^.{257,}$|.*[^a-zA-Z0-9_-].*",
    re.DOTALL,
)
"""The service's own check of a post-paid name, verbatim: a match is refused."""


class RecordingFormat(StrEnum):
    """``audio.format`` values the service documents."""

    WAV = "wav"
    MP3 = "mp3"
    OGG = "ogg"
    M4A = "m4a"
    AAC = "aac"
    PCM = "pcm"


class CloneLanguage(IntEnum):
    """``language`` of the recording (and of ``demo_text``)."""

    CHINESE = 0
    ENGLISH = 1
    JAPANESE = 2
    SPANISH = 3
    INDONESIAN = 4
    PORTUGUESE = 5
    GERMAN = 6
    FRENCH = 7
    KOREAN = 8


class TrainingStatus(IntEnum):
    """``status`` of a voice slot."""

    NOT_FOUND = 0
    TRAINING = 1
    SUCCESS = 2
    FAILED = 3
    ACTIVE = 4
    """Trained and activated by its first synthesis (the slot fee is charged)."""

    @property
    def can_speak(self) -> bool:
        """Only a trained voice (activated or not) can synthesise."""
        return self in (TrainingStatus.SUCCESS, TrainingStatus.ACTIVE)


# --- Typed errors of the documented cloning codes ------------------------------------


class CloneRecordingError(InvalidInputError):
    """The service refused the recording itself (material, quality, content review)."""


class TranscriptMismatchError(CloneRecordingError):
    """45001109: the recording does not say what the transcript says (WER check)."""


class VoiceprintError(CloneRecordingError):
    """45001104: the voiceprint check failed (another speaker, or not clear enough)."""


class TrainingLimitError(VolcengineError):
    """45001123: the slot has used up its trainings; waiting will not help."""


class CloneSlotNotFoundError(UnknownVoiceError):
    """45001107: the speaker id is not a slot of this account."""


class InvalidSlotError(InvalidInputError):
    """A post-paid name the service would refuse (checked before anything is sent)."""


TRANSCRIPT_MISMATCH: Final = 45001109
VOICEPRINT_FAILED: Final = 45001104
TRAINING_LIMIT: Final = 45001123
SLOT_NOT_FOUND: Final = 45001107
BAD_PARAMETERS: Final = 45001001
RECORDING_CODES: Final = frozenset(
    {45001101, 45001102, 45001105, 45001108, 45001112, 45001113, 45001114, 45001122}
    | set(range(45001124, 45001129))
)
"""Upload, ASR, unreadable, transcoding, SNR, denoise, poor audio, no voice, content review."""
_CLONE_CLASSES: Final[dict[int, tuple[type[VolcengineError], str]]] = {
    TRANSCRIPT_MISMATCH: (
        TranscriptMismatchError,
        "The recording does not match its transcript",
    ),
    VOICEPRINT_FAILED: (VoiceprintError, "The recording failed the voiceprint check"),
    TRAINING_LIMIT: (TrainingLimitError, "This voice slot has no trainings left"),
    SLOT_NOT_FOUND: (CloneSlotNotFoundError, "The voice slot does not exist in this account"),
    BAD_PARAMETERS: (InvalidInputError, "Volcengine rejected the cloning parameters"),
}
_SERVER_CODE_MIN: Final = 50_000_000
_HTTP_OK: Final = 200


def clone_error(code: int, message: str, *, log_id: str | None) -> VolcengineError:
    """Turn a cloning reply's ``code`` and ``message`` into a typed error.

    The documented cloning codes first, then the codes and messages every v3
    API shares (``45000030 … not granted``, a bad API key).
    """
    if code in _CLONE_CLASSES:
        error_class, description = _CLONE_CLASSES[code]
        return error_class(description, code=code, server_message=message, log_id=log_id)
    if code in RECORDING_CODES:
        return CloneRecordingError(
            "Volcengine refused the recording", code=code, server_message=message, log_id=log_id
        )
    if code >= _SERVER_CODE_MIN:
        # 5xxxxxxx are the server's own failures (database, storage, 55001307): retryable.
        return TransientServerError(
            "The Volcengine cloning service failed",
            code=code,
            server_message=message,
            log_id=log_id,
        )
    return error_from_server(code, message, log_id=log_id)


# --- Requests ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoiceSlot:
    """Where a voice is trained: a prepaid ``S_…`` slot, or a post-paid name."""

    voice_id: str

    @classmethod
    def parse(cls, text: str) -> VoiceSlot:
        """Read a slot typed by a user; refuse a post-paid name the service would refuse."""
        voice_id = text.strip()
        if not voice_id.startswith(PREPAID_PREFIX) and CUSTOM_ID_REFUSED.match(voice_id):
            raise InvalidSlotError(
                "A post-paid voice name has 8–256 letters, digits, - or _, starts with a "
                "letter, and must not look like an official voice"
            )
        if voice_id == PREPAID_PREFIX:
            raise InvalidSlotError("The voice slot id is incomplete")
        return cls(voice_id)

    @property
    def prepaid(self) -> bool:
        """A slot bought in the console (``S_…``), not a post-paid name."""
        return self.voice_id.startswith(PREPAID_PREFIX)

    def body(self) -> dict[str, str]:
        """Build the ``speaker_id`` (and ``custom_speaker_id``) fields naming this slot."""
        if self.prepaid:
            return {"speaker_id": self.voice_id}
        return {"speaker_id": CUSTOM_SLOT, "custom_speaker_id": self.voice_id}


@dataclass(frozen=True, slots=True, kw_only=True)
class CloneRecording:
    """A recording to train a voice from, and how to read it.

    The audio is kept out of ``repr``: it is a person's voice, and large.
    """

    audio: bytes = field(repr=False)
    format: RecordingFormat
    language: CloneLanguage = CloneLanguage.CHINESE
    text: str | None = None
    """What the recording says; a large difference fails with 45001109."""
    demo_text: str | None = None
    """The sample sentence the service speaks in the new voice (4–300 characters)."""
    enable_audio_denoise: bool | None = None
    """Sent as ``extra_params.enable_audio_denoise`` when set."""

    def body(self) -> dict[str, Any]:
        """Build the recording's fields of a ``voice_clone`` request."""
        if len(self.audio) > MAX_RECORDING_BYTES:
            raise InvalidInputError("The recording is larger than 10 MB")
        body: dict[str, Any] = {
            "audio": {
                "data": base64.b64encode(self.audio).decode("ascii"),
                "format": self.format.value,
            },
            "language": int(self.language),
        }
        if self.text:
            body["text"] = self.text
        extra: dict[str, Any] = {}
        if self.demo_text:
            extra["demo_text"] = self.demo_text
        if self.enable_audio_denoise is not None:
            extra["enable_audio_denoise"] = self.enable_audio_denoise
        if extra:
            body["extra_params"] = extra
        return body


# --- Replies -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceStatus:
    """What the service says about a slot: its training status and samples."""

    voice_id: str
    status: TrainingStatus
    model_types: tuple[int, ...] = ()
    demo_audio: str | None = None
    """A link to the sample in the new voice (success only; free; valid about an hour)."""
    available_training_times: int | None = None
    create_time: int | None = None
    language: int | None = None

    @property
    def resource_id(self) -> str:
        """The synthesis resource for this voice: clone 2.0 unless only ICL 1.0 is listed."""
        if ICL_2_MODEL_TYPES & set(self.model_types):
            return SEED_ICL_2
        if ICL_1_MODEL_TYPE in self.model_types:
            return SEED_ICL_1
        return DEFAULT_CLONE_RESOURCE

    @classmethod
    def from_reply(cls, document: Mapping[str, Any], slot: VoiceSlot) -> VoiceStatus:
        """Read a reply, tolerating absent fields; an unknown status is a protocol error."""
        try:
            status = TrainingStatus(document.get("status", TrainingStatus.NOT_FOUND))
        except ValueError as err:
            raise ProtocolError(f"Unknown voice status {document.get('status')!r}") from err
        samples = [item for item in document.get("speaker_status") or [] if isinstance(item, dict)]
        model_types = tuple(
            item["model_type"] for item in samples if isinstance(item.get("model_type"), int)
        )
        if isinstance(document.get("model_type"), int) and not model_types:
            model_types = (document["model_type"],)
        demo = _preferred_demo(samples) or _text(document.get("demo_audio"))
        return cls(
            voice_id=slot.voice_id,
            status=status,
            model_types=model_types,
            demo_audio=demo if status.can_speak else None,
            available_training_times=_integer(document.get("available_training_times")),
            create_time=_integer(document.get("create_time")),
            language=_integer(document.get("language")),
        )


def _preferred_demo(samples: list[dict[str, Any]]) -> str | None:
    """Pick the newest model's sample: ICL 2.0 (4, 5) before ICL 1.0."""
    ranked = sorted(samples, key=lambda item: item.get("model_type") in ICL_2_MODEL_TYPES)
    for item in reversed(ranked):
        if demo := _text(item.get("demo_audio")):
            return demo
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- The client --------------------------------------------------------------------


def http_base_url(endpoint: str = DEFAULT_ENDPOINT) -> str:
    """Derive the HTTPS base of the cloning API from the synthesis endpoint.

    The service serves both from one host. The endpoint is read as every client
    reads it (:func:`.transport.service_address`: a bare host, ``wss://host`` or
    a full API URL); ``ws://`` and ``http://`` only for a loopback host (the
    local emulator), exactly as for websockets.
    """
    text = endpoint.strip()
    for web, websocket in (("https://", "wss://"), ("http://", "ws://")):
        if text.lower().startswith(web):
            text = websocket + text[len(web) :]
    address = service_address(text)
    if address.startswith("wss://"):
        return "https://" + address.removeprefix("wss://")
    return "http://" + address.removeprefix("ws://")


class VoiceCloneClient:
    """The two cloning calls, on a web session the caller owns."""

    def __init__(
        self,
        credentials: ServiceCredentials,
        session: aiohttp.ClientSession,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_CLONE_TIMEOUT,
    ) -> None:
        self._credentials = credentials
        self._session = session
        self._base_url = http_base_url(endpoint)
        self._ssl = verified_ssl_context(ssl_context)
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def voice_clone(self, slot: VoiceSlot, recording: CloneRecording) -> VoiceStatus:
        """Upload ``recording`` to ``slot`` and start training; return the slot's status."""
        body = {**slot.body(), **recording.body()}
        return VoiceStatus.from_reply(await self._post(VOICE_CLONE_PATH, body), slot)

    async def get_voice(self, slot: VoiceSlot) -> VoiceStatus:
        """Read the slot's training status (and, once trained, its samples)."""
        return VoiceStatus.from_reply(await self._post(GET_VOICE_PATH, slot.body()), slot)

    async def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Send one call; return its reply, or raise the typed error it describes."""
        request_id = str(uuid.uuid4())
        headers = {
            **auth_headers(self._credentials),
            REQUEST_ID_HEADER: request_id,
            "Content-Type": "application/json",
        }
        _LOGGER.debug("POST %s (request id %s)", path, request_id)
        try:
            async with self._session.post(
                self._base_url + path,
                data=json.dumps(body),
                headers=headers,
                timeout=self._timeout,
                ssl=self._ssl,
                allow_redirects=False,
            ) as response:
                log_id = response.headers.get(LOG_ID_HEADER)
                raw = await _read_capped(response.content)
                status = response.status
        except TimeoutError as err:
            raise VolcengineTimeoutError(
                f"The cloning service did not answer in {self._timeout.total:g} s"
            ) from err
        except aiohttp.ClientError as err:
            raise self._scrubbed(
                VolcengineConnectionError(f"Cannot reach the cloning service: {err}")
            ) from err
        return self._reply(status, raw, log_id)

    def _reply(self, status: int, raw: bytes, log_id: str | None) -> dict[str, Any]:
        document = json_object(raw)
        code = document.get("code") if document is not None else None
        message = document.get("message") if document is not None else None
        text = message if isinstance(message, str) else raw[:200].decode("utf-8", "replace")
        if isinstance(code, int) and code not in SUCCESS_CODES:
            raise self._scrubbed(clone_error(code, text, log_id=log_id))
        if status != _HTTP_OK:
            raise self._scrubbed(_http_error(status, text, log_id))
        if document is None:
            raise ProtocolError(
                "The cloning service sent no JSON object", server_message=text, log_id=log_id
            )
        return document

    def _scrubbed(self, error: VolcengineError) -> VolcengineError:
        redact(error, self._credentials.secrets())
        return error


def _http_error(status: int, text: str, log_id: str | None) -> VolcengineError:
    """Classify a refusal that carries no service code by its HTTP status."""
    error_class: type[VolcengineError]
    if status in (401, 403):
        error_class = AuthenticationError
    elif status == 429:  # noqa: PLR2004
        error_class = RateLimitError
    elif status >= 500:  # noqa: PLR2004
        error_class = TransientServerError
    else:
        error_class = InvalidInputError
    return error_class(
        f"The cloning service answered HTTP {status}",
        code=status,
        server_message=text or None,
        log_id=log_id,
    )


async def _read_capped(content: aiohttp.StreamReader) -> bytes:
    """Read a whole answer, however many pieces it arrives in, up to ``MAX_RESPONSE_BYTES``."""
    body = bytearray()
    while chunk := await content.readany():
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            raise ProtocolError(
                f"The cloning service's answer is longer than {MAX_RESPONSE_BYTES} bytes"
            )
    return bytes(body)
