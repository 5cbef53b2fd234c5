"""The text-to-speech entity: Home Assistant's requests in, the audio each speaker asked for out."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Iterator
from contextlib import aclosing, contextmanager
from typing import Any

from homeassistant.components.tts import (
    ATTR_VOICE,
    TextToSpeechEntity,
    TTSAudioResponse,
    TtsAudioType,
    Voice,
)
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import VolcengineConfigEntry, report_problem
from .audio_output import AudioShaper, shaper_for
from .const import (
    CONF_CUSTOM_VOICES,
    DEFAULT_LANGUAGE,
    SUBENTRY_CLONE,
    SUBENTRY_VOICE,
    SUPPORTED_LANGUAGES,
)
from .entity import entry_device, preset_device
from .errors import to_home_assistant_error
from .issues import async_clear_fixed_by_success
from .languages import best_supported
from .options import (
    SUPPORTED_OPTIONS,
    AudioRequest,
    audio_request,
    default_options,
    preset_options,
)
from .voices import (
    custom_voice,
    display_name,
    speaks_bidirectionally,
    takes_ssml,
    voice_by_id,
    voices_for_language,
)
from .volcengine import AuthenticationError, VolcengineError

PARALLEL_UPDATES = 0
"""Synthesis calls are not polled updates; concurrency is the engine's business."""


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VolcengineConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's TTS entity, and one per voice preset or cloned voice (own device each)."""
    async_add_entities([VolcengineTTSEntity(entry)])
    for preset in entry.subentries.values():
        if preset.subentry_type in (SUBENTRY_VOICE, SUBENTRY_CLONE):
            async_add_entities(
                [VolcengineTTSEntity(entry, preset)], config_subentry_id=preset.subentry_id
            )


class VolcengineTTSEntity(TextToSpeechEntity):
    """Speak through Volcengine, streaming text in and audio out."""

    _attr_has_entity_name = True
    _attr_translation_key = "speech"
    _attr_supported_languages = SUPPORTED_LANGUAGES

    def __init__(self, entry: VolcengineConfigEntry, preset: ConfigSubentry | None = None) -> None:
        """Speak with the entry's defaults, or with a voice preset's.

        A preset shares the entry's engine, so its connection pool and
        concurrency limit.
        """
        self._entry = entry
        self._engine = entry.runtime_data.engine
        self._attr_supported_options = SUPPORTED_OPTIONS
        # Defaults live in default_options so they are part of Home Assistant's
        # cache key: changing the default voice must not replay old audio.
        if preset is None:
            self._attr_unique_id = entry.entry_id
            self._attr_default_options = default_options(entry.options)
            self._attr_device_info = entry_device(entry)
        else:
            self._attr_unique_id = preset.subentry_id
            self._attr_default_options = default_options(preset_options(entry.options, preset.data))
            # Named after the preset alone ("Bedroom", tts.bedroom): Home Assistant's
            # TTS needs an entity name of its own and the media browser lists engines
            # by it, so the device name cannot stand in (None) nor be repeated.
            self._attr_has_entity_name = False
            self._attr_name = preset.title
            self._attr_device_info = preset_device(preset)

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """Synthesize ``message``; raise on any failure, never return partial audio."""
        request = self._audio_request(options)
        async with aclosing(self._stream(message, request)) as audio:
            return request.extension, b"".join([chunk async for chunk in audio])

    async def async_stream_tts_audio(self, request: TTSAudioRequest) -> TTSAudioResponse:
        """Speak text while it is still arriving (e.g. an LLM's reply in Assist)."""
        audio = self._audio_request(request.options)
        return TTSAudioResponse(audio.extension, self._stream(request.message_gen, audio))

    async def _stream(
        self, message: str | AsyncIterable[str], request: AudioRequest
    ) -> AsyncGenerator[bytes]:
        """Yield audio; any failure raises, so Home Assistant caches nothing partial.

        Each chunk is shaped as it arrives (a header travels with the first
        audio, never alone: a failure before any audio must leave Home
        Assistant with no bytes at all). The shaping runs on the event loop:
        it costs about 0.1 ms per 100 ms of 48 kHz audio, FLAC included.
        """
        shaper: AudioShaper = shaper_for(request.output)
        try:
            with self._translated_errors(request.settings.voice):
                async with aclosing(self._engine.stream(message, request.settings)) as audio:
                    async for chunk in audio:
                        if shaped := shaper.feed(chunk):
                            yield shaped
            if tail := shaper.finish():
                yield tail
        finally:
            shaper.close()

    @property
    def default_language(self) -> str:
        """Home Assistant's own language when Volcengine speaks it, else Chinese."""
        if self.hass is not None:
            configured = best_supported(self.hass.config.language, self.hass.config.country)
            if configured is not None:
                return configured
        return DEFAULT_LANGUAGE

    @callback
    def async_get_supported_voices(self, language: str) -> list[Voice]:
        """Voices for ``language`` by name, the default voice first, custom voices last."""
        voices = voices_for_language(language)
        listed = {voice.voice_id for voice in voices}
        voices += [
            custom_voice(voice_id) for voice_id in self._custom_voices() if voice_id not in listed
        ]
        default = self.default_options[ATTR_VOICE] if self.default_options else None
        voices.sort(key=lambda voice: voice.voice_id != default)
        return [Voice(voice.voice_id, display_name(voice, language)) for voice in voices]

    def _custom_voices(self) -> list[str]:
        return list(self._entry.options.get(CONF_CUSTOM_VOICES, []))

    @staticmethod
    def _audio_request(options: dict[str, Any]) -> AudioRequest:
        voice_id = str(options.get(ATTR_VOICE, ""))
        voice = voice_by_id(voice_id)
        return audio_request(
            options,
            voice_emotions=voice.emotions if voice else None,
            bidirection=speaks_bidirectionally(voice_id),
            takes_ssml=takes_ssml(voice_id),
        )

    @contextmanager
    def _translated_errors(self, voice: str) -> Iterator[None]:
        """Raise Volcengine's errors as translated ones.

        A rejected token starts re-authentication; a voice that is not granted
        or a used-up quota becomes a repair issue, which the next success clears.
        """
        try:
            yield
            async_clear_fixed_by_success(self.hass, self._entry.entry_id, voice)
        except AuthenticationError as err:
            self._entry.async_start_reauth(self.hass)
            raise to_home_assistant_error(err) from err
        except VolcengineError as err:
            report_problem(self.hass, self._entry, err, voice)
            raise to_home_assistant_error(err) from err
