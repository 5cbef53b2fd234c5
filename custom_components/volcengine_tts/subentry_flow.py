"""Voice presets: config subentries, each its own TTS entity with its own defaults.

A household wants a calm voice for the bedroom and an English one for a
guest, each choosable in an Assist pipeline or ``tts.speak`` without repeating
options. A preset stores the same keys as the entry's options, so the entity
builds its ``default_options`` (and Home Assistant its cache key) the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import TextSelector

from .checks import async_check_defaults
from .const import CONF_CUSTOM_VOICES, CONF_VOICE, DEFAULT_VOICE
from .form import (
    voice_errors,
    voice_fields,
    voice_values,
)
from .options import (
    ATTR_CONTEXT_TEXTS,
    ATTR_EMOTION,
    ATTR_FORMAT,
    ATTR_SAMPLE_RATE,
    DEFAULT_FORMAT,
    DEFAULTS,
    preset_options,
)
from .validation import vol


def _schema(language: str, custom: list[str]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_NAME): TextSelector(),
            **voice_fields(language, custom),
            vol.Optional(ATTR_CONTEXT_TEXTS): TextSelector(),
        }
    )


def preset_data(user_input: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, str]]:
    """Turn the form into a preset's title and data; return them with field errors."""
    name = str(user_input[CONF_NAME]).strip()
    context = str(user_input.get(ATTR_CONTEXT_TEXTS) or "").strip()
    data = voice_values(user_input)
    if context:
        data[ATTR_CONTEXT_TEXTS] = [context]
    errors = voice_errors(data[CONF_VOICE], emotion=data.get(ATTR_EMOTION), context=context)
    if not name:
        errors[CONF_NAME] = "name_required"
    return name, data, errors


def _form_values(title: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Show stored data in the form: one context hint, the rate as a choice."""
    values: dict[str, Any] = {
        CONF_NAME: title,
        CONF_VOICE: DEFAULT_VOICE,
        ATTR_FORMAT: DEFAULT_FORMAT,
        **DEFAULTS,
        **data,
    }
    values[ATTR_SAMPLE_RATE] = str(values[ATTR_SAMPLE_RATE])
    hints = values.pop(ATTR_CONTEXT_TEXTS, None)
    if isinstance(hints, list) and hints:
        values[ATTR_CONTEXT_TEXTS] = str(hints[0])
    return values


class VoicePresetFlow(ConfigSubentryFlow):
    """Add or edit a voice preset; the entry reloads so its entity follows at once."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Create a preset (its entity appears when the entry reloads)."""
        if self._get_entry().state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            title, data, errors = preset_data(user_input)
            if not errors:
                errors = await self._async_check(data)
            if not errors:
                # Runs after Home Assistant has stored the new subentry.
                self.hass.config_entries.async_schedule_reload(self._entry_id)
                return self.async_create_entry(title=title, data=data)
        return self._form("user", _form_values("", {}) | (user_input or {}), errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Edit a preset: new defaults, so a new cache key, the moment it is saved."""
        preset = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            title, data, errors = preset_data(user_input)
            if not errors and data != preset.data:
                errors = await self._async_check(data)
            if not errors:
                return self.async_update_reload_and_abort(
                    self._get_entry(), preset, title=title, data=data
                )
        values = _form_values(preset.title, preset.data) | (user_input or {})
        return self._form("reconfigure", values, errors)

    async def _async_check(self, data: Mapping[str, Any]) -> dict[str, str]:
        """Speak with the preset before saving it, through the entry's engine.

        A voice the application may not use would otherwise be saved, and every
        announcement of the preset would fail (2 billed characters).
        """
        entry = self._get_entry()
        return await async_check_defaults(entry, preset_options(entry.options, data))

    def _form(
        self, step_id: str, values: dict[str, Any], errors: dict[str, str]
    ) -> SubentryFlowResult:
        custom = list(self._get_entry().options.get(CONF_CUSTOM_VOICES, []))
        schema = _schema(self.hass.config.language, custom)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, values),
            errors=errors,
        )
