"""Speak before saving: the flows' one check of a login and of defaults.

Every flow that saves what a request will send (credentials, a default voice,
a preset's settings) first speaks a short text with it (``async_validate``),
while the user is there to see the answer, and answers with form errors
instead of raising. What it bills is counted: by the loaded entry's meter, or
by one the entry takes over at its set-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState

from . import async_validate, create_engine
from .const import LOGGER
from .errors import flow_error
from .usage import UsageMeter
from .volcengine import SynthesisEngine, VolcengineError


async def async_check_login(
    data: Mapping[str, Any], options: Mapping[str, Any], usage: UsageMeter | None = None
) -> dict[str, str]:
    """Speak with a throw-away engine for ``data`` and ``options``; return form errors."""
    engine: SynthesisEngine | None = None
    try:
        engine = create_engine(data, options, usage)
        return await async_check_with(engine, options)
    except VolcengineError as err:  # refused before anything is sent (endpoint, login kind)
        return {"base": flow_error(err)}
    finally:
        if engine is not None:
            await engine.close()


async def async_check_new_login(
    entry: ConfigEntry, data: Mapping[str, Any], usage: UsageMeter | None = None
) -> dict[str, str]:
    """Check new connection data of an existing entry with its defaults.

    The loaded entry's idle warm connections count against the account's
    concurrency (2 on the free tier): they are closed first, so the check does
    not compete with them. The reload that follows a success opens new ones.
    """
    if entry.state is ConfigEntryState.LOADED:
        await entry.runtime_data.engine.release_idle()
    return await async_check_login(data, entry.options, usage)


async def async_check_defaults(
    entry: ConfigEntry, options: Mapping[str, Any], usage: UsageMeter | None = None
) -> dict[str, str]:
    """Check defaults for an existing entry's login.

    The loaded entry's own engine (its warm connections, its concurrency
    limit) speaks; an entry that is not loaded gets a throw-away one.
    """
    if entry.state is ConfigEntryState.LOADED:
        return await async_check_with(entry.runtime_data.engine, options)
    return await async_check_login(entry.data, options, usage)


async def async_check_with(engine: SynthesisEngine, options: Mapping[str, Any]) -> dict[str, str]:
    """Speak through ``engine`` with the defaults in ``options``; return form errors."""
    try:
        await async_validate(engine, options)
    except VolcengineError as err:
        LOGGER.debug("Check of the defaults failed: %s", err)
        return {"base": flow_error(err)}
    except Exception:  # noqa: BLE001 - a flow must answer with a form, never crash
        LOGGER.exception("Unexpected error while checking the credentials")
        return {"base": "unknown"}
    return {}
