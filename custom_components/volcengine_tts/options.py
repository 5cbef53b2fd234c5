"""TTS options: per-call values and entry defaults, validated, mapped to the engine.

Every default is in the entity's ``default_options`` (built by
:func:`default_options`), so Home Assistant's cache key changes when a
default changes — peers shipped "I changed the voice but hear the old one".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components import tts
from homeassistant.components.tts import (
    ATTR_PREFERRED_FORMAT,
    ATTR_PREFERRED_SAMPLE_BYTES,
    ATTR_PREFERRED_SAMPLE_CHANNELS,
    ATTR_PREFERRED_SAMPLE_RATE,
    ATTR_VOICE,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .audio_output import Container, OutputFormat
from .const import DEFAULT_VOICE, DOMAIN
from .served_format import (
    SERVICE_SAMPLE_RATES,
    Defaults,
    Preferences,
    Release,
    plan_delivery,
    running_release,
)
from .validation import vol
from .volcengine import VoiceSettings

ATTR_SPEED: Final = "speed"
ATTR_VOLUME: Final = "volume"
ATTR_PITCH: Final = "pitch"
ATTR_EMOTION: Final = "emotion"
ATTR_EMOTION_SCALE: Final = "emotion_scale"
ATTR_FORMAT: Final = "format"
ATTR_SAMPLE_RATE: Final = "sample_rate"
ATTR_BITRATE: Final = "bitrate"
ATTR_EXPLICIT_LANGUAGE: Final = "explicit_language"
ATTR_CONTEXT_TEXTS: Final = "context_texts"
ATTR_FILTER_MARKDOWN: Final = "filter_markdown"
"""Speak what a screen shows, not Markdown, link targets and emoji (``false``: verbatim)."""
ATTR_RESOURCE_ID: Final = "resource_id"
"""A cloned voice preset's v3 resource (``seed-icl-2.0``); a default, never a call option."""

FORMATS: Final = ("mp3", "ogg_opus", "wav", "flac")
"""Formats served by default (raw PCM has no container; FLAC is encoded in-process)."""
SAMPLE_RATES: Final = SERVICE_SAMPLE_RATES
EXPLICIT_LANGUAGES: Final = ("crosslingual", "zh-cn", "en", "ja", "es-mx", "id", "pt-br")
SPEED_RANGE: Final = (0.5, 2.0)
VOLUME_RANGE: Final = (0.5, 2.0)
PITCH_RANGE: Final = (-12, 12)
EMOTION_SCALE_RANGE: Final = (1, 5)
BITRATE_RANGE: Final = (8, 320)

DEFAULTS: Final[dict[str, Any]] = {
    ATTR_SPEED: 1.0,
    ATTR_VOLUME: 1.0,
    ATTR_PITCH: 0,
    ATTR_EMOTION_SCALE: 4,
    ATTR_SAMPLE_RATE: 24000,
    ATTR_FILTER_MARKDOWN: True,
}
DEFAULT_FORMAT: Final = "mp3"

PREFERRED_BITRATE: Final[str | None] = getattr(tts, "ATTR_PREFERRED_BITRATE", None)
"""Home Assistant's constant-bitrate MP3 option, on the releases that have it (2026.9+)."""
PREFERRED_OPTIONS: Final = tuple(
    option
    for option in (
        ATTR_PREFERRED_FORMAT,
        ATTR_PREFERRED_SAMPLE_RATE,
        ATTR_PREFERRED_SAMPLE_CHANNELS,
        ATTR_PREFERRED_SAMPLE_BYTES,
        PREFERRED_BITRATE,
    )
    if option is not None
)
"""Every ``preferred_*`` option, declared so the entity sees them: then Home Assistant
2026.11 converts nothing, and earlier releases are handed their fastest input."""
SUPPORTED_OPTIONS: Final = [
    ATTR_VOICE,
    ATTR_SPEED,
    ATTR_VOLUME,
    ATTR_PITCH,
    ATTR_EMOTION,
    ATTR_EMOTION_SCALE,
    ATTR_SAMPLE_RATE,
    ATTR_BITRATE,
    ATTR_EXPLICIT_LANGUAGE,
    ATTR_CONTEXT_TEXTS,
    ATTR_FILTER_MARKDOWN,
    *PREFERRED_OPTIONS,
]

_CONTAINERS: Final = {
    "mp3": Container.MP3,
    "ogg_opus": Container.OGG,
    "wav": Container.WAV,  # Volcengine's PCM behind a header we add
    "flac": Container.FLAC,  # Volcengine's PCM encoded in-process
}
FORMAT_EXTENSIONS: Final = {name: container.value for name, container in _CONTAINERS.items()}


def _ranged(kind: type, bounds: tuple[float, float]) -> Callable[[Any], Any]:
    return vol.All(vol.Coerce(kind), vol.Range(min=bounds[0], max=bounds[1]))


def _context_texts(value: object) -> list[str]:
    """Accept one hint or a list of hints."""
    if isinstance(value, str):
        return [value]
    return [cv.string(item) for item in cv.ensure_list(value)]


_PREFERRED_NUMBERS: Final[dict[vol.Optional, Callable[[Any], Any]]] = {
    vol.Optional(option): vol.Any(None, _ranged(int, (1, 1_000_000)))
    for option in PREFERRED_OPTIONS[1:]
}
OPTIONS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_VOICE): cv.string,
        vol.Optional(ATTR_SPEED, default=DEFAULTS[ATTR_SPEED]): _ranged(float, SPEED_RANGE),
        vol.Optional(ATTR_VOLUME, default=DEFAULTS[ATTR_VOLUME]): _ranged(float, VOLUME_RANGE),
        vol.Optional(ATTR_PITCH, default=DEFAULTS[ATTR_PITCH]): _ranged(int, PITCH_RANGE),
        vol.Optional(ATTR_EMOTION): vol.Any(None, cv.string),
        vol.Optional(ATTR_EMOTION_SCALE, default=DEFAULTS[ATTR_EMOTION_SCALE]): _ranged(
            int, EMOTION_SCALE_RANGE
        ),
        vol.Optional(ATTR_SAMPLE_RATE, default=DEFAULTS[ATTR_SAMPLE_RATE]): vol.All(
            vol.Coerce(int), vol.In(SAMPLE_RATES)
        ),
        vol.Optional(ATTR_BITRATE): vol.Any(None, _ranged(int, BITRATE_RANGE)),
        vol.Optional(ATTR_EXPLICIT_LANGUAGE): vol.Any(None, vol.In(EXPLICIT_LANGUAGES)),
        vol.Optional(ATTR_CONTEXT_TEXTS): vol.Any(None, _context_texts),
        vol.Optional(ATTR_FILTER_MARKDOWN, default=DEFAULTS[ATTR_FILTER_MARKDOWN]): cv.boolean,
        vol.Optional(ATTR_PREFERRED_FORMAT): cv.string,
        vol.Optional(ATTR_RESOURCE_ID): vol.Any(None, cv.string),
    },
    extra=vol.ALLOW_EXTRA,
).extend(_PREFERRED_NUMBERS)

_ALLOWED: Final[dict[str, str]] = {
    ATTR_SPEED: f"{SPEED_RANGE[0]}–{SPEED_RANGE[1]}",
    ATTR_VOLUME: f"{VOLUME_RANGE[0]}–{VOLUME_RANGE[1]}",
    ATTR_PITCH: f"{PITCH_RANGE[0]}–{PITCH_RANGE[1]}",
    ATTR_EMOTION_SCALE: f"{EMOTION_SCALE_RANGE[0]}–{EMOTION_SCALE_RANGE[1]}",
    ATTR_SAMPLE_RATE: ", ".join(str(rate) for rate in SAMPLE_RATES),
    ATTR_BITRATE: f"{BITRATE_RANGE[0]}–{BITRATE_RANGE[1]} kbps",
    ATTR_EXPLICIT_LANGUAGE: ", ".join(EXPLICIT_LANGUAGES),
    ATTR_CONTEXT_TEXTS: "a text or a list of texts",
    ATTR_FILTER_MARKDOWN: "true or false",
    ATTR_VOICE: "a voice id",
    **dict.fromkeys(PREFERRED_OPTIONS[1:], "a positive whole number"),
}


@dataclass(frozen=True, slots=True)
class AudioRequest:
    """What the engine should produce and what the entity makes of it for HA."""

    settings: VoiceSettings
    output: OutputFormat

    @property
    def extension(self) -> str:
        """The file extension Home Assistant is told."""
        return self.output.container.value


ENTRY_WIDE: Final = (ATTR_FILTER_MARKDOWN,)
"""Options a voice preset does not set itself: it follows the entry's."""


def preset_options(entry_options: Mapping[str, Any], preset: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a voice preset's settings over the entry-wide options it follows."""
    return {
        **{key: entry_options[key] for key in ENTRY_WIDE if key in entry_options},
        **preset,
    }


def default_options(entry_options: Mapping[str, Any]) -> dict[str, Any]:
    """Build the entity's default_options: every default, so each is in the cache key.

    The configured format becomes the default ``preferred_format``: Home
    Assistant decides the served format from that option alone (converting
    with ffmpeg otherwise), so this is how a default format is served natively.
    """
    defaults = {
        ATTR_VOICE: entry_options.get("voice", DEFAULT_VOICE),
        ATTR_PREFERRED_FORMAT: FORMAT_EXTENSIONS[entry_options.get(ATTR_FORMAT, DEFAULT_FORMAT)],
    }
    for key, value in DEFAULTS.items():
        defaults[key] = entry_options.get(key, value)
    for key in (
        ATTR_EMOTION,
        ATTR_BITRATE,
        ATTR_EXPLICIT_LANGUAGE,
        ATTR_CONTEXT_TEXTS,
        ATTR_RESOURCE_ID,
    ):
        if entry_options.get(key):
            defaults[key] = entry_options[key]
    return defaults


def audio_request(
    options: Mapping[str, Any],
    *,
    voice_emotions: tuple[str, ...] | None = None,
    bidirection: bool = True,
    takes_ssml: bool = True,
    release: Release | None = None,
) -> AudioRequest:
    """Validate merged options and turn them into engine settings and an output format.

    ``voice_emotions`` lists what the chosen voice supports (``None`` when
    unknown, e.g. a custom voice: then any emotion is passed on);
    ``bidirection`` and ``takes_ssml`` are the catalogue's facts about the voice. ``release``
    is the running Home Assistant's unless given.
    """
    try:
        valid = OPTIONS_SCHEMA(dict(options))
    except vol.Invalid as err:
        option = str(err.path[0]) if err.path else "options"
        raise _invalid(option, _ALLOWED.get(option, str(err.msg))) from err
    emotion = valid.get(ATTR_EMOTION) or None
    if emotion and voice_emotions is not None and emotion not in voice_emotions:
        allowed = ", ".join(voice_emotions) or "none (this voice has no emotions)"
        raise _invalid(ATTR_EMOTION, allowed)
    delivery = plan_delivery(
        Preferences(
            format=valid.get(ATTR_PREFERRED_FORMAT),
            sample_rate=valid.get(ATTR_PREFERRED_SAMPLE_RATE),
            channels=valid.get(ATTR_PREFERRED_SAMPLE_CHANNELS),
            sample_bytes=valid.get(ATTR_PREFERRED_SAMPLE_BYTES),
            bitrate=valid.get(PREFERRED_BITRATE) if PREFERRED_BITRATE else None,
        ),
        Defaults(
            container=_CONTAINERS[DEFAULT_FORMAT],
            sample_rate=valid[ATTR_SAMPLE_RATE],
            bitrate=valid.get(ATTR_BITRATE),
        ),
        release or running_release(),
    )
    settings = VoiceSettings(
        voice=valid[ATTR_VOICE],
        encoding=delivery.encoding,
        sample_rate=delivery.sample_rate,
        speed_ratio=valid[ATTR_SPEED],
        volume_ratio=valid[ATTR_VOLUME],
        pitch=valid[ATTR_PITCH],
        bitrate_kbps=delivery.bitrate,
        emotion=emotion,
        emotion_scale=valid[ATTR_EMOTION_SCALE] if emotion else None,
        explicit_language=valid.get(ATTR_EXPLICIT_LANGUAGE),
        context_texts=tuple(valid.get(ATTR_CONTEXT_TEXTS) or ()),
        filter_markdown=valid[ATTR_FILTER_MARKDOWN],
        resource_id=valid.get(ATTR_RESOURCE_ID) or None,
        bidirection=bidirection,
        takes_ssml=takes_ssml,
    )
    return AudioRequest(settings, delivery.output)


def _invalid(option: str, allowed: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="invalid_option",
        translation_placeholders={"option": option, "allowed": allowed},
    )
