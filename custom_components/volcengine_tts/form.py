"""Form fields for choosing how to speak: voices by name, prosody sliders, formats.

The options flow and the voice presets' forms share these; the checks on a
voice's emotion and context hint live here too, so every form answers alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import CONF_VOICE
from .options import (
    ATTR_EMOTION,
    ATTR_EMOTION_SCALE,
    ATTR_FORMAT,
    ATTR_PITCH,
    ATTR_SAMPLE_RATE,
    ATTR_SPEED,
    ATTR_VOLUME,
    EMOTION_SCALE_RANGE,
    FORMATS,
    PITCH_RANGE,
    SAMPLE_RATES,
    SPEED_RANGE,
    VOLUME_RANGE,
)
from .validation import vol
from .voices import custom_voice, display_name, load_catalogue, voice_by_id

CONTEXT_GENERATION: Final = "2.0"
"""Only 2.0 voices take a context hint (``additions.context_texts``)."""


def voice_fields(language: str, custom: list[str]) -> dict[vol.Marker, Any]:
    """Build the fields of how to speak: the voice, prosody, emotion, format and rate."""
    return {
        vol.Required(CONF_VOICE): voice_selector(language, custom),
        vol.Required(ATTR_SPEED): number_selector(*SPEED_RANGE, 0.05),
        vol.Required(ATTR_VOLUME): number_selector(*VOLUME_RANGE, 0.05),
        vol.Required(ATTR_PITCH): number_selector(*PITCH_RANGE, 1),
        vol.Optional(ATTR_EMOTION): emotion_selector(),
        vol.Required(ATTR_EMOTION_SCALE): number_selector(*EMOTION_SCALE_RANGE, 1),
        vol.Required(ATTR_FORMAT): format_selector(),
        vol.Required(ATTR_SAMPLE_RATE): sample_rate_selector(),
    }


def voice_values(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Read what :func:`voice_fields` asked for, typed and trimmed (emotion when set)."""
    values: dict[str, Any] = {
        CONF_VOICE: str(user_input[CONF_VOICE]).strip(),
        ATTR_SPEED: float(user_input[ATTR_SPEED]),
        ATTR_VOLUME: float(user_input[ATTR_VOLUME]),
        ATTR_PITCH: int(user_input[ATTR_PITCH]),
        ATTR_EMOTION_SCALE: int(user_input[ATTR_EMOTION_SCALE]),
        ATTR_FORMAT: user_input[ATTR_FORMAT],
        ATTR_SAMPLE_RATE: int(user_input[ATTR_SAMPLE_RATE]),
    }
    if emotion := str(user_input.get(ATTR_EMOTION) or "").strip():
        values[ATTR_EMOTION] = emotion
    return values


def number_selector(low: float, high: float, step: float, *, slider: bool = True) -> NumberSelector:
    """Build a number field: a slider for prosody, a box for counts."""
    mode = NumberSelectorMode.SLIDER if slider else NumberSelectorMode.BOX
    return NumberSelector(NumberSelectorConfig(min=low, max=high, step=step, mode=mode))


def voice_selector(language: str, custom: list[str]) -> SelectSelector:
    """Build a dropdown of voice names (custom voices last) that accepts any id typed in."""
    voices = [*load_catalogue().voices, *(custom_voice(voice_id) for voice_id in custom)]
    return SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=voice.voice_id, label=display_name(voice, language))
                for voice in voices
            ],
            custom_value=True,
            mode=SelectSelectorMode.DROPDOWN,
        )
    )


def emotion_selector() -> SelectSelector:
    """Build a dropdown of every emotion some voice documents (any value may be typed)."""
    emotions = sorted({emotion for voice in load_catalogue().voices for emotion in voice.emotions})
    return SelectSelector(
        SelectSelectorConfig(options=emotions, custom_value=True, mode=SelectSelectorMode.DROPDOWN)
    )


def format_selector() -> SelectSelector:
    """Build the audio-format choice (translated names)."""
    return SelectSelector(SelectSelectorConfig(options=list(FORMATS), translation_key="format"))


def sample_rate_selector() -> SelectSelector:
    """Build the sample-rate choice."""
    return SelectSelector(SelectSelectorConfig(options=[str(rate) for rate in SAMPLE_RATES]))


def voice_errors(voice_id: str, *, emotion: str | None, context: str | None) -> dict[str, str]:
    """Check an emotion and a context hint against the voice (unknown voices pass)."""
    errors: dict[str, str] = {}
    if not voice_id:
        return {"voice": "voice_required"}
    voice = voice_by_id(voice_id)
    if voice is None:
        return errors
    if emotion and emotion not in voice.emotions:
        errors["emotion"] = "emotion_not_supported"
    if context and voice.generation != CONTEXT_GENERATION:
        errors["context_texts"] = "context_needs_2_0_voice"
    return errors
