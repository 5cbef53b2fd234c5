"""Every fault the emulator can inject, through Home Assistant, with its documented outcome.

One row per fault: ``tts.speak`` on a (mocked) speaker, the audio fetched through
Home Assistant's TTS proxy URL as the speaker would. A row ends in one of:

* ``RETRIED`` — a transparent retry before the first audio byte: HTTP 200 and the
  complete audio, cached once;
* ``FAILED`` — HTTP 500, the translated message in the log, nothing cached;
* ``TRUNCATED`` — the failure came after audio had started, so nothing is retried:
  at most a prefix of the audio, the translated message in the log, nothing cached;
* ``REPLACED`` — a dead pooled connection is replaced without anybody noticing.

After every failure the fault is cleared and the very next request must be a fresh,
complete synthesis. Faults that need timeouts shorter than the entry's 10 s run
against the engine directly (the HA layer adds nothing there but the translation).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import re
import socket
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import media_source
from homeassistant.components.media_player import ATTR_MEDIA_CONTENT_ID
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components import volcengine_tts
from custom_components.volcengine_tts.const import CONF_ENDPOINT, DOMAIN
from custom_components.volcengine_tts.errors import translation_key
from custom_components.volcengine_tts.volcengine import (
    Credentials,
    EngineConfig,
    SynthesisEngine,
    VoiceSettings,
    VolcengineError,
    VolcengineTimeoutError,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, Faults
from emulator.audio import render_audio

from .conftest import VOICE, synthesized

ENTITY_ID = "tts.volcengine_text_to_speech"
SPEAKER = "media_player.kitchen"
MESSAGE = "洗衣机洗好了，请把衣服晾起来。"
COMPLETE = render_audio(MESSAGE, VOICE)
SMALL_CHUNK = 512
"""Audio bytes per frame for the mid-audio rows: the message takes dozens of frames."""
RETRY_ATTEMPTS = EngineConfig().retry_attempts
UNRESOLVABLE_HOST = "volcengine-tts.invalid"
UNRESOLVABLE = f"wss://{UNRESOLVABLE_HOST}"
NESTED_JSON = "[" * 100_000
"""100 kB a broken proxy could send: json.loads gives up with RecursionError."""

_EXCEPTIONS = json.loads(
    (Path(volcengine_tts.__file__).parent / "translations" / "en.json").read_text("utf-8")
)["exceptions"]


class Outcome(enum.Enum):
    """What the user gets when the fault strikes."""

    RETRIED = "retried, complete audio"
    FAILED = "HTTP 500, nothing cached"
    TRUNCATED = "audio cut short, nothing cached"
    REPLACED = "connection replaced, complete audio"


@dataclass(frozen=True, slots=True)
class Row:
    """One fault and what must come of it."""

    name: str
    faults: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome = Outcome.FAILED
    key: str | None = None
    """Translation key (``exceptions`` in en.json) of the message that must be logged."""
    retries: int = 0
    """Transparent retries the engine makes for this request."""
    reauth: bool = False
    protocols: tuple[str, ...] = ("v3", "v1")
    chunk_bytes: int | None = None
    account: Account | None = None
    """The account as changed in the Volcengine console (token rotated, grants withdrawn)."""
    issue: str | None = None
    """The repair issue (its kind) the user is shown."""
    once: bool = False
    """Clear the fault as soon as the first attempt reached the emulator."""


def _error(code: int, outcome: Outcome, key: str | None, retries: int = 0) -> Row:
    return Row(
        f"error-frame-{code}",
        {"error_code": code, "error_count": 1},
        outcome,
        key,
        retries=retries,
    )


ROWS: tuple[Row, ...] = (
    Row("handshake-400", {"handshake_status": 400}, key="invalid_resource"),
    Row("handshake-401", {"handshake_status": 401}, key="invalid_auth", reauth=True),
    Row("handshake-403", {"handshake_status": 403}, key="invalid_auth", reauth=True),
    Row(
        "handshake-500",
        {"handshake_status": 500},
        key="service_unavailable",
        retries=RETRY_ATTEMPTS,
    ),
    Row(
        "handshake-503",
        {"handshake_status": 503},
        key="service_unavailable",
        retries=RETRY_ATTEMPTS,
    ),
    Row(
        "token-rotated",
        key="invalid_auth",
        reauth=True,
        account=Account(DEFAULT_APP_ID, "rotated-token"),
    ),
    Row(
        "voice-not-granted",  # v3: handshake 403 "requested resource not granted"; v1: 3001
        key="resource_not_granted",
        account=Account(
            DEFAULT_APP_ID,
            DEFAULT_TOKEN,
            clusters=frozenset({"volcano_icl"}),
            resources=frozenset({"seed-tts-2.0"}),
        ),
        issue="voice_not_granted",
    ),
    Row(
        "drop-before-audio-once",
        {"drop_after_frames": 0},
        Outcome.RETRIED,
        retries=1,
        once=True,
    ),
    Row(
        "drop-before-audio-always",
        {"drop_after_frames": 0},
        key="cannot_connect",
        retries=RETRY_ATTEMPTS,
    ),
    Row(
        "drop-mid-audio",
        {"drop_after_frames": 1},
        Outcome.TRUNCATED,
        key="cannot_connect",
        chunk_bytes=SMALL_CHUNK,
    ),
    Row("malformed-before-audio", {"malformed_after_frames": 0}, key="protocol_error"),
    Row(
        "malformed-mid-audio",
        {"malformed_after_frames": 1},
        Outcome.TRUNCATED,
        key="protocol_error",
        chunk_bytes=SMALL_CHUNK,
    ),
    Row("text-frame", {"text_frame": "upstream proxy says hello"}, key="protocol_error"),
    Row(
        "text-frame-deeply-nested-json",
        {"text_frame": NESTED_JSON},
        key="protocol_error",
    ),
    Row(
        "error-frame-deeply-nested-json",
        {"error_code": 3001, "error_message": NESTED_JSON, "error_count": 1},
        key="invalid_input",
        protocols=("v1",),  # v3 wraps the message in a JSON object of its own
    ),
    _error(3001, Outcome.FAILED, "invalid_input"),
    _error(3003, Outcome.RETRIED, None, retries=1),
    _error(3005, Outcome.RETRIED, None, retries=1),
    _error(3010, Outcome.FAILED, "invalid_input"),
    _error(3011, Outcome.FAILED, "invalid_input"),
    _error(3031, Outcome.RETRIED, None, retries=1),
    _error(3050, Outcome.FAILED, "unknown_voice"),
    _error(45000000, Outcome.FAILED, "service_error"),
    _error(55000000, Outcome.RETRIED, None, retries=1),
    Row("idle-connection-closed-by-server", outcome=Outcome.REPLACED, protocols=("v3",)),
)


def _translated(key: str) -> re.Pattern[str]:
    """The en.json message of ``key``, with its details placeholder as a wildcard.

    Home Assistant drops a message's final full stop when it renders it.
    """
    template = _EXCEPTIONS[key]["message"].rstrip(".")
    return re.compile(re.escape(template).replace(re.escape("{details}"), ".+"))


def _cache_files(config_dir: Path) -> list[str]:
    cache = config_dir / "tts"
    return sorted(path.name for path in cache.iterdir()) if cache.exists() else []


async def _speak_and_fetch(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, calls: list[ServiceCall]
) -> tuple[int, bytes]:
    """``tts.speak`` on the speaker, then fetch the URL it was told to play."""
    await hass.services.async_call(
        "tts",
        "speak",
        {"entity_id": ENTITY_ID, "media_player_entity_id": SPEAKER, "message": MESSAGE},
        blocking=True,
    )
    resolved = await media_source.async_resolve_media(
        hass, calls[-1].data[ATTR_MEDIA_CONTENT_ID], None
    )
    client = await hass_client()
    response = await client.get(resolved.url)
    body = await response.read()
    await hass.async_block_till_done(wait_background_tasks=True)
    return response.status, body


def _ended_sessions(emulator: Emulator) -> int:
    """Count ended sessions as ``wait_for_sessions(ended=True)`` does: cancelled ones too."""
    return sum(
        1 for session in emulator.sessions if session.status_code is not None or session.canceled
    )


async def _clear_after_first_attempt(emulator: Emulator, protocol: str) -> None:
    """Clear the faults once the first attempt has met them (a one-off network blip).

    v3: the session the fault ended is recorded before the client can even notice.
    v1: the request is recorded and then answered without the emulator yielding in
    between. Either way the engine's retry (after its backoff) finds the fault gone;
    the row's ``retries == 1`` proves that the first attempt did fail.
    """
    if protocol == "v3":
        await emulator.wait_for_sessions(_ended_sessions(emulator) + 1, ended=True)
    else:
        await emulator.wait_for_requests(len(emulator.requests) + 1)
    emulator.faults = Faults()


def _matrix() -> list[Any]:
    return [
        pytest.param(
            row,
            protocol,
            id=f"{row.name}-{protocol}",
        )
        for row in ROWS
        for protocol in row.protocols
    ]


@pytest.mark.parametrize(("row", "protocol"), _matrix())
async def test_fault(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    config_dir: Path,
    caplog: pytest.LogCaptureFixture,
    row: Row,
    protocol: str,
) -> None:
    engine = setup_entry.runtime_data.engine
    # Home Assistant's own backoff, only shorter: the rows that retry stay fast.
    engine.config = dataclasses.replace(engine.config, retry_backoff=0.02, retry_backoff_max=0.05)
    retries_before = engine.retries
    if row.chunk_bytes is not None:
        emulator.config.chunk_bytes = row.chunk_bytes
    if row.account is not None:
        emulator.config.accounts[DEFAULT_APP_ID] = row.account
    for name, value in row.faults.items():
        setattr(emulator.faults, name, value)
    # The warm connection left by set-up would skip the handshake (and ``once``
    # needs a session it can watch): start from a fresh connection.
    await emulator.close_idle_connections()
    # ... and let the emulator record the warm session it abandoned as ended, so
    # the clearer below counts only the attempt's own session.
    await emulator.wait_for_sessions(len(emulator.sessions), ended=True)
    clearer = (
        asyncio.create_task(_clear_after_first_attempt(emulator, protocol)) if row.once else None
    )
    caplog.clear()

    status, body = await _speak_and_fetch(hass, hass_client, play_media_calls)

    if clearer is not None:
        await asyncio.wait_for(clearer, timeout=5)
    assert engine.retries - retries_before == row.retries
    reauth_flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]
    assert bool(reauth_flows) is row.reauth
    issues = [
        issue.translation_key
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN
    ]
    assert issues == ([row.issue] if row.issue else [])
    if row.outcome in (Outcome.RETRIED, Outcome.REPLACED):
        assert status == HTTPStatus.OK
        assert body == COMPLETE
        assert synthesized(emulator)[-1] == (VOICE, MESSAGE)
        [cached] = _cache_files(config_dir)
        assert (config_dir / "tts" / cached).read_bytes().endswith(COMPLETE)
        return

    if row.outcome is Outcome.FAILED:
        assert status == HTTPStatus.INTERNAL_SERVER_ERROR
    else:
        # The proxy had started answering, or the failure came first: either way,
        # never the whole audio, and never anything but a prefix of it.
        assert status == HTTPStatus.INTERNAL_SERVER_ERROR or (
            len(body) < len(COMPLETE) and COMPLETE.startswith(body)
        )
    assert row.key is not None
    pattern = _translated(row.key)
    assert any(pattern.search(record.getMessage()) for record in caplog.records), caplog.text
    assert _cache_files(config_dir) == []

    # The fault passes: the very next request is a fresh, complete synthesis.
    emulator.faults = Faults()
    emulator.config.accounts[DEFAULT_APP_ID] = Account(DEFAULT_APP_ID, DEFAULT_TOKEN)
    before = len(synthesized(emulator))
    status, body = await _speak_and_fetch(hass, hass_client, play_media_calls)
    assert status == HTTPStatus.OK
    assert body == COMPLETE
    assert synthesized(emulator)[before:] == [(VOICE, MESSAGE)]
    assert len(_cache_files(config_dir)) == 1


# Faults that take a timeout to notice: the entry's timeouts are 10 s, so these run
# on an engine with short ones. Every one is retryable only before the first audio.

SETTINGS = VoiceSettings(voice=VOICE)
SHORT_TIMEOUT = 0.2


@dataclass(frozen=True, slots=True)
class TimeoutRow:
    """A fault that a timeout must catch."""

    name: str
    faults: dict[str, Any]
    outcome: Outcome
    retries: int


TIMEOUT_ROWS: tuple[TimeoutRow, ...] = (
    TimeoutRow("slow-handshake", {"handshake_delay": 5.0}, Outcome.FAILED, RETRY_ATTEMPTS),
    TimeoutRow("stall-mid-audio", {"stall_after_frames": 1}, Outcome.TRUNCATED, 0),
)


def _engine(emulator: Emulator, protocol: str) -> SynthesisEngine:
    return SynthesisEngine(
        Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
        EngineConfig(
            protocol=protocol,  # type: ignore[arg-type]
            endpoint=emulator.url,
            connect_timeout=SHORT_TIMEOUT,
            receive_timeout=SHORT_TIMEOUT,
            retry_backoff=0.02,
            retry_backoff_max=0.05,
        ),
    )


@pytest.mark.parametrize("protocol", ["v3", "v1"])
@pytest.mark.parametrize("row", TIMEOUT_ROWS, ids=lambda row: row.name)
async def test_fault_caught_by_a_timeout(
    emulator: Emulator, row: TimeoutRow, protocol: str
) -> None:
    emulator.config.chunk_bytes = SMALL_CHUNK
    for name, value in row.faults.items():
        setattr(emulator.faults, name, value)
    engine = _engine(emulator, protocol)
    received: list[bytes] = []

    async def consume() -> None:
        async for chunk in engine.stream(MESSAGE, SETTINGS):
            received.append(chunk)  # noqa: PERF401 - must survive the exception

    with pytest.raises(VolcengineTimeoutError) as caught:
        await consume()
    assert translation_key(caught.value) == "timeout"
    assert engine.retries == row.retries
    audio = b"".join(received)
    if row.outcome is Outcome.FAILED:
        assert audio == b""
    else:
        assert received
        assert len(audio) < len(COMPLETE)
        assert COMPLETE.startswith(audio)

    emulator.faults = Faults()
    assert await engine.synthesize(MESSAGE, SETTINGS) == COMPLETE
    await engine.close()


# An unresolvable host: Home Assistant cannot even set the entry up.


@pytest.fixture
def unresolvable_host(monkeypatch: pytest.MonkeyPatch) -> str:
    """A host name that the resolver does not know, answered as a real resolver does.

    Deterministic on every machine and Home Assistant target: the sandbox's DNS
    is not asked (newer test plugins refuse any look-up with a RuntimeError, which
    no real resolver raises), and the answer is the ``gaierror`` a real one gives.
    """
    resolve = socket.getaddrinfo

    def getaddrinfo(name: Any, *args: Any, **kwargs: Any) -> Any:
        if name == UNRESOLVABLE_HOST:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return UNRESOLVABLE_HOST


async def test_fault_unresolvable_host(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    config_dir: Path,
    caplog: pytest.LogCaptureFixture,
    unresolvable_host: str,
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_ENDPOINT: UNRESOLVABLE}
    )
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    # Retryable: Home Assistant tries again later, and says why in its own words.
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.reason is not None
    cannot_connect = _translated("cannot_connect")
    assert cannot_connect.search(config_entry.reason), config_entry.reason
    assert any(cannot_connect.search(record.getMessage()) for record in caplog.records)
    assert _cache_files(config_dir) == []

    # The network comes back (here: the emulator): the next set-up works, and speaks.
    await hass.config_entries.async_unload(config_entry.entry_id)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_ENDPOINT: emulator.url}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    status, body = await _speak_and_fetch(hass, hass_client, play_media_calls)
    assert status == HTTPStatus.OK
    assert body == COMPLETE


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_fault_unresolvable_host_engine(protocol: str, unresolvable_host: str) -> None:
    """The engine retries a failed look-up (it may be a blip), then says it cannot connect."""
    engine = SynthesisEngine(
        Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
        EngineConfig(
            protocol=protocol,  # type: ignore[arg-type]
            endpoint=UNRESOLVABLE,
            retry_backoff=0.01,
            retry_backoff_max=0.02,
        ),
    )
    with pytest.raises(VolcengineError) as caught:
        await engine.synthesize(MESSAGE, SETTINGS)
    assert translation_key(caught.value) == "cannot_connect"
    assert engine.retries == RETRY_ATTEMPTS
    await engine.close()
