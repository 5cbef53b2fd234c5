"""The text-to-speech entity: Home Assistant's requests in, MP3 out."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Iterator
from contextlib import aclosing, contextmanager
from typing import Any

from homeassistant.components.tts import (
    ATTR_VOICE,
    TextToSpeechEntity,
    TTSAudioResponse,
    TtsAudioType,
)
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import VolcengineConfigEntry, default_settings
from .const import DEFAULT_LANGUAGE, DOMAIN, SUPPORTED_LANGUAGES
from .errors import to_home_assistant_error
from .volcengine import AuthenticationError, VoiceSettings, VolcengineError

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
    """Speak through Volcengine, streaming text in and audio out."""

    _attr_has_entity_name = True
    _attr_translation_key = "speech"
    _attr_supported_languages = SUPPORTED_LANGUAGES

    def __init__(self, entry: VolcengineConfigEntry) -> None:
        self._entry = entry
        self._engine = entry.runtime_data.engine
        self._attr_unique_id = entry.entry_id
        self._attr_default_language = DEFAULT_LANGUAGE
        self._attr_supported_options = [ATTR_VOICE]
        # Defaults live in default_options so they are part of Home Assistant's
        # cache key: changing the default voice must not replay old audio.
        self._attr_default_options = {ATTR_VOICE: default_settings(entry.options).voice}
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
        with self._translated_errors():
            audio = await self._engine.synthesize(message, self._settings(options))
        return "mp3", audio

    async def async_stream_tts_audio(self, request: TTSAudioRequest) -> TTSAudioResponse:
        """Speak text while it is still arriving (e.g. an LLM's reply in Assist)."""
        settings = self._settings(request.options)
        return TTSAudioResponse("mp3", self._stream(request.message_gen, settings))

    async def _stream(
        self, message: AsyncIterable[str], settings: VoiceSettings
    ) -> AsyncGenerator[bytes]:
        """Yield audio; any failure raises, so Home Assistant caches nothing partial."""
        with self._translated_errors():
            async with aclosing(self._engine.stream(message, settings)) as audio:
                async for chunk in audio:
                    yield chunk

    @staticmethod
    def _settings(options: dict[str, Any]) -> VoiceSettings:
        return VoiceSettings(voice=options[ATTR_VOICE])

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        """Raise Volcengine's errors as translated ones; ask for a new token when rejected."""
        try:
            yield
        except AuthenticationError as err:
            self._entry.async_start_reauth(self.hass)
            raise to_home_assistant_error(err) from err
        except VolcengineError as err:
            raise to_home_assistant_error(err) from err
