"""Reading and validating v3 handshakes and session parameters the way the service does.

The v3 endpoints authenticate at the HTTP upgrade (headers, not JSON), so credential and
resource problems surface as HTTP statuses; everything about the voice and the audio
surfaces later, as a SessionFailed (bidirectional) or an error frame (unidirectional).
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final, Literal

from .audio import DEFAULT_BITRATE_KBPS, DEFAULT_SAMPLE_RATE, SUPPORTED_SAMPLE_RATES
from .clone_registry import CloneRegistry, Status
from .config import RESOURCE_IDS, Account, EmulatorConfig, ReceivedSession
from .errors import (
    INVALID_API_KEY,
    RESOURCE_MISMATCH,
    SPEAKER_ACCESS_DENIED,
    V3Code,
    V3Error,
    invalid_params,
)

APP_KEY_HEADER: Final = "X-Api-App-Key"
APP_ID_HEADER: Final = "X-Api-App-Id"
"""The unidirectional page's name for the app id; both names are accepted everywhere."""
ACCESS_KEY_HEADER: Final = "X-Api-Access-Key"
API_KEY_HEADER: Final = "X-Api-Key"
"""The new console's single-key login, instead of the app key and access key."""
RESOURCE_ID_HEADER: Final = "X-Api-Resource-Id"
CONNECT_ID_HEADER: Final = "X-Api-Connect-Id"
USAGE_HEADER: Final = "X-Control-Require-Usage-Tokens-Return"

INVALID_KEYS: Final = "invalid app key or access key"
INVALID_RESOURCE: Final = "invalid resource id"
RESOURCE_NOT_GRANTED: Final = "requested resource not granted"

DEFAULT_FORMAT: Final = "mp3"
SERVED_FORMATS: Final = frozenset({"mp3", "pcm", "wav"})
"""``wav`` is undocumented but accepted by the service ("传入wav并不会报错"): every
sentence then carries its own WAV header, which the emulator reproduces."""
KNOWN_FORMATS: Final = SERVED_FORMATS | {"ogg_opus"}
RATE_RANGE: Final = (-50, 100)
"""Documented range of ``speech_rate`` and ``loudness_rate`` (100 = 2x, -50 = 0.5x)."""
EMOTION_SCALE_RANGE: Final = (1, 5)
_BITS_PER_KILOBIT: Final = 1000
DEFAULT_BIT_RATE_RANGE: Final = (64_000, 160_000)
"""``bit_rate`` is kept within 64k–160k; ``additions.disable_default_bit_rate`` lets it go
below 64k (v3 pages: "bit_rate默认设置范围为64k～160k，传了disable_default_bit_rate为true后
可以设置到64k以下"). Nothing documented lifts the ceiling."""
_PERCENT: Final = 100

type Generation = Literal["tts-1.0", "tts-2.0", "icl"]

RESOURCE_GENERATIONS: Final[Mapping[str, Generation]] = {
    "seed-tts-1.0": "tts-1.0",
    "seed-tts-1.0-concurr": "tts-1.0",
    "volc.service_type.10029": "tts-1.0",
    "volc.service_type.10048": "tts-1.0",
    "seed-tts-2.0": "tts-2.0",
    "seed-icl-1.0": "icl",
    "seed-icl-1.0-concurr": "icl",
    "seed-icl-2.0": "icl",
}
"""Which voices each resource id serves: "1.0 and 2.0 ids work only with their own voices"."""

_OFFICIAL_SUFFIX: Final = "_tob"
"""Volcengine's own ``ICL_…_tob`` voices are ordinary 1.0 voices, not user clones."""
_TTS2_SUFFIXES: Final = ("_uranus_bigtts", "_saturn_bigtts")
_TTS2_PREFIX: Final = "saturn_"


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Look a header up case-insensitively in a plain dict of raw header items."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class V3Identity:
    """Who a v3 connection belongs to, read from its upgrade request."""

    app_id: str
    """The account's app id, also when it logged in with its API key."""
    access_key: str
    resource_id: str
    connect_id: str | None
    wants_usage: bool
    api_key: str | None = None
    """The ``X-Api-Key`` sent, when the client logged in with one."""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], config: EmulatorConfig) -> "V3Identity":
        """Read the identity; absent headers become empty strings.

        An API key names its account by itself; an unknown key leaves the app id empty.
        """
        api_key = header(headers, API_KEY_HEADER)
        if api_key is not None:
            app_id = next(
                (id_ for id_, account in config.accounts.items() if account.api_key == api_key),
                "",
            )
        else:
            app_id = header(headers, APP_KEY_HEADER) or header(headers, APP_ID_HEADER) or ""
        return cls(
            app_id=app_id,
            api_key=api_key,
            access_key=header(headers, ACCESS_KEY_HEADER) or "",
            resource_id=header(headers, RESOURCE_ID_HEADER) or "",
            connect_id=header(headers, CONNECT_ID_HEADER) or None,
            wants_usage=header(headers, USAGE_HEADER) is not None,
        )

    @property
    def key_rejected(self) -> bool:
        """An ``X-Api-Key`` that belongs to no account: refused after the upgrade."""
        return self.api_key is not None and not self.app_id

    def key_refusal(self) -> V3Error:
        """Build the service's answer to the first frame sent with a wrong API key."""
        return V3Error(V3Code.INVALID_API_KEY, INVALID_API_KEY)

    def connection_id(self) -> str:
        """Use the client's connect id if it sent one, else make one ("由网关下发一个唯一的ID")."""
        return self.connect_id if self.connect_id else str(uuid.uuid4())


def check_handshake(
    headers: Mapping[str, str],
    config: EmulatorConfig,
    resource_ids: frozenset[str] = RESOURCE_IDS,
) -> tuple[HTTPStatus, str] | None:
    """Return the HTTP status and message that refuse this upgrade, or ``None`` to accept.

    Order: credentials (401), then whether the resource id exists (400), then whether the
    account bought it (403). The recognition endpoints pass their own ``resource_ids``.
    """
    identity = V3Identity.from_headers(headers, config)
    account = config.accounts.get(identity.app_id)
    if identity.api_key is not None:
        if account is None:
            return None  # the service refuses a wrong key in a frame, not at the upgrade
    elif account is None or not identity.access_key or account.token != identity.access_key:
        return HTTPStatus.UNAUTHORIZED, INVALID_KEYS
    if identity.resource_id not in resource_ids:
        return HTTPStatus.BAD_REQUEST, INVALID_RESOURCE
    if account.resources is not None and identity.resource_id not in account.resources:
        return HTTPStatus.FORBIDDEN, RESOURCE_NOT_GRANTED
    return None


def speaker_generation(speaker: str) -> Generation:
    """Tell which model generation a voice id belongs to, from its documented naming."""
    if speaker.startswith("S_") or (
        speaker.lower().startswith("icl_") and not speaker.endswith(_OFFICIAL_SUFFIX)
    ):
        return "icl"
    if speaker.startswith(_TTS2_PREFIX) or speaker.endswith(_TTS2_SUFFIXES):
        return "tts-2.0"
    return "tts-1.0"


@dataclass(frozen=True, slots=True)
class SessionParams:
    """Validated synthesis parameters of one session: what the renderer needs."""

    speaker: str
    encoding: str
    sample_rate: int
    bitrate_kbps: int
    speed_ratio: float
    markdown_filter: bool = False
    """``additions.disable_markdown_filter``: despite its name, ``true`` filters Markdown."""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _additions(req_params: dict[str, Any]) -> dict[str, Any]:
    """Parse ``additions``: documented as a JSON string; an object is tolerated too."""
    raw = req_params.get("additions")
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            return {}
        return _object(parsed)
    return {}


def record_session(
    payload: dict[str, Any],
    identity: V3Identity,
    *,
    connection_id: str,
    session_id: str,
    endpoint: str,
) -> ReceivedSession:
    """Describe a session request for tests, whatever the shape of its JSON."""
    req_params = _object(payload.get("req_params"))
    speaker = req_params.get("speaker")
    return ReceivedSession(
        app_id=identity.app_id,
        resource_id=identity.resource_id,
        connection_id=connection_id,
        session_id=session_id,
        speaker=speaker if isinstance(speaker, str) else "",
        audio_params=_object(req_params.get("audio_params")),
        additions=_additions(req_params),
        texts=[],
        endpoint=endpoint,
    )


def _number(params: dict[str, Any], key: str, default: float) -> float:
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_params(f"audio_params.{key} must be a number")
    return float(value)


def _in_range(params: dict[str, Any], key: str, bounds: tuple[int, int], default: float) -> float:
    value = _number(params, key, default)
    low, high = bounds
    if not low <= value <= high:
        raise invalid_params(f"audio_params.{key} {value:g} outside [{low}, {high}]")
    return value


def _check_speaker(
    speaker: str,
    resource_id: str,
    account: Account,
    config: EmulatorConfig,
    clones: CloneRegistry | None,
) -> None:
    if not speaker:
        raise invalid_params("req_params.speaker is required")
    cloned = clones.speaker_state(speaker, config.clone_training_seconds) if clones else None
    generation = "icl" if cloned is not None else speaker_generation(speaker)
    if cloned is not None and cloned not in (Status.SUCCESS, Status.ACTIVE):
        raise invalid_params(f"speaker not found: {speaker} is not trained")
    if generation != "icl" and speaker not in config.v3_voices:
        raise invalid_params(f"speaker not found: {speaker}")
    if RESOURCE_GENERATIONS.get(resource_id) != generation:
        raise V3Error(V3Code.CLIENT_ERROR, RESOURCE_MISMATCH)
    if account.granted_voices is not None and speaker not in account.granted_voices:
        raise V3Error(V3Code.CLIENT_ERROR, SPEAKER_ACCESS_DENIED)


def _format(audio: dict[str, Any]) -> str:
    encoding = audio.get("format", DEFAULT_FORMAT)
    if encoding not in KNOWN_FORMATS:
        raise invalid_params(f"unknown audio_params.format {encoding!r}")
    if encoding not in SERVED_FORMATS:
        raise invalid_params(f"unsupported format {encoding!r} in this emulator")
    return str(encoding)


def _bitrate_kbps(audio: dict[str, Any], additions: dict[str, Any]) -> int:
    """Read ``bit_rate`` (documented in bits per second, e.g. 32000) as kbit/s for LAME.

    Kept within the documented default range unless the request lifted its floor.
    """
    if "bit_rate" not in audio:
        return DEFAULT_BITRATE_KBPS
    bit_rate = _number(audio, "bit_rate", 0)
    if bit_rate < _BITS_PER_KILOBIT:
        raise invalid_params("audio_params.bit_rate is in bit/s and must be at least 1000")
    low, high = DEFAULT_BIT_RATE_RANGE
    if additions.get("disable_default_bit_rate") is True:
        low = 0
    return round(min(max(bit_rate, low), high) / _BITS_PER_KILOBIT)


def validate_session(
    payload: dict[str, Any],
    identity: V3Identity,
    config: EmulatorConfig,
    clones: CloneRegistry | None = None,
) -> SessionParams:
    """Turn StartSession (or unidirectional request) JSON into parameters, or raise ``V3Error``.

    Order: the speaker (exists, matches the resource generation, is granted), then audio.
    """
    req_params = payload.get("req_params")
    if not isinstance(req_params, dict):
        raise invalid_params("req_params must be an object")
    audio = req_params.get("audio_params", {})
    if not isinstance(audio, dict):
        raise invalid_params("req_params.audio_params must be an object")
    speaker = req_params.get("speaker")
    if not isinstance(speaker, str):
        raise invalid_params("req_params.speaker is required")
    account = config.accounts.get(identity.app_id)
    if account is None:  # removed while the connection was open
        raise V3Error(V3Code.CLIENT_ERROR, INVALID_KEYS)
    _check_speaker(speaker, identity.resource_id, account, config, clones)
    additions = _additions(req_params)
    sample_rate = _number(audio, "sample_rate", DEFAULT_SAMPLE_RATE)
    if sample_rate not in SUPPORTED_SAMPLE_RATES:
        raise invalid_params(f"unsupported audio_params.sample_rate {sample_rate:g}")
    speech_rate = _in_range(audio, "speech_rate", RATE_RANGE, 0)
    _in_range(audio, "loudness_rate", RATE_RANGE, 0)
    if "emotion_scale" in audio:
        _in_range(audio, "emotion_scale", EMOTION_SCALE_RANGE, 4)
    encoding = _format(audio)
    if clones is not None:
        clones.activate(speaker)  # the first synthesis makes a trained voice Active
    return SessionParams(
        speaker=speaker,
        encoding=encoding,
        sample_rate=int(sample_rate),
        bitrate_kbps=_bitrate_kbps(audio, additions),
        speed_ratio=1 + speech_rate / _PERCENT,
        markdown_filter=additions.get("disable_markdown_filter") is True,
    )
