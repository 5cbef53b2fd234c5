"""Clone a voice from Home Assistant: a recording in, a voice preset out.

Steps: ``user`` (a name and the voice slot) → ``upload`` (the recording, its
language and transcript) → ``train`` (a progress step polling the status) →
``confirm`` (where to hear the free sample; the first synthesis charges the
slot fee) → a preset speaking in the new voice. A slot already training is
picked up where it is instead of uploaded twice; a trained one may be used as
it is. The same flow, opened from a cloned preset, retrains its voice.

The recording exists only as the upload's own temporary file, which Home
Assistant removes once it is read, and in memory while it is sent.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from homeassistant.components.file_upload import process_uploaded_file
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    FileSelector,
    FileSelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from .clones import clone_client, cloned_presets
from .const import CONF_PROTOCOL, CONF_VOICE, PROTOCOL_V1
from .errors import clone_flow_error, details
from .options import ATTR_RESOURCE_ID
from .validation import vol
from .volcengine import (
    CloneLanguage,
    CloneRecording,
    InvalidSlotError,
    TrainingStatus,
    VoiceSlot,
    VoiceStatus,
    VolcengineError,
)
from .volcengine.cloning.recording import CheckedRecording, RecordingRefusedError, check_recording

CONF_SLOT: Final = "voice_slot"
CONF_RECORDING: Final = "recording"
CONF_LANGUAGE: Final = "language"
CONF_TRANSCRIPT: Final = "transcript"
RECORDING_ACCEPT: Final = "audio/*,.wav,.mp3,.ogg,.m4a,.aac,.pcm"
POLL_INTERVAL: Final = 5.0
"""Seconds between two status reads while the voice trains."""
TRAINING_TIMEOUT: Final = 600.0
"""*Uncertain*: how long training may take is not documented; the flow stops waiting
after this (the training goes on, and reopening the flow picks it up)."""
LANGUAGES: Final[dict[str, CloneLanguage]] = {
    "zh": CloneLanguage.CHINESE,
    "en": CloneLanguage.ENGLISH,
    "ja": CloneLanguage.JAPANESE,
    "es": CloneLanguage.SPANISH,
    "id": CloneLanguage.INDONESIAN,
    "pt": CloneLanguage.PORTUGUESE,
    "de": CloneLanguage.GERMAN,
    "fr": CloneLanguage.FRENCH,
    "ko": CloneLanguage.KOREAN,
}
_TEXT = TextSelector()


def _read_upload(hass: HomeAssistant, file_id: str) -> CheckedRecording:
    """Check the uploaded file; Home Assistant deletes it when the block ends."""
    with process_uploaded_file(hass, file_id) as path:
        return check_recording(path)


class VoiceCloneFlow(ConfigSubentryFlow):
    """Train a voice slot from a recording, then add (or update) its preset."""

    poll_interval: float = POLL_INTERVAL
    training_timeout: float = TRAINING_TIMEOUT

    def __init__(self) -> None:
        """Start with nothing chosen."""
        super().__init__()
        self._name = ""
        self._slot = VoiceSlot("")
        self._status: VoiceStatus | None = None
        self._training: asyncio.Task[VoiceStatus] | None = None
        self._problem = ""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask for a name and the voice slot; read the slot's status before anything else."""
        entry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        if entry.data.get(CONF_PROTOCOL) == PROTOCOL_V1:
            return self.async_abort(reason="clone_needs_v3")
        errors: dict[str, str] = {}
        if user_input is not None:
            self._name = str(user_input.get(CONF_NAME) or "").strip()
            try:
                self._slot = VoiceSlot.parse(str(user_input[CONF_SLOT]))
            except InvalidSlotError:
                errors[CONF_SLOT] = "invalid_slot"
            if not self._name:
                errors[CONF_NAME] = "name_required"
            if not errors and self._slot_has_preset():
                return self.async_abort(reason="slot_has_preset")
            if not errors:
                return await self._async_read_status(errors) or self._user_form(user_input, errors)
        return self._user_form(user_input or {}, errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Retrain a cloned preset's voice: the same steps, for its slot."""
        preset = self._get_reconfigure_subentry()
        self._name = preset.title
        self._slot = VoiceSlot(str(preset.data[CONF_VOICE]))
        try:
            self._status = await clone_client(self.hass, self._get_entry()).get_voice(self._slot)
        except VolcengineError as err:
            return self.async_abort(
                reason="status_unavailable", description_placeholders={"details": details(err)}
            )
        if self._status.status is TrainingStatus.TRAINING:
            return await self.async_step_train()
        return await self.async_step_upload()

    async def _async_read_status(self, errors: dict[str, str]) -> SubentryFlowResult | None:
        """Pick up the slot where it is: training goes on, trained may be used, else upload."""
        try:
            self._status = await clone_client(self.hass, self._get_entry()).get_voice(self._slot)
        except VolcengineError as err:
            errors["base"] = clone_flow_error(err)
            return None
        if self._status.status is TrainingStatus.TRAINING:
            return await self.async_step_train()
        if self._status.status.can_speak:
            return await self.async_step_trained()
        return await self.async_step_upload()

    async def async_step_trained(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Offer a slot that already holds a trained voice: use it as it is, or train it again."""
        return self.async_show_menu(
            step_id="trained",
            menu_options=["confirm", "upload"],
            description_placeholders={"voice": self._slot.voice_id},
        )

    async def async_step_upload(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Take the recording, check it, upload it and start training."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._problem = ""  # the service's reason shown is this attempt's, not the last one's
            recording = await self._async_checked(str(user_input[CONF_RECORDING]), errors)
            if recording is not None:
                language = LANGUAGES.get(str(user_input.get(CONF_LANGUAGE)), CloneLanguage.CHINESE)
                transcript = str(user_input.get(CONF_TRANSCRIPT) or "").strip() or None
                try:
                    self._status = await clone_client(self.hass, self._get_entry()).voice_clone(
                        self._slot,
                        CloneRecording(
                            audio=recording.audio,
                            format=recording.format,
                            language=language,
                            text=transcript,
                        ),
                    )
                except VolcengineError as err:
                    errors["base"] = clone_flow_error(err)
                    self._problem = details(err)
                else:
                    return await self._async_follow(self._status)
        return self.async_show_form(
            step_id="upload",
            data_schema=self._upload_schema(),
            errors=errors,
            description_placeholders={"voice": self._slot.voice_id, "details": self._problem},
        )

    async def _async_checked(self, file_id: str, errors: dict[str, str]) -> CheckedRecording | None:
        """Read the upload off the event loop; refuse what the service would refuse."""
        try:
            return await self.hass.async_add_executor_job(_read_upload, self.hass, file_id)
        except RecordingRefusedError as err:
            errors[CONF_RECORDING] = err.reason
        except ValueError:  # the upload is gone (used once already, or Home Assistant restarted)
            errors[CONF_RECORDING] = "recording_missing"
        return None

    async def _async_follow(self, status: VoiceStatus) -> SubentryFlowResult:
        """Go where an answer leads: training to the progress, an end straight to its step.

        Only a training in progress gets a progress task: a task that ends before
        the progress is shown would make Home Assistant run the next step with
        this step's input.
        """
        if status.status is TrainingStatus.TRAINING:
            return await self.async_step_train()
        if status.status.can_speak:
            return await self.async_step_confirm()
        self._problem = ""
        return await self.async_step_failed()

    async def async_step_train(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Wait for the training, showing progress; then go on to confirm it or explain why not."""
        if self._training is None:
            self._training = self.hass.async_create_task(self._async_poll())
        if not self._training.done():
            return self.async_show_progress(
                step_id="train",
                progress_action="train",
                progress_task=self._training,
                description_placeholders={"voice": self._slot.voice_id},
            )
        task, self._training = self._training, None
        try:
            self._status = task.result()
        except TimeoutError:
            return self.async_show_progress_done(next_step_id="timeout")
        except VolcengineError as err:
            self._problem = details(err)
            return self.async_show_progress_done(next_step_id="failed")
        if self._status.status.can_speak:
            return self.async_show_progress_done(next_step_id="confirm")
        self._problem = ""
        return self.async_show_progress_done(next_step_id="failed")

    async def _async_poll(self) -> VoiceStatus:
        """Read the status until the training ends, for at most ``training_timeout``.

        A failure worth retrying (the service busy, the network lost) is read past:
        the training goes on regardless; any other failure ends the wait.
        """
        client = clone_client(self.hass, self._get_entry())
        async with asyncio.timeout(self.training_timeout):
            while True:
                await asyncio.sleep(self.poll_interval)
                try:
                    status = await client.get_voice(self._slot)
                except VolcengineError as err:
                    if err.retryable:  # a busy service or a lost connection: the training goes on
                        continue
                    raise
                if status.status is not TrainingStatus.TRAINING:
                    return status

    async def async_step_timeout(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Stop waiting; the training goes on and this flow can be opened again for it."""
        return self.async_abort(
            reason="training_timeout", description_placeholders={"voice": self._slot.voice_id}
        )

    async def async_step_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Say that training failed and why; go on to try another recording."""
        if user_input is not None:
            self._problem = ""
            return await self.async_step_upload()
        return self.async_show_form(
            step_id="failed",
            data_schema=vol.Schema({}),
            description_placeholders={"voice": self._slot.voice_id, "details": self._problem},
        )

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Show where to hear the sample; on confirmation, save the preset with the new voice."""
        if self._status is None or not self._status.status.can_speak:
            # Chosen from the menu of a slot that stopped being trained meanwhile.
            return await self.async_step_upload()
        if user_input is None:
            return self.async_show_form(
                step_id="confirm",
                data_schema=vol.Schema({}),
                description_placeholders={
                    "voice": self._slot.voice_id,
                    "demo_audio": self._status.demo_audio or "-",
                    "resource_id": self._status.resource_id,
                },
            )
        data = {CONF_VOICE: self._slot.voice_id, ATTR_RESOURCE_ID: self._status.resource_id}
        if self.source == SOURCE_RECONFIGURE:
            preset = self._get_reconfigure_subentry()
            return self.async_update_reload_and_abort(
                self._get_entry(), preset, data={**preset.data, **data}
            )
        self.hass.config_entries.async_schedule_reload(self._entry_id)
        return self.async_create_entry(title=self._name, data=data)

    def _slot_has_preset(self) -> bool:
        return any(
            preset.data.get(CONF_VOICE) == self._slot.voice_id
            for preset in cloned_presets(self._get_entry())
        )

    def _user_form(self, values: dict[str, Any], errors: dict[str, str]) -> SubentryFlowResult:
        schema = vol.Schema({vol.Required(CONF_NAME): _TEXT, vol.Required(CONF_SLOT): _TEXT})
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, values),
            errors=errors,
        )

    def _upload_schema(self) -> vol.Schema:
        language = next(
            (code for code in LANGUAGES if self.hass.config.language.startswith(code)), "zh"
        )
        return vol.Schema(
            {
                vol.Required(CONF_RECORDING): FileSelector(
                    FileSelectorConfig(accept=RECORDING_ACCEPT)
                ),
                vol.Required(CONF_LANGUAGE, default=language): SelectSelector(
                    SelectSelectorConfig(
                        options=list(LANGUAGES),
                        translation_key="clone_language",
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Optional(CONF_TRANSCRIPT): TextSelector(TextSelectorConfig(multiline=True)),
            }
        )
