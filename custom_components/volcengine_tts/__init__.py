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
from .errors import details, to_home_assistant_error, translation_key
from .issues import (
    async_check_budget,
    async_clear_issues,
    async_clear_proven_by_check,
    async_clear_recognition_issue,
    async_report_quota_exhausted,
    async_report_voice_not_granted,
)
from .options import audio_request, default_options
from .recognition_options import (
    CONF_STT_ENABLED,
    STT_SECTION,
    async_remove_stt_entity,
    create_recognizer,
)
from .usage import UsageMeter, UsageStore, take_flow_usage
from .voices import async_load_catalogue, speaks_bidirectionally, takes_ssml
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
    usage_store: UsageStore
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
    """Speak a short text with the defaults in ``options``: the flows' check of a login.

    It proves the credentials, the grants of the default voice and every other
    default a request will send (emotion, format, rate), while the user is there
    to see the answer. Set-up does not speak (a restart bills nothing): it
    proves what the protocol lets it prove for free (``check_access``).
    """
    await engine.synthesize(VALIDATION_TEXT, default_settings(options))


async def async_setup_entry(hass: HomeAssistant, entry: VolcengineConfigEntry) -> bool:
    """Set up Volcengine TTS from a config entry, proving the login without a billed character.

    What only the Volcengine console fixes (a used-up quota, a voice or resource
    not granted) leaves the entry loaded, with its repair: speech-to-text, the
    usage sensors and the presets keep working, each synthesis says what is
    wrong, and the first success after the fix clears the repair.
    """
    usage_store = UsageStore(hass, entry.entry_id)
    usage = await usage_store.async_load(dt_util.now())
    engine: SynthesisEngine | None = None
    recognizer: RecognitionEngine | None = None
    await async_load_catalogue(hass)  # the entities' voice lists are synchronous
    try:
        engine = create_engine(entry.data, entry.options, usage)
        recognizer = create_recognizer(credentials(entry.data), entry.data, entry.options)
        await _async_check_login(hass, entry, engine)
    except VolcengineError as err:  # refused before anything was sent (endpoint, login kind)
        await _close(engine, recognizer)
        raise _setup_error(ConfigEntryError, err) from err
    except BaseException:
        await _close(engine, recognizer)
        raise
    if recognizer is None:
        async_remove_stt_entity(hass, entry.entry_id)
        async_clear_recognition_issue(hass, entry.entry_id)
    platforms = [platform for platform in PLATFORMS if platform != Platform.STT or recognizer]
    entry.runtime_data = VolcengineData(
        engine=engine,
        usage=usage,
        usage_store=usage_store,
        recognizer=recognizer,
        platforms=platforms,
    )
    entry.async_on_unload(usage_store.track(usage))
    take_flow_usage(hass, entry.unique_id, usage)  # after track: saved like any change
    _watch_usage(hass, entry, usage)
    await hass.config_entries.async_forward_entry_setups(entry, platforms)
    return True


async def _async_check_login(
    hass: HomeAssistant, entry: VolcengineConfigEntry, engine: SynthesisEngine
) -> None:
    """Prove the login and the default voice's grants the free way the protocol allows.

    A rejected login starts re-authentication; a network or busy service is
    retried later; the console's problems become repairs and the entry loads.
    """
    voice = entry.options.get(CONF_VOICE, DEFAULT_VOICE)
    try:
        proven = await engine.check_access(default_settings(entry.options))
    except AuthenticationError as err:
        raise _setup_error(ConfigEntryAuthFailed, err) from err
    except (QuotaExhaustedError, PermissionDeniedError) as err:
        report_problem(hass, entry, err, voice)
        LOGGER.warning("%s", to_home_assistant_error(err))
        return
    except VolcengineError as err:
        # Retryable failures (network, busy service) are worth another try
        # later; anything else (an unknown voice, a wrong resource id) needs
        # the user to change the entry.
        raise _setup_error(ConfigEntryNotReady if err.retryable else ConfigEntryError, err) from err
    if proven:
        async_clear_proven_by_check(hass, entry.entry_id)


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
        data = entry.runtime_data
        await data.usage_store.async_save(data.usage)
        await _close(data.engine, data.recognizer)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Take the entry's repair issues and its usage counts with it."""
    async_clear_issues(hass, entry.entry_id)
    await UsageStore(hass, entry.entry_id).async_remove()


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Migrate old entries: version 1 entries were created for the v1 protocol."""
    if entry.version > CONFIG_VERSION:
        return False  # downgraded from a future version
    if entry.version == 1:
        # Version 1 (0.1) knew no speech-to-text: it stays off until the user
        # turns it on, so an account without the recognition resource is not
        # greeted by a repair about a feature it never asked for.
        LOGGER.debug("Migrating config entry %s to version 2 (protocol v1)", entry.entry_id)
        options = {**entry.options}
        options.setdefault(STT_SECTION, {CONF_STT_ENABLED: False})
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_PROTOCOL: PROTOCOL_V1}, options=options, version=2
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


async def _close(engine: SynthesisEngine | None, recognizer: RecognitionEngine | None) -> None:
    """Close what set-up built, whether set-up finished or not."""
    if engine is not None:
        await engine.close()
    if recognizer is not None:
        await recognizer.close()
