"""The Volcengine (豆包) text-to-speech integration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.tts import ATTR_VOICE
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import dt as dt_util
from homeassistant.util.ssl import get_default_context

from .const import (
    CONF_APP_ID,
    CONF_CLUSTER,
    CONF_ENDPOINT,
    CONF_MAX_CONCURRENCY,
    CONF_MONTHLY_BUDGET,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    CONF_VOICE,
    DEFAULT_CLUSTER,
    DEFAULT_ENDPOINT,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_VOICE,
    DOMAIN,
    LOGGER,
    PROTOCOL_V1,
    PROTOCOL_V3,
    RESOURCE_AUTO,
    VALIDATION_TEXT,
)
from .errors import details, translation_key
from .issues import (
    async_check_budget,
    async_clear_issues,
    async_report_quota_exhausted,
    async_report_voice_not_granted,
)
from .options import audio_request, default_options
from .recognition_options import async_remove_stt_entity, create_recognizer
from .usage import UsageMeter
from .voices import speaks_bidirectionally, takes_ssml
from .volcengine import (
    ApiKeyCredentials,
    AuthenticationError,
    Credentials,
    EngineConfig,
    PermissionDeniedError,
    QuotaExhaustedError,
    RecognitionEngine,
    ServiceCredentials,
    SynthesisEngine,
    VoiceSettings,
    VolcengineError,
)

PLATFORMS: list[Platform] = [Platform.TTS, Platform.STT, Platform.SENSOR]
CONFIG_VERSION = 2


@dataclass(kw_only=True, slots=True)
class VolcengineData:
    """What the platforms of one config entry share."""

    engine: SynthesisEngine
    usage: UsageMeter
    recognizer: RecognitionEngine | None = None
    """``None`` when speech-to-text is turned off in the options."""
    platforms: list[Platform]
    """The platforms set up, so unloading matches even after the options changed."""


type VolcengineConfigEntry = ConfigEntry[VolcengineData]


def default_settings(options: Mapping[str, Any]) -> VoiceSettings:
    """Return exactly the settings of a request that asks for nothing special.

    The warm v3 session is begun with these: if they differed in any field
    from what the entity sends, every request would cancel it and pay for a
    new StartSession.
    """
    defaults = default_options(options)
    voice = str(defaults[ATTR_VOICE])
    return audio_request(
        defaults, bidirection=speaks_bidirectionally(voice), takes_ssml=takes_ssml(voice)
    ).settings


def credentials(data: Mapping[str, Any]) -> ServiceCredentials:
    """Read the login from config-entry data: an API key, or the app id + token pair."""
    if api_key := data.get(CONF_API_KEY):
        return ApiKeyCredentials(api_key)
    return Credentials(app_id=data[CONF_APP_ID], access_token=data[CONF_ACCESS_TOKEN])


def create_engine(
    data: Mapping[str, Any], options: Mapping[str, Any], usage: UsageMeter | None = None
) -> SynthesisEngine:
    """Build the synthesis engine from config-entry data and options.

    ``usage`` is told what each request was billed and what failed.
    """
    resource_id = data.get(CONF_RESOURCE_ID, RESOURCE_AUTO)
    config = EngineConfig(
        protocol=data.get(CONF_PROTOCOL, PROTOCOL_V3),
        endpoint=data.get(CONF_ENDPOINT, DEFAULT_ENDPOINT),
        resource_id=None if resource_id == RESOURCE_AUTO else resource_id,
        cluster=data.get(CONF_CLUSTER, DEFAULT_CLUSTER),
        max_concurrency=int(options.get(CONF_MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY)),
        warm_settings=default_settings(options),
        on_usage=(lambda billed: usage.add(billed, dt_util.now())) if usage else None,
        on_error=(lambda error: usage.record_error(error, dt_util.now())) if usage else None,
    )
    return SynthesisEngine(
        credentials(data),
        config,
        ssl_context=get_default_context(),
    )


async def async_validate(engine: SynthesisEngine, options: Mapping[str, Any]) -> None:
    """Speak a short text with the defaults in ``options``: the one check of a login.

    It proves the credentials, the grants of the default voice and every other
    default a request will send (emotion, format, rate). Set-up and every flow
    use it, so a flow accepts exactly what the set-up after it accepts. The
    entry's defaults, too, because the warm session a request leaves behind
    follows its settings, and the next request is most likely a default one.
    """
    await engine.synthesize(VALIDATION_TEXT, default_settings(options))


async def async_setup_entry(hass: HomeAssistant, entry: VolcengineConfigEntry) -> bool:
    """Set up Volcengine TTS from a config entry, checking that it works first."""
    engine: SynthesisEngine | None = None
    usage = UsageMeter(dt_util.now())
    try:
        engine = create_engine(entry.data, entry.options, usage)
        await async_validate(engine, entry.options)
    except AuthenticationError as err:
        await _close(engine)
        raise _setup_error(ConfigEntryAuthFailed, err) from err
    except VolcengineError as err:
        await _close(engine)
        report_problem(hass, entry, err, entry.options.get(CONF_VOICE, DEFAULT_VOICE))
        # Retryable failures (network, busy service) are worth another try
        # later; anything else needs the user to change something.
        raise _setup_error(ConfigEntryNotReady if err.retryable else ConfigEntryError, err) from err
    async_clear_issues(hass, entry.entry_id)
    recognizer = create_recognizer(credentials(entry.data), entry.data, entry.options)
    if recognizer is None:
        async_remove_stt_entity(hass, entry.entry_id)
    platforms = [platform for platform in PLATFORMS if platform != Platform.STT or recognizer]
    entry.runtime_data = VolcengineData(
        engine=engine, usage=usage, recognizer=recognizer, platforms=platforms
    )
    _watch_usage(hass, entry, usage)
    await hass.config_entries.async_forward_entry_setups(entry, platforms)
    return True


def _watch_usage(hass: HomeAssistant, entry: VolcengineConfigEntry, usage: UsageMeter) -> None:
    """Start a new day at local midnight; warn when the monthly budget is nearly used."""

    @callback
    def check_budget() -> None:
        async_check_budget(
            hass,
            entry.entry_id,
            used=usage.characters("month"),
            budget=int(entry.options.get(CONF_MONTHLY_BUDGET) or 0),
        )

    @callback
    def new_day(now: datetime) -> None:
        usage.roll(now)

    entry.async_on_unload(usage.subscribe(check_budget))
    entry.async_on_unload(async_track_time_change(hass, new_day, hour=0, minute=0, second=0))
    check_budget()


async def async_unload_entry(hass: HomeAssistant, entry: VolcengineConfigEntry) -> bool:
    """Unload a config entry and close its warm connections."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, entry.runtime_data.platforms)
    if unloaded:
        await entry.runtime_data.engine.close()
        if entry.runtime_data.recognizer is not None:
            await entry.runtime_data.recognizer.close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Take the entry's repair issues with it."""
    async_clear_issues(hass, entry.entry_id)


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Migrate old entries: version 1 entries were created for the v1 protocol."""
    if entry.version > CONFIG_VERSION:
        return False  # downgraded from a future version
    if entry.version == 1:
        LOGGER.debug("Migrating config entry %s to version 2 (protocol v1)", entry.entry_id)
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_PROTOCOL: PROTOCOL_V1}, version=2
        )
    return True


def report_problem(
    hass: HomeAssistant, entry: ConfigEntry, error: VolcengineError, voice: str
) -> None:
    """Raise a repair issue for the errors only the Volcengine console can fix."""
    if isinstance(error, QuotaExhaustedError):
        async_report_quota_exhausted(hass, entry.entry_id)
    elif isinstance(error, PermissionDeniedError) and voice == entry.options.get(
        CONF_VOICE, DEFAULT_VOICE
    ):
        async_report_voice_not_granted(hass, entry.entry_id, voice)


def _setup_error[E: HomeAssistantError](error_class: type[E], error: VolcengineError) -> E:
    """Build a translated setup error that explains ``error``."""
    return error_class(
        translation_domain=DOMAIN,
        translation_key=translation_key(error),
        translation_placeholders={"details": details(error)},
    )


async def _close(engine: SynthesisEngine | None) -> None:
    if engine is not None:
        await engine.close()
