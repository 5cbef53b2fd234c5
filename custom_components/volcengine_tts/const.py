"""Constants of the Volcengine TTS integration."""

from __future__ import annotations

import logging
from typing import Final

from .languages import SUPPORTED_LANGUAGES
from .volcengine import DEFAULT_CLUSTER, DEFAULT_ENDPOINT

DOMAIN: Final = "volcengine_tts"
LOGGER: Final = logging.getLogger(__package__)

CONF_APP_ID: Final = "app_id"
CONF_CLUSTER: Final = "cluster"
CONF_ENDPOINT: Final = "endpoint"
CONF_VOICE: Final = "voice"
CONF_PROTOCOL: Final = "protocol"
CONF_RESOURCE_ID: Final = "resource_id"
CONF_MAX_CONCURRENCY: Final = "max_concurrency"
CONF_CUSTOM_VOICES: Final = "custom_voices"
SECTION_CONNECTION: Final = "connection"
"""The collapsed form section with what only some users change (protocol, resource, endpoint)."""
CONF_MONTHLY_BUDGET: Final = "monthly_budget"
"""Characters a month the user means to spend; 0 (the default) turns the warning off."""
SUBENTRY_VOICE: Final = "voice"
"""Subentry type of a voice preset: its own TTS entity with its own defaults."""
SUBENTRY_CLONE: Final = "clone"
"""Subentry type of a cloned voice: a voice preset whose voice was trained from a recording."""

PROTOCOL_V3: Final = "v3"
PROTOCOL_V1: Final = "v1"
RESOURCE_AUTO: Final = "auto"
"""Pick the v3 resource id from each voice's generation (1.0, 2.0, clone)."""
DEFAULT_MAX_CONCURRENCY: Final = 2
"""The free tier's limit; every open connection counts against it."""

DEFAULT_TITLE: Final = "Volcengine"
DEFAULT_VOICE: Final = "zh_female_cancan_mars_bigtts"
"""灿灿 (Shiny), a 1.0 large-model voice that speaks Chinese and English."""

VALIDATION_TEXT: Final = "你好"
"""Spoken once when credentials are checked: short, because it is billed."""

DEFAULT_LANGUAGE: Final = "zh-CN"

__all__ = ["DEFAULT_CLUSTER", "DEFAULT_ENDPOINT", "SUPPORTED_LANGUAGES"]
