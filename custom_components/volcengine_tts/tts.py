"""The text-to-speech entity: Home Assistant's requests in, MP3 out."""

from __future__ import annotations

from typing import Any

from homeassistant.components.tts import (
    ATTR_VOICE,
    TextToSpeechEntity,
    TtsAudioType,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import VolcengineConfigEntry
from .const import CONF_VOICE, DEFAULT_LANGUAGE, DEFAULT_VOICE, DOMAIN, SUPPORTED_LANGUAGES
from .errors import to_home_assistant_error
from .volcengine import AudioEncoding, AuthenticationError, SynthesisRequest, VolcengineError

PARALLEL_UPDATES = 0
"""Synthesis calls are not polled updates; concurrency is the engine's business."""


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VolcengineConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the TTS entity of a config entry."""
    async_add_entities([VolcengineTTSEntity(entry)])


class VolcengineTTSEntity(TextToSpeechEntity):
    """Speak through Volcengine."""

    _attr_has_entity_name = True
    _attr_translation_key = "speech"
    _attr_supported_languages = SUPPORTED_LANGUAGES

    def __init__(self, entry: VolcengineConfigEntry) -> None:
        self._entry = entry
        self._client = entry.runtime_data.client
        self._attr_unique_id = entry.entry_id
        self._attr_default_language = DEFAULT_LANGUAGE
        self._attr_supported_options = [ATTR_VOICE]
        # Defaults live in default_options so they are part of Home Assistant's
        # cache key: changing the default voice must not replay old audio.
        self._attr_default_options = {
            ATTR_VOICE: entry.options.get(CONF_VOICE, DEFAULT_VOICE),
        }
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="Volcengine (ByteDance)",
            model="Doubao speech synthesis",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """Synthesize ``message``; raise on any failure, never return partial audio."""
        request = SynthesisRequest(
            text=message,
            voice=options[ATTR_VOICE],
            encoding=AudioEncoding.MP3,
        )
        try:
            audio = await self._client.synthesize(request)
        except AuthenticationError as err:
            self._entry.async_start_reauth(self.hass)
            raise to_home_assistant_error(err) from err
        except VolcengineError as err:
            raise to_home_assistant_error(err) from err
        return "mp3", audio
