"""Reading and validating v1 request JSON the way the real service does.

Checks run in the order the service appears to apply them: credentials first, then the
request's own fields, then what the account is allowed to use, then the text.
"""

import json
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from .audio import DEFAULT_BITRATE_KBPS, DEFAULT_SAMPLE_RATE, SUPPORTED_SAMPLE_RATES, has_speech
from .config import CLONE_CLUSTERS, CLONE_VOICE_PREFIX, Account, EmulatorConfig, ReceivedRequest
from .errors import ErrorCode, ServiceError, access_denied, grant_not_found, invalid_request
from .framing import ClientRequest
from .ssml import SSML_WITH_MARKDOWN_FILTER, Part, SsmlRefusedError, parse_ssml, spoken_text

MAX_TEXT_BYTES: Final = 1024
MIN_SPEED_RATIO: Final = 0.1
MAX_SPEED_RATIO: Final = 2.0
DEFAULT_ENCODING: Final = "pcm"
SERVED_ENCODINGS: Final = frozenset({"mp3", "pcm", "wav"})
KNOWN_ENCODINGS: Final = SERVED_ENCODINGS | {"ogg_opus"}
OPERATIONS: Final = frozenset({"submit", "query"})

type Operation = Literal["submit", "query"]


@dataclass(frozen=True, slots=True)
class SynthesisJob:
    """A validated request: everything needed to render and send its audio."""

    reqid: str
    operation: Operation
    app_id: str
    voice: str
    text: str
    encoding: str
    sample_rate: int
    speed_ratio: float
    bitrate_kbps: int
    markdown_filter: bool = False
    """``request.extra_param.disable_markdown_filter`` (a JSON string): ``true`` filters."""
    ssml: tuple[Part, ...] | None = None
    """``text_type: "ssml"``: the document's spoken text and breaks (``text`` is the document)."""


def _section(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """Return a top-level JSON object of the request (empty when absent)."""
    section = payload.get(name, {})
    if not isinstance(section, dict):
        raise invalid_request(f"{name} must be an object")
    return section


def _text_field(section: dict[str, Any], key: str) -> str:
    value = section.get(key, "")
    return value if isinstance(value, str) else ""


def _lenient_section(payload: dict[str, Any], name: str) -> dict[str, Any]:
    section = payload.get(name)
    return section if isinstance(section, dict) else {}


def record(request: ClientRequest, headers: dict[str, str], token: str) -> ReceivedRequest:
    """Describe a decoded request for tests, whatever the shape of its JSON.

    Recording happens before validation, so tests also see the requests that were refused.
    """
    payload = request.payload
    app, audio, body = (_lenient_section(payload, name) for name in ("app", "audio", "request"))
    return ReceivedRequest(
        app_id=_text_field(app, "appid"),
        token=token,
        headers=headers,
        payload=payload,
        compressed=request.compressed,
        operation=_text_field(body, "operation"),
        voice=_text_field(audio, "voice_type"),
        text=_text_field(body, "text"),
    )


def _authenticate(app: dict[str, Any], token: str, config: EmulatorConfig) -> Account:
    """Find the account; ``app.token`` is a documented dummy, the header token counts."""
    account = config.accounts.get(_text_field(app, "appid"))
    if account is None or not token or account.token != token:
        raise grant_not_found()
    return account


def _reqid_and_operation(body: dict[str, Any]) -> tuple[str, Operation]:
    reqid = _text_field(body, "reqid")
    if not reqid:
        raise invalid_request("request.reqid is required")
    operation = _text_field(body, "operation")
    if operation == "submit":
        return reqid, "submit"
    if operation == "query":
        return reqid, "query"
    raise invalid_request(f"request.operation must be submit or query, not {operation!r}")


def _number(audio: dict[str, Any], key: str, default: float) -> float:
    value = audio.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_request(f"audio.{key} must be a number")
    return float(value)


def _encoding(audio: dict[str, Any]) -> str:
    encoding = audio.get("encoding", DEFAULT_ENCODING)
    if encoding not in KNOWN_ENCODINGS:
        raise invalid_request(f"unknown audio.encoding {encoding!r}")
    if encoding not in SERVED_ENCODINGS:
        raise invalid_request(f"unsupported encoding {encoding!r} in this emulator")
    return str(encoding)


def _sample_rate(audio: dict[str, Any]) -> int:
    rate = _number(audio, "rate", DEFAULT_SAMPLE_RATE)
    if rate not in SUPPORTED_SAMPLE_RATES:
        raise invalid_request(f"unsupported audio.rate {rate:g}")
    return int(rate)


def _speed_ratio(audio: dict[str, Any]) -> float:
    speed = _number(audio, "speed_ratio", 1.0)
    if not MIN_SPEED_RATIO <= speed <= MAX_SPEED_RATIO:
        raise invalid_request(
            f"audio.speed_ratio {speed:g} outside [{MIN_SPEED_RATIO:g}, {MAX_SPEED_RATIO:g}]"
        )
    return speed


def _bitrate(audio: dict[str, Any]) -> int:
    bitrate = _number(audio, "bitrate", DEFAULT_BITRATE_KBPS)
    if bitrate <= 0:
        raise invalid_request("audio.bitrate must be positive")
    return int(bitrate)


def _check_voice(
    voice: str, cluster: str, reqid: str, account: Account, config: EmulatorConfig
) -> None:
    """Reject unknown voices (3050) and voices the account has not bought (3001)."""
    if not voice:
        raise invalid_request("audio.voice_type is required")
    cloned = voice.startswith(CLONE_VOICE_PREFIX) and cluster in CLONE_CLUSTERS
    if not cloned and voice not in config.voices:
        raise ServiceError(ErrorCode.VOICE_NOT_FOUND, f"voice_type not exist: {voice}")
    if account.granted_voices is not None and voice not in account.granted_voices:
        raise access_denied(reqid)


def _markdown_filter(body: dict[str, Any]) -> bool:
    """Read ``extra_param``, documented as a JSON *string*; anything else is ignored."""
    raw = body.get("extra_param")
    try:
        extra = json.loads(raw) if isinstance(raw, str) and raw else {}
    except json.JSONDecodeError:
        return False
    return isinstance(extra, dict) and extra.get("disable_markdown_filter") is True


def _check_text(text: str, *, markdown_filter: bool) -> None:
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise ServiceError(
            ErrorCode.TEXT_TOO_LONG, f"text too long: {size} bytes exceeds {MAX_TEXT_BYTES}"
        )
    if not has_speech(text, markdown_filter=markdown_filter):
        raise ServiceError(ErrorCode.ILLEGAL_TEXT, "illegal input text!")


def _ssml(body: dict[str, Any], *, markdown_filter: bool) -> tuple[Part, ...] | None:
    """Parse the text as SSML when ``text_type`` says so ("plain" by default)."""
    text_type = body.get("text_type", "plain")
    if text_type == "plain":
        return None
    if text_type != "ssml":
        raise invalid_request(f"request.text_type must be plain or ssml, not {text_type!r}")
    if markdown_filter:
        raise invalid_request(SSML_WITH_MARKDOWN_FILTER)
    try:
        return parse_ssml(_text_field(body, "text"))
    except SsmlRefusedError as err:
        raise invalid_request(str(err)) from err


def validate(payload: dict[str, Any], token: str, config: EmulatorConfig) -> SynthesisJob:
    """Turn request JSON into a job, or raise the ``ServiceError`` the service would send."""
    app, audio, body = (_section(payload, name) for name in ("app", "audio", "request"))
    account = _authenticate(app, token, config)
    reqid, operation = _reqid_and_operation(body)
    cluster = _text_field(app, "cluster")
    if cluster not in account.clusters:
        raise access_denied(reqid)
    job = SynthesisJob(
        reqid=reqid,
        operation=operation,
        app_id=account.app_id,
        voice=_text_field(audio, "voice_type"),
        text=_text_field(body, "text"),
        encoding=_encoding(audio),
        sample_rate=_sample_rate(audio),
        speed_ratio=_speed_ratio(audio),
        bitrate_kbps=_bitrate(audio),
        markdown_filter=_markdown_filter(body),
    )
    _check_voice(job.voice, cluster, reqid, account, config)
    ssml = _ssml(body, markdown_filter=job.markdown_filter)
    _check_text(job.text, markdown_filter=job.markdown_filter)
    if ssml is None:
        return job
    if not has_speech(spoken_text(ssml)):
        raise ServiceError(ErrorCode.ILLEGAL_TEXT, "illegal input text!")
    return replace(job, ssml=ssml)
