"""The speech-to-text entity: Home Assistant's audio stream in, Volcengine's transcript out.

Audio is forwarded chunk by chunk as Home Assistant produces it; nothing waits for the
whole utterance. Every outcome is a ``SpeechResult``: the pipeline gets ``ERROR`` with
the reason logged (translated), never an exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

from homeassistant.components.stt import (
    AudioBitRates,
    AudioChannels,
    AudioCodecs,
    AudioFormats,
    AudioSampleRates,
    SpeechMetadata,
    SpeechResult,
    SpeechResultState,
    SpeechToTextEntity,
)
from homeassistant.components.stt import models as stt_models
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import VolcengineConfigEntry
from .const import DOMAIN, LOGGER
from .entity import entry_device
from .errors import to_home_assistant_error
from .issues import async_clear_recognition_issue, async_report_recognition_not_granted
from .recognition_options import STT_LANGUAGES, recognition_settings
from .volcengine import (
    AuthenticationError,
    InvalidResourceError,
    PermissionDeniedError,
    RecognitionEngine,
    VolcengineError,
)
from .volcengine.recognition.client import without_wav_header

SpeechAudioProcessing: Any = getattr(stt_models, "SpeechAudioProcessing", None)
"""Home Assistant 2026.4 and later ask entities how to process audio; older cores don't."""

PARALLEL_UPDATES = 0
"""Recognitions are not polled updates; concurrency is the engine's business."""


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VolcengineConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the STT entity of a config entry (set up only when speech-to-text is on)."""
    recognizer = entry.runtime_data.recognizer
    if recognizer is None:  # pragma: no cover - the platform is only set up with a recognizer
        return
    async_add_entities([VolcengineSTTEntity(entry, recognizer)])


class VolcengineSTTEntity(SpeechToTextEntity):
    """Recognise speech with Volcengine's streaming recognition."""

    _attr_has_entity_name = True
    _attr_translation_key = "recognition"

    def __init__(self, entry: VolcengineConfigEntry, recognizer: RecognitionEngine) -> None:
        self._entry = entry
        self._recognizer = recognizer
        self._attr_unique_id = f"{entry.entry_id}_stt"
        self._attr_device_info = entry_device(entry)

    @property
    def supported_languages(self) -> list[str]:
        """Mandarin, Cantonese and English (the service tells them apart by itself)."""
        return STT_LANGUAGES

    @property
    def supported_formats(self) -> list[AudioFormats]:
        """WAV (raw PCM in Assist; a RIFF header is stripped when present)."""
        return [AudioFormats.WAV]

    @property
    def supported_codecs(self) -> list[AudioCodecs]:
        """Uncompressed PCM."""
        return [AudioCodecs.PCM]

    @property
    def supported_bit_rates(self) -> list[AudioBitRates]:
        """16-bit samples."""
        return [AudioBitRates.BITRATE_16]

    @property
    def supported_sample_rates(self) -> list[AudioSampleRates]:
        """16 kHz, the only rate the service takes."""
        return [AudioSampleRates.SAMPLERATE_16000]

    @property
    def supported_channels(self) -> list[AudioChannels]:
        """Mono."""
        return [AudioChannels.CHANNEL_MONO]

    if SpeechAudioProcessing is not None:  # pragma: no cover - 2026.4+; tested on that target

        @property
        def audio_processing(self) -> Any:  # noqa: ANN401 - SpeechAudioProcessing where it exists
            """Let Home Assistant's VAD end the utterance; leave the audio unprocessed.

            The service runs its own front end on raw audio (as Home Assistant
            Cloud's newer recogniser asks too): gain and noise reduction only add
            their artefacts.
            """
            return SpeechAudioProcessing(
                requires_external_vad=True,
                prefers_auto_gain_enabled=False,
                prefers_noise_reduction_enabled=False,
            )

    async def async_added_to_hass(self) -> None:
        """Check in the background that the account may recognise, to warn early."""
        await super().async_added_to_hass()
        self._entry.async_create_background_task(
            self.hass, self._async_check_access(), f"{DOMAIN} recognition access check"
        )

    async def _async_check_access(self) -> None:
        """Open (and close) one connection: a refused grant becomes a repair issue."""
        try:
            await self._recognizer.check_access()
        except VolcengineError as err:
            self._report(err)
            return
        async_clear_recognition_issue(self.hass, self._entry.entry_id)

    async def async_process_audio_stream(
        self, metadata: SpeechMetadata, stream: AsyncIterable[bytes]
    ) -> SpeechResult:
        """Recognise ``stream`` while it arrives; any failure is an ``ERROR`` result."""
        if unsupported := self._unsupported(metadata):
            LOGGER.warning(
                "%s",
                HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="unsupported_audio",
                    translation_placeholders={"metadata": unsupported},
                ),
            )
            return SpeechResult(None, SpeechResultState.ERROR)
        # A spoken reply follows within seconds; after a quiet spell our warm
        # synthesis connections have closed. Warm one now, in the background:
        # it bills nothing and never takes a slot a request waits for.
        self._entry.runtime_data.engine.prewarm()
        settings = recognition_settings(self._entry.options, metadata.language)
        try:
            text = await self._recognizer.recognize(without_wav_header(stream), settings)
        except VolcengineError as err:  # the service's, the audio's or the stream's failure
            self._report(err)
            return SpeechResult(None, SpeechResultState.ERROR)
        except Exception:  # noqa: BLE001 - a bug must not turn Assist's answer into HTTP 500
            LOGGER.exception("Speech recognition failed unexpectedly")
            return SpeechResult(None, SpeechResultState.ERROR)
        async_clear_recognition_issue(self.hass, self._entry.entry_id)
        return SpeechResult(text, SpeechResultState.SUCCESS)

    def _unsupported(self, metadata: SpeechMetadata) -> str | None:
        """Describe what the service cannot take, or ``None`` when it can take it all."""
        checks = (
            (metadata.format, self.supported_formats),
            (metadata.codec, self.supported_codecs),
            (metadata.bit_rate, self.supported_bit_rates),
            (metadata.sample_rate, self.supported_sample_rates),
            (metadata.channel, self.supported_channels),
        )
        wrong = [
            str(getattr(value, "value", value)) for value, allowed in checks if value not in allowed
        ]
        return ", ".join(wrong) or None

    def _report(self, error: VolcengineError) -> None:
        """Log the translated reason; point the user at the console when only it can help."""
        LOGGER.warning("Speech recognition failed: %s", to_home_assistant_error(error))
        if isinstance(error, PermissionDeniedError | InvalidResourceError):
            # Not enabled, or a resource id the service does not know (a typo in
            # the options): the repair's steps cover both.
            async_report_recognition_not_granted(
                self.hass, self._entry.entry_id, self._recognizer.config.resource_id
            )
        elif isinstance(error, AuthenticationError):
            self._entry.async_start_reauth(self.hass)
