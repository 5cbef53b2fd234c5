"""Config flow: enter credentials, prove they work, create the entry."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_API_KEY
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow, section
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from . import CONFIG_VERSION, default_settings
from .checks import async_check_defaults, async_check_login, async_check_new_login
from .clone_flow import VoiceCloneFlow
from .const import (
    CONF_APP_ID,
    CONF_CLUSTER,
    CONF_CUSTOM_VOICES,
    CONF_ENDPOINT,
    CONF_MAX_CONCURRENCY,
    CONF_MONTHLY_BUDGET,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    CONF_VOICE,
    DEFAULT_CLUSTER,
    DEFAULT_ENDPOINT,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_TITLE,
    DEFAULT_VOICE,
    DOMAIN,
    PROTOCOL_V1,
    PROTOCOL_V3,
    RESOURCE_AUTO,
    SECTION_CONNECTION,
    SUBENTRY_CLONE,
    SUBENTRY_VOICE,
)
from .form import (
    number_selector,
    voice_errors,
    voice_fields,
    voice_selector,
    voice_values,
)
from .options import (
    ATTR_EMOTION,
    ATTR_FILTER_MARKDOWN,
    ATTR_FORMAT,
    ATTR_SAMPLE_RATE,
    DEFAULT_FORMAT,
    DEFAULTS,
)
from .recognition_options import STT_SECTION, clean_stt_options, stt_options, stt_section
from .subentry_flow import VoicePresetFlow
from .usage import UsageMeter, flow_meter
from .validation import vol
from .voices import async_load_catalogue
from .volcengine import (
    RESOURCE_IDS,
)

_TEXT = TextSelector()
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_PROTOCOL = SelectSelector(
    SelectSelectorConfig(
        options=[PROTOCOL_V3, PROTOCOL_V1],
        translation_key=CONF_PROTOCOL,
        mode=SelectSelectorMode.LIST,
    )
)
_RESOURCE_ID = SelectSelector(
    SelectSelectorConfig(
        options=[RESOURCE_AUTO, *RESOURCE_IDS],
        translation_key=CONF_RESOURCE_ID,
        custom_value=True,
        mode=SelectSelectorMode.DROPDOWN,
    )
)


def _connection_section(defaults: Mapping[str, Any]) -> section:
    """Build the collapsed section of rarely changed settings, each with a working default."""
    return section(
        vol.Schema(
            {
                vol.Required(
                    CONF_PROTOCOL, default=defaults.get(CONF_PROTOCOL, PROTOCOL_V3)
                ): _PROTOCOL,
                vol.Required(
                    CONF_RESOURCE_ID, default=defaults.get(CONF_RESOURCE_ID, RESOURCE_AUTO)
                ): _RESOURCE_ID,
                vol.Required(
                    CONF_CLUSTER, default=defaults.get(CONF_CLUSTER, DEFAULT_CLUSTER)
                ): _TEXT,
                vol.Required(
                    CONF_ENDPOINT, default=defaults.get(CONF_ENDPOINT, DEFAULT_ENDPOINT)
                ): _URL,
            }
        ),
        {"collapsed": True},
    )


LOGIN_KEYS: Final = (CONF_API_KEY, CONF_APP_ID, CONF_ACCESS_TOKEN)


def _login_fields(defaults: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """Ask for either login: the new console's API key, or the APP ID + Access Token.

    All optional, so one form offers both; :func:`_login` says which was meant.
    """
    return {
        vol.Optional(CONF_API_KEY): _PASSWORD,
        vol.Optional(CONF_APP_ID, default=defaults.get(CONF_APP_ID, vol.UNDEFINED)): _TEXT,
        vol.Optional(CONF_ACCESS_TOKEN): _PASSWORD,
    }


def _login(user_input: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, str] | str:
    """Read the login the form asks for; return it, or the error key that refuses it.

    An API key alone, or an app id with its token. A secret left empty keeps the
    ``current`` one, so a reconfigure need not repeat it.
    """
    api_key, app_id, token = (str(user_input.get(key) or "").strip() for key in LOGIN_KEYS)
    if api_key and token:
        return "choose_one_login"
    if api_key:
        return {CONF_API_KEY: api_key}
    token = token or current.get(CONF_ACCESS_TOKEN, "")
    if not app_id and not token:
        return (
            {CONF_API_KEY: current[CONF_API_KEY]} if current.get(CONF_API_KEY) else "login_required"
        )
    if not app_id or not token:
        return "app_login_incomplete"
    return {CONF_APP_ID: app_id, CONF_ACCESS_TOKEN: token}


def _unique_id(data: Mapping[str, Any]) -> str:
    """Name the account: its app id, or (a digest of) its API key, which names no app."""
    if api_key := data.get(CONF_API_KEY):
        return "api_key_" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return str(data[CONF_APP_ID])


def _title(data: Mapping[str, Any]) -> str:
    """Name the entry so two accounts are told apart, without showing a secret.

    The app id's last digits, or for an API key (itself a secret) a short tag
    of its digest, the start of the entry's unique id.
    """
    if data.get(CONF_API_KEY):
        return f"{DEFAULT_TITLE} (key {_unique_id(data).removeprefix('api_key_')[:4]})"
    return f"{DEFAULT_TITLE} (app …{str(data[CONF_APP_ID])[-4:]})"


def _user_schema(defaults: Mapping[str, Any], language: str) -> vol.Schema:
    """Build the first form: what every user has (a login, a voice), the rest collapsed."""
    return vol.Schema(
        {
            **_login_fields(defaults),
            vol.Required(CONF_VOICE, default=defaults.get(CONF_VOICE, DEFAULT_VOICE)): (
                voice_selector(language, [])
            ),
            vol.Required(SECTION_CONNECTION): _connection_section(
                defaults.get(SECTION_CONNECTION, {})
            ),
        }
    )


def _reconfigure_schema(current: Mapping[str, Any]) -> vol.Schema:
    """Build the same layout, pre-filled (never a secret: left empty, the login stays)."""
    return vol.Schema(
        {
            **_login_fields(current),
            vol.Required(SECTION_CONNECTION): _connection_section(current),
        }
    )


def _entry_data(login: Mapping[str, str], user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the login and the form's connection section into config-entry data, trimmed.

    Only the chosen protocol's own field is kept: the resource id for v3, the
    cluster for v1. A value typed into the other one would never be used.
    """
    connection = user_input[SECTION_CONNECTION]
    protocol = connection[CONF_PROTOCOL]
    data = {
        **login,
        CONF_PROTOCOL: protocol,
        CONF_ENDPOINT: connection[CONF_ENDPOINT].strip(),
    }
    if protocol == PROTOCOL_V1:
        data[CONF_CLUSTER] = connection[CONF_CLUSTER].strip() or DEFAULT_CLUSTER
    else:
        data[CONF_RESOURCE_ID] = connection[CONF_RESOURCE_ID].strip() or RESOURCE_AUTO
    return data


class VolcengineConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle the set-up of a Volcengine app."""

    VERSION = CONFIG_VERSION
    _new_data: dict[str, Any]

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> VolcengineOptionsFlow:
        """Defaults for every request: voice, prosody, format, custom voices."""
        return VolcengineOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Voice presets (one TTS entity each, with its own defaults) and cloned voices."""
        return {SUBENTRY_VOICE: VoicePresetFlow, SUBENTRY_CLONE: VoiceCloneFlow}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the app's credentials and test them before creating the entry."""
        await async_load_catalogue(self.hass)  # the form lists voices by name
        errors: dict[str, str] = {}
        if user_input is not None:
            login = _login(user_input, {})
            if isinstance(login, str):
                errors = {"base": login}
            else:
                data = _entry_data(login, user_input)
                await self.async_set_unique_id(_unique_id(data))
                self._abort_if_unique_id_configured()
                voice = user_input[CONF_VOICE].strip()
                errors = (
                    await async_check_login(
                        data, {CONF_VOICE: voice}, flow_meter(self.hass, _unique_id(data))
                    )
                    if voice
                    else {CONF_VOICE: "voice_required"}  # no billed round trip for nothing
                )
                if not errors:
                    return self.async_create_entry(
                        title=_title(data), data=data, options={CONF_VOICE: voice}
                    )
        return self.async_show_form(
            step_id="user",
            data_schema=_user_schema(user_input or {}, self.hass.config.language),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after Volcengine rejected the token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new login (API key, or app id + token) and test it before saving."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_relogin(entry, user_input, require_new=True)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, unique_id=self.unique_id, data=self._new_data
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(_login_fields(entry.data)),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the protocol, resource or cluster, endpoint (and token) of this app."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_relogin(entry, user_input, require_new=False)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, unique_id=self.unique_id, data=self._new_data
                )
        current = {**entry.data, **(user_input or {})}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_reconfigure_schema({**current, **current.get(SECTION_CONNECTION, {})}),
            errors=errors,
        )

    async def _async_relogin(
        self, entry: ConfigEntry, user_input: Mapping[str, Any], *, require_new: bool
    ) -> dict[str, str]:
        """Check a reauth / reconfigure login by synthesis; keep the data for saving.

        ``require_new``: reauth must get a new secret (the old one was refused);
        reconfigure may keep the login and change only the connection.
        """
        login = _login(user_input, {} if require_new else entry.data)
        if isinstance(login, str):
            return {"base": login}
        connection = user_input.get(SECTION_CONNECTION)
        if connection is None:  # reauth: the connection stays as it is
            data = {key: value for key, value in entry.data.items() if key not in LOGIN_KEYS}
            self._new_data = {**data, **login}
        else:
            self._new_data = _entry_data(login, user_input)
        await self._async_check_same_account(entry, self._new_data)
        return await async_check_new_login(entry, self._new_data, self._meter(entry))

    def _meter(self, entry: ConfigEntry) -> UsageMeter:
        """Where a check for ``entry`` bills: its meter, or one its next set-up takes over."""
        if entry.state is ConfigEntryState.LOADED:
            usage: UsageMeter = entry.runtime_data.usage
            return usage
        return flow_meter(self.hass, str(self.unique_id))

    async def _async_check_same_account(self, entry: ConfigEntry, data: Mapping[str, Any]) -> None:
        """Abort when a new app id belongs to another application.

        An entry is one Volcengine application: another one is a new entry,
        never a silent switch of this one (its options, voices and repairs).
        An API key names no application, so a switch to or from one (or a
        rotated key) cannot be checked and is taken as the same account.
        """
        unique_id = _unique_id(data)
        await self.async_set_unique_id(unique_id)
        if CONF_APP_ID in data and CONF_APP_ID in entry.data:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
        # Whatever the login kind, never take the account of another entry.
        other = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        if other is not None and other.entry_id != entry.entry_id:
            raise AbortFlow("already_configured")


def _options_schema(language: str, custom: list[str]) -> vol.Schema:
    return vol.Schema(
        {
            **voice_fields(language, custom),
            vol.Optional(ATTR_FILTER_MARKDOWN, default=True): BooleanSelector(),
            vol.Optional(CONF_CUSTOM_VOICES): TextSelector(TextSelectorConfig(multiple=True)),
            vol.Required(CONF_MAX_CONCURRENCY): number_selector(1, 20, 1, slider=False),
            vol.Optional(CONF_MONTHLY_BUDGET): number_selector(0, 100_000_000, 1, slider=False),
            vol.Optional(STT_SECTION): stt_section(),
        }
    )


def _clean_options(
    user_input: Mapping[str, Any], current: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise the form's values; return them with field errors."""
    custom = list(
        dict.fromkeys(
            voice.strip() for voice in user_input.get(CONF_CUSTOM_VOICES, []) if voice.strip()
        )
    )
    options: dict[str, Any] = {
        **voice_values(user_input),
        ATTR_FILTER_MARKDOWN: bool(user_input.get(ATTR_FILTER_MARKDOWN, True)),
        CONF_CUSTOM_VOICES: custom,
        CONF_MAX_CONCURRENCY: int(user_input[CONF_MAX_CONCURRENCY]),
        CONF_MONTHLY_BUDGET: int(user_input.get(CONF_MONTHLY_BUDGET) or 0),
        STT_SECTION: clean_stt_options(user_input.get(STT_SECTION, stt_options(current))),
    }
    errors = voice_errors(options[CONF_VOICE], emotion=options.get(ATTR_EMOTION), context=None)
    return options, errors


class VolcengineOptionsFlow(OptionsFlowWithReload):
    """Change the defaults every request starts from.

    Saving reloads the entry (the flow's own reload, not an update listener),
    so a new default voice or format is in HA's cache key at once.
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the defaults; save them (the entry reloads, changing HA's cache key)."""
        await async_load_catalogue(self.hass)  # the entry may not be loaded
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = _clean_options(user_input, self.config_entry.options)
            if not errors and default_settings(options) != default_settings(
                self.config_entry.options
            ):
                errors = await self._async_check_defaults(options)
            if not errors:
                return self.async_create_entry(data=options)
        current = {
            CONF_VOICE: DEFAULT_VOICE,
            ATTR_FORMAT: DEFAULT_FORMAT,
            **DEFAULTS,
            CONF_MAX_CONCURRENCY: DEFAULT_MAX_CONCURRENCY,
            CONF_MONTHLY_BUDGET: 0,
            **self.config_entry.options,
            **(user_input or {}),
        }
        current[STT_SECTION] = stt_options(current)
        current[ATTR_SAMPLE_RATE] = str(current[ATTR_SAMPLE_RATE])
        custom = [voice.strip() for voice in current.get(CONF_CUSTOM_VOICES, []) if voice.strip()]
        schema = _options_schema(self.hass.config.language, custom)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            errors=errors,
        )

    async def _async_check_defaults(self, options: Mapping[str, Any]) -> dict[str, str]:
        """Speak with new defaults before saving them, exactly as set-up will.

        A voice the application may not use, or an emotion or format it refuses,
        would otherwise be saved, and the reload that follows would fail and
        take the entity away. Only a change of what a request sends is checked
        (2 billed characters).
        """
        entry = self.config_entry
        return await async_check_defaults(
            entry, options, flow_meter(self.hass, str(entry.unique_id))
        )
