"""Voice cloning V3 over HTTPS: ``/api/v3/tts/voice_clone`` and ``/api/v3/tts/get_voice``.

Why a second listener: the emulator's websocket server (``websockets``) refuses any
request with a body before a handler sees it, so these POST endpoints cannot share its
port. They are served by a small ``aiohttp`` application on the same host, at
``Emulator.http_url``. The real service serves both from ``openspeech.bytedance.com``
and clients derive the HTTPS base from the ``wss://`` endpoint; ``Emulator(one_port=True)``
puts a gateway in front (see ``gateway``) so that derivation works against the emulator.

Faithful to the clone notes, not to any client: the headers (``X-Api-Key`` or
``X-Api-App-Key`` + ``X-Api-Access-Key``, ``X-Api-Request-Id``), the body fields, the
statuses (Training → Success after ``EmulatorConfig.clone_training_seconds``), the
documented error codes, the upload limit per slot, and activation by the first synthesis.
"""

import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, Final

from aiohttp import web

from .clone_registry import ClonedVoice, CloneRegistry, Status
from .config import Account, EmulatorConfig
from .state import ServiceState
from .v3_request import ACCESS_KEY_HEADER, API_KEY_HEADER, APP_KEY_HEADER, header

VOICE_CLONE_PATH: Final = "/api/v3/tts/voice_clone"
GET_VOICE_PATH: Final = "/api/v3/tts/get_voice"
REQUEST_ID_HEADER: Final = "X-Api-Request-Id"
CUSTOM_SLOT: Final = "custom_speaker_id"
FORMATS: Final = frozenset({"wav", "mp3", "ogg", "m4a", "aac", "pcm"})
MAX_AUDIO_BYTES: Final = 10 * 1024 * 1024
LANGUAGES: Final = range(9)
DEMO_TEXT_LENGTH: Final = (4, 300)
MODEL_TYPE_ICL_V3: Final = 5
"""What a clone 2.0 training reports ("clone 2.0 reports 5")."""
MODEL_TYPE_ICL_V1: Final = 1
DEMO_URL: Final = "https://emulator.invalid/demo/{voice}.mp3"
CUSTOM_ID_REFUSED: Final = re.compile(
    r"^((?i:S_|ICL_|MIX_|DiT_|BV)|[a-z]{2}_|(?i:(wvae|moon|mercury|venus|earth|mars|jupiter|"
    r"saturn|uranus|neptune|pluto|umm)_)).*|.*_(?i:bigtts|bigtts_cc|tob|cs_tob|streaming)$|"
    r"^[^a-zA-Z]|.*[-_]$|^.{0,7}$|^.{257,}$|.*[^a-zA-Z0-9_-].*",
    re.DOTALL,
)
"""The documented check of a post-paid name: a match is refused."""
NOT_GRANTED: Final = "[resource_id=volc.megatts.timbre] requested resource not granted"


class CloneCode(IntEnum):
    """Documented codes of the cloning API."""

    BAD_PARAMETERS = 45001001
    UNREADABLE_AUDIO = 45001105
    SLOT_NOT_FOUND = 45001107
    TRAINING_LIMIT = 45001123
    NOT_GRANTED = 45000030
    INVALID_API_KEY = 45000010
    DEMO_TEXT_REFUSED = 45001126
    DATABASE_FAILED = 55001301


class CloneRefusalError(Exception):
    """A request the cloning API answers with a code and message."""

    def __init__(self, code: int, message: str, *, http_status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


def _account(headers: Mapping[str, str], config: EmulatorConfig) -> Account:
    """Authenticate by ``X-Api-Key``, or ``X-Api-App-Key`` + ``X-Api-Access-Key``."""
    api_key = header(headers, API_KEY_HEADER)
    if api_key is not None:
        account = next((item for item in config.accounts.values() if item.api_key == api_key), None)
    else:
        account = config.accounts.get(header(headers, APP_KEY_HEADER) or "")
        if account is not None and account.token != header(headers, ACCESS_KEY_HEADER):
            account = None
    if account is None:
        raise CloneRefusalError(
            CloneCode.INVALID_API_KEY,
            "The API key or AK/SK in the request is missing or invalid.",
            http_status=401,
        )
    return account


def _slot(body: Mapping[str, Any], account: Account) -> str:
    """Read the slot a request names; refuse one this account cannot train."""
    speaker = body.get("speaker_id")
    if not isinstance(speaker, str) or not speaker:
        raise CloneRefusalError(CloneCode.BAD_PARAMETERS, "speaker_id is required")
    if speaker != CUSTOM_SLOT:
        if account.clone_slots is not None and speaker not in account.clone_slots:
            raise CloneRefusalError(CloneCode.SLOT_NOT_FOUND, f"speaker id not found: {speaker}")
        return speaker
    custom = body.get("custom_speaker_id")
    if not isinstance(custom, str) or CUSTOM_ID_REFUSED.match(custom):
        raise CloneRefusalError(CloneCode.BAD_PARAMETERS, "invalid custom_speaker_id")
    if not account.postpaid_cloning:
        raise CloneRefusalError(CloneCode.NOT_GRANTED, NOT_GRANTED, http_status=403)
    return custom


def _recording(body: Mapping[str, Any]) -> int:
    """Check the audio, language and demo text of a training; return the language."""
    audio = body.get("audio")
    if not isinstance(audio, dict) or audio.get("format") not in FORMATS:
        raise CloneRefusalError(
            CloneCode.BAD_PARAMETERS, "audio.format must be one of " + ", ".join(sorted(FORMATS))
        )
    data = audio.get("data")
    try:
        raw = base64.b64decode(data, validate=True) if isinstance(data, str) else b""
    except binascii.Error:
        raw = b""
    if not raw:
        raise CloneRefusalError(CloneCode.UNREADABLE_AUDIO, "audio data is empty or not base64")
    if len(raw) > MAX_AUDIO_BYTES:
        raise CloneRefusalError(CloneCode.BAD_PARAMETERS, "audio is larger than 10 MB")
    language = body.get("language", 0)
    if not isinstance(language, int) or language not in LANGUAGES:
        raise CloneRefusalError(CloneCode.BAD_PARAMETERS, "language must be 0-8")
    extra = body.get("extra_params", {})
    demo = extra.get("demo_text") if isinstance(extra, dict) else None
    low, high = DEMO_TEXT_LENGTH
    if demo is not None and not (isinstance(demo, str) and low <= len(demo) <= high):
        raise CloneRefusalError(CloneCode.DEMO_TEXT_REFUSED, "demo text length out of range")
    return language


def _reply(voice: ClonedVoice | None, speaker: str, remaining: int) -> dict[str, Any]:
    """Describe a slot in the documented response shape."""
    status = voice.status if voice is not None else Status.NOT_FOUND
    reply: dict[str, Any] = {
        "speaker_id": speaker,
        "status": int(status),
        "available_training_times": remaining,
        "create_time": voice.create_time if voice is not None else 0,
        "language": voice.language if voice is not None else 0,
    }
    if status in (Status.SUCCESS, Status.ACTIVE):
        demo = DEMO_URL.format(voice=speaker)
        reply["speaker_status"] = [
            {"model_type": MODEL_TYPE_ICL_V1, "demo_audio": demo},
            {"model_type": MODEL_TYPE_ICL_V3, "demo_audio": demo},
        ]
        reply["model_type"] = MODEL_TYPE_ICL_V3
        reply["demo_audio"] = demo
    return reply


class CloneService:
    """The two endpoints over one ``ServiceState`` (its config, faults and registry)."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state

    @property
    def registry(self) -> CloneRegistry:
        """The trained slots and the requests received."""
        return self._state.clones

    def application(self) -> web.Application:
        """Build the aiohttp application serving both endpoints."""
        app = web.Application(client_max_size=2 * MAX_AUDIO_BYTES)
        app.router.add_post(VOICE_CLONE_PATH, self._handle)
        app.router.add_post(GET_VOICE_PATH, self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        headers = dict(request.headers)
        logid = _logid()
        try:
            body = json.loads(await request.read())
        except ValueError:
            body = None
        self.registry.requests.append({"path": request.path, "headers": headers, "body": body})
        try:
            reply = self._answer(request.path, headers, body)
        except CloneRefusalError as refusal:
            return web.json_response(
                {"code": refusal.code, "message": refusal.message},
                status=refusal.http_status,
                headers={"X-Tt-Logid": logid},
            )
        return web.json_response(reply, headers={"X-Tt-Logid": logid})

    def _answer(self, path: str, headers: Mapping[str, str], body: object) -> dict[str, Any]:
        """Authenticate, then train or read the status; a refusal raises."""
        if not isinstance(body, dict):
            raise CloneRefusalError(CloneCode.BAD_PARAMETERS, "the body must be a JSON object")
        account = _account(headers, self._state.config)
        if path == VOICE_CLONE_PATH:
            return self._train(body, account)
        return self._status(body, account)

    def _train(self, body: Mapping[str, Any], account: Account) -> dict[str, Any]:
        speaker = _slot(body, account)
        faults = self._state.faults
        if faults.clone_error_code is not None and faults.clone_error_count > 0:
            faults.clone_error_count -= 1
            raise CloneRefusalError(faults.clone_error_code, faults.clone_error_message)
        language = _recording(body)
        voice = self.registry.voices.setdefault(speaker, ClonedVoice(speaker, account.app_id))
        limit = self._state.config.clone_upload_limit
        if voice.uploads >= limit:
            raise CloneRefusalError(
                CloneCode.TRAINING_LIMIT, "training limit reached for this speaker"
            )
        voice.uploads += 1
        voice.language = language
        voice.started = time.monotonic()
        voice.create_time = int(time.time() * 1000)
        voice.status = Status.TRAINING
        voice.failure = Status.FAILED if faults.clone_training_fails else None
        self.registry.refresh(voice, self._state.config.clone_training_seconds)
        return _reply(voice, speaker, limit - voice.uploads)

    def _status(self, body: Mapping[str, Any], account: Account) -> dict[str, Any]:
        speaker = _slot(body, account)
        faults = self._state.faults
        if faults.clone_status_failures > 0:
            faults.clone_status_failures -= 1
            raise CloneRefusalError(CloneCode.DATABASE_FAILED, "database error", http_status=500)
        voice = self.registry.voices.get(speaker)
        if voice is not None and voice.app_id != account.app_id:
            voice = None
        if voice is not None:
            self.registry.refresh(voice, self._state.config.clone_training_seconds)
        uploads = voice.uploads if voice is not None else 0
        return _reply(voice, speaker, self._state.config.clone_upload_limit - uploads)


def _logid() -> str:
    """Make a log id shaped like the service's: a timestamp then random hex."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()
