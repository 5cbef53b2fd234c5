"""A real Home Assistant with this repository's integration, driven as a user drives it.

``scripts/demo``, ``tests/e2e`` and ``tests/browser`` share this package: they boot a
throw-away Home Assistant process from the development configuration
(``config/configuration.yaml``), onboard it, add the integration through the
config-flow REST API and listen to what a media player is told to play. Nothing
here imports the integration: like a browser, it only knows Home Assistant's
public HTTP and websocket APIs.

One module per concern:

- ``process``: ``hass`` in a temporary configuration on a free port, started and stopped;
- ``onboarding``: the owner account a fresh Home Assistant asks for;
- ``client``: the REST and websocket APIs (forms, config entries, speech, Assist);
- ``service``: what Home Assistant talks to, the emulator on its own thread or Volcengine;
- ``common``: paths, timeouts and the one error they share.

The ``hass`` command itself is ``scripts/hass.py``.
"""

from __future__ import annotations

from .client import SPEAKER, SPEAKER_MEDIA, FetchedAudio, HomeAssistantClient, filled_in
from .common import DOMAIN, REQUEST_TIMEOUT, ROOT, STOP_TIMEOUT, HomeAssistantError
from .onboarding import PASSWORD, USERNAME
from .process import (
    BOOT_TIMEOUT,
    DEVELOPMENT_CONFIG,
    HASS_COMMAND,
    INTEGRATION,
    HomeAssistantProcess,
    free_port,
    throwaway_configuration,
)
from .service import BackgroundEmulator, ServiceSettings, real_service

__all__ = [
    "BOOT_TIMEOUT",
    "DEVELOPMENT_CONFIG",
    "DOMAIN",
    "HASS_COMMAND",
    "INTEGRATION",
    "PASSWORD",
    "REQUEST_TIMEOUT",
    "ROOT",
    "SPEAKER",
    "SPEAKER_MEDIA",
    "STOP_TIMEOUT",
    "USERNAME",
    "BackgroundEmulator",
    "FetchedAudio",
    "HomeAssistantClient",
    "HomeAssistantError",
    "HomeAssistantProcess",
    "ServiceSettings",
    "filled_in",
    "free_port",
    "real_service",
    "throwaway_configuration",
]
