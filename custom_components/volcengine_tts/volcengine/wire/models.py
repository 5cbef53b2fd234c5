"""What callers hand the client: credentials and synthesis requests."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Final

DEFAULT_CLUSTER: Final = "volcano_tts"
DEFAULT_SAMPLE_RATE: Final = 24000
MAX_TEXT_BYTES: Final = 1024
"""v1 refuses texts longer than 1024 UTF-8 bytes (error 3010)."""

# v3 resource ids (X-Api-Resource-Id): a voice works only with its own generation's,
# and a cloned voice with the clone resources.
SEED_TTS_1: Final = "seed-tts-1.0"
SEED_TTS_1_CONCURRENT: Final = "seed-tts-1.0-concurr"
SEED_TTS_2: Final = "seed-tts-2.0"
SEED_ICL_1: Final = "seed-icl-1.0"
SEED_ICL_1_CONCURRENT: Final = "seed-icl-1.0-concurr"
SEED_ICL_2: Final = "seed-icl-2.0"
LEGACY_TTS_CHARACTERS: Final = "volc.service_type.10029"
LEGACY_TTS_CONCURRENT: Final = "volc.service_type.10048"
RESOURCE_IDS: Final = (
    SEED_TTS_2,
    SEED_TTS_1,
    SEED_TTS_1_CONCURRENT,
    SEED_ICL_1,
    SEED_ICL_1_CONCURRENT,
    SEED_ICL_2,
    LEGACY_TTS_CHARACTERS,
    LEGACY_TTS_CONCURRENT,
)


class AudioEncoding(StrEnum):
    """Audio formats Volcengine can produce."""

    MP3 = "mp3"
    PCM = "pcm"
    WAV = "wav"
    OGG_OPUS = "ogg_opus"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An app id and its access token, from the Volcengine console.

    The token is kept out of ``repr`` so it cannot end up in a log line or a
    traceback by accident.
    """

    app_id: str
    access_token: str = field(repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written to a log."""
        return tuple(value for value in (self.access_token, self.app_id) if value)


@dataclass(frozen=True, slots=True)
class ApiKeyCredentials:
    """The single API key of Volcengine's newer speech console.

    It replaces the app id + access token pair on the v3 APIs (sent as
    ``X-Api-Key``); v1 documents no way to use it. Kept out of ``repr``
    like the token.
    """

    api_key: str = field(repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written to a log."""
        return (self.api_key,) if self.api_key else ()


# Either way of logging in; the v3 client takes both, the v1 client only ``Credentials``.
type ServiceCredentials = Credentials | ApiKeyCredentials


APP_KEY_HEADER: Final = "X-Api-App-Key"
"""Where the bidirectional pages put the app id of the old console's login."""


def auth_headers(
    credentials: ServiceCredentials, *, app_id_header: str = APP_KEY_HEADER
) -> dict[str, str]:
    """Log in the v3 way: the new console's API key, or the app id + access token pair.

    The pages disagree on the app id's header name (``app_id_header``): the
    bidirectional API's says ``X-Api-App-Key``, the unidirectional API's ``X-Api-App-Id``.
    """
    match credentials:
        case ApiKeyCredentials(api_key=api_key):
            return {"X-Api-Key": api_key}
        case Credentials(app_id=app_id, access_token=token):
            return {app_id_header: app_id, "X-Api-Access-Key": token}


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceSettings:
    """How to speak: voice, prosody and audio format, independent of the text.

    Frozen and hashable, so a warm v3 session started with one set of
    settings can be matched against the next request's.
    """

    voice: str
    encoding: AudioEncoding = AudioEncoding.MP3
    sample_rate: int = DEFAULT_SAMPLE_RATE
    speed_ratio: float = 1.0
    """0.5–2.0 (v1 speed_ratio; v3 speech_rate -50–100)."""
    volume_ratio: float = 1.0
    """0.5–2.0 (v1 loudness_ratio; v3 loudness_rate -50–100)."""
    pitch: int = 0
    """Semitones, -12–12; v3 only (additions.post_process.pitch)."""
    bitrate_kbps: int | None = None
    emotion: str | None = None
    emotion_scale: int | None = None
    """1–5, how strongly the emotion shows (the service's default is 4)."""
    explicit_language: str | None = None
    context_texts: tuple[str, ...] = ()
    """Hints for 2.0 voices ("say it slowly"); v3 only, not billed."""
    filter_markdown: bool = True
    """Speak what a screen would show, not its Markdown, link targets and emoji:
    the service's own filter is switched on and the engine strips the rest."""
    resource_id: str | None = None
    """v3 resource id this voice needs (a cloned voice's ``seed-icl-2.0``); ``None``
    leaves it to the engine's configuration or the voice's generation."""
    bidirection: bool = True
    """Whether the v3 bidirectional API speaks this voice (the catalogue says; a few
    1.0 voices do not): when not, v3 requests take the unidirectional API."""
    takes_ssml: bool = True
    """Whether the voice takes SSML (the catalogue says; 2.0 voices do not): an SSML
    message for a voice that does not is refused before anything is sent."""

    def with_text(self, text: str, *, ssml: bool = False) -> SynthesisRequest:
        """Combine these settings with a text (or an SSML document) into a one-shot request."""
        return SynthesisRequest(
            text=text,
            ssml=ssml,
            **{field.name: getattr(self, field.name) for field in fields(VoiceSettings)},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SynthesisRequest(VoiceSettings):
    """One text to speak and how to speak it."""

    text: str
    ssml: bool = False
    """``text`` is an SSML document (``<speak>…</speak>``), not text to read."""
