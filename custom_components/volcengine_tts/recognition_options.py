"""Speech-to-text options: what the options flow offers and how they reach the engine.

Kept apart from the TTS options (``options.py``) so the two capabilities can change
independently; the options flow shows these in a section of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
from homeassistant.util.ssl import get_default_context

from .const import (
    CONF_ENDPOINT,
    CONF_MAX_CONCURRENCY,
    DEFAULT_MAX_CONCURRENCY,
    DOMAIN,
)
from .languages import normalize_language
from .validation import vol
from .volcengine import (
    DEFAULT_ENDPOINT,
    DEFAULT_RECOGNITION_RESOURCE_ID,
    RECOGNITION_RESOURCE_IDS,
    RecognitionConfig,
    RecognitionEngine,
    RecognitionSettings,
    ServiceCredentials,
)

CONF_STT_ENABLED: Final = "stt_enabled"
CONF_STT_RESOURCE_ID: Final = "stt_resource_id"
CONF_STT_PUNCTUATION: Final = "stt_punctuation"
CONF_STT_ITN: Final = "stt_itn"
CONF_STT_HOT_WORDS: Final = "stt_hot_words"
STT_SECTION: Final = "speech_to_text"

STT_DEFAULTS: Final[Mapping[str, Any]] = {
    CONF_STT_ENABLED: True,
    CONF_STT_RESOURCE_ID: DEFAULT_RECOGNITION_RESOURCE_ID,
    CONF_STT_PUNCTUATION: True,
    CONF_STT_ITN: True,
    CONF_STT_HOT_WORDS: [],
}

STT_LANGUAGES: Final[list[str]] = ["zh-CN", "zh-TW", "zh-HK", "en-US", "en-GB"]
"""What the streaming endpoint recognises without being told the language: Mandarin and
English mixed, and Cantonese (zh-HK); zh-TW and zh-HK also get Traditional characters."""

MAX_HOT_WORDS: Final = 100
"""The documentation allows about 100 tokens of hot words on the streaming endpoints."""


def stt_schema() -> vol.Schema:
    """Build the options flow's speech-to-text fields."""
    return vol.Schema(
        {
            vol.Required(CONF_STT_ENABLED): BooleanSelector(),
            vol.Required(CONF_STT_RESOURCE_ID): SelectSelector(
                SelectSelectorConfig(
                    options=list(RECOGNITION_RESOURCE_IDS),
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_STT_PUNCTUATION): BooleanSelector(),
            vol.Required(CONF_STT_ITN): BooleanSelector(),
            vol.Optional(CONF_STT_HOT_WORDS): TextSelector(TextSelectorConfig(multiple=True)),
        }
    )


def stt_section() -> section:
    """Wrap the fields in a folded section: they are rarely changed."""
    return section(stt_schema(), {"collapsed": True})


def clean_stt_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise the section's values (strip, de-duplicate, cap the hot words)."""
    hot_words = list(
        dict.fromkeys(word.strip() for word in values.get(CONF_STT_HOT_WORDS, []) if word.strip())
    )
    return {
        CONF_STT_ENABLED: bool(values.get(CONF_STT_ENABLED, True)),
        CONF_STT_RESOURCE_ID: str(
            values.get(CONF_STT_RESOURCE_ID) or DEFAULT_RECOGNITION_RESOURCE_ID
        ).strip(),
        CONF_STT_PUNCTUATION: bool(values.get(CONF_STT_PUNCTUATION, True)),
        CONF_STT_ITN: bool(values.get(CONF_STT_ITN, True)),
        CONF_STT_HOT_WORDS: hot_words[:MAX_HOT_WORDS],
    }


def stt_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the entry's speech-to-text options, defaults filled in."""
    return {**STT_DEFAULTS, **options.get(STT_SECTION, {})}


def stt_enabled(options: Mapping[str, Any]) -> bool:
    """Whether the entry offers speech-to-text (on unless turned off)."""
    return bool(stt_options(options)[CONF_STT_ENABLED])


def create_recognizer(
    login: ServiceCredentials, data: Mapping[str, Any], options: Mapping[str, Any]
) -> RecognitionEngine | None:
    """Build the recognition engine, or ``None`` when speech-to-text is turned off.

    Same credentials and endpoint as synthesis; the account's concurrency setting
    bounds recognition sessions too.
    """
    if not stt_enabled(options):
        return None
    config = RecognitionConfig(
        endpoint=data.get(CONF_ENDPOINT, DEFAULT_ENDPOINT),
        resource_id=stt_options(options)[CONF_STT_RESOURCE_ID],
        max_concurrency=int(options.get(CONF_MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY)),
    )
    return RecognitionEngine(
        login,
        config,
        ssl_context=get_default_context(),
    )


@callback
def async_remove_stt_entity(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the STT entity of an entry that turned speech-to-text off.

    Left in the registry it would linger as "unavailable" in every STT picker.
    """
    registry = er.async_get(hass)
    if entity_id := registry.async_get_entity_id("stt", DOMAIN, f"{entry_id}_stt"):
        registry.async_remove(entity_id)


def recognition_settings(options: Mapping[str, Any], language: str) -> RecognitionSettings:
    """Turn the entry's options and the request's language into engine settings."""
    current = stt_options(options)
    return RecognitionSettings(
        language=normalize_language(language) or None,
        punctuation=bool(current[CONF_STT_PUNCTUATION]),
        itn=bool(current[CONF_STT_ITN]),
        hot_words=tuple(current[CONF_STT_HOT_WORDS]),
    )
