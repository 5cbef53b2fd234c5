"""The Volcengine (豆包) text-to-speech integration."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ACCESS_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.util.ssl import get_default_context

from .const import (
    CONF_APP_ID,
    CONF_CLUSTER,
    CONF_ENDPOINT,
    CONF_VOICE,
    DEFAULT_CLUSTER,
    DEFAULT_ENDPOINT,
    DEFAULT_VOICE,
    DOMAIN,
    VALIDATION_TEXT,
)
from .errors import details, translation_key
from .volcengine import (
    AuthenticationError,
    Credentials,
    SynthesisRequest,
    V1Client,
    VolcengineError,
)

PLATFORMS: list[Platform] = [Platform.TTS]


@dataclass(kw_only=True, slots=True)
class VolcengineData:
    """What the platforms of one config entry share."""

    client: V1Client


type VolcengineConfigEntry = ConfigEntry[VolcengineData]


def create_client(data: dict[str, str] | ConfigEntry) -> V1Client:
    """Build a client from config-entry data (or a config flow's input)."""
    values = data.data if isinstance(data, ConfigEntry) else data
    return V1Client(
        Credentials(app_id=values[CONF_APP_ID], access_token=values[CONF_ACCESS_TOKEN]),
        cluster=values.get(CONF_CLUSTER, DEFAULT_CLUSTER),
        endpoint=values.get(CONF_ENDPOINT, DEFAULT_ENDPOINT),
        ssl_context=get_default_context(),
    )


async def async_validate(client: V1Client, voice: str) -> None:
    """Speak a short text: the only way v1 tells whether credentials and voice work."""
    await client.synthesize(SynthesisRequest(text=VALIDATION_TEXT, voice=voice))


async def async_setup_entry(hass: HomeAssistant, entry: VolcengineConfigEntry) -> bool:
    """Set up Volcengine TTS from a config entry, checking that it works first."""
    try:
        client = create_client(entry)
        await async_validate(client, entry.options.get(CONF_VOICE, DEFAULT_VOICE))
    except AuthenticationError as err:
        raise _setup_error(ConfigEntryAuthFailed, err) from err
    except VolcengineError as err:
        # Retryable failures (network, busy service) are worth another try
        # later; anything else needs the user to change something.
        raise _setup_error(ConfigEntryNotReady if err.retryable else ConfigEntryError, err) from err
    entry.runtime_data = VolcengineData(client=client)
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_update))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _setup_error[E: HomeAssistantError](error_class: type[E], error: VolcengineError) -> E:
    """Build a translated setup error that explains ``error``."""
    return error_class(
        translation_domain=DOMAIN,
        translation_key=translation_key(error),
        translation_placeholders={"details": details(error)},
    )


async def async_unload_entry(hass: HomeAssistant, entry: VolcengineConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def _async_reload_on_update(hass: HomeAssistant, entry: VolcengineConfigEntry) -> None:
    """Apply changed options (e.g. the default voice) by reloading."""
    await hass.config_entries.async_reload(entry.entry_id)
