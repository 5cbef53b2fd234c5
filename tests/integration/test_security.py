"""Security properties, end to end: secrets stay secret, TLS stays on, endpoints stay sane.

Credentials are distinctive fakes so a leak cannot hide among other strings. The
emulator (the *server*) legitimately sees them; only its own loggers are exempt.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import subprocess
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import media_source
from homeassistant.components.media_player import ATTR_MEDIA_CONTENT_ID
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util.ssl import get_default_context
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.volcengine_tts import create_engine
from custom_components.volcengine_tts.const import (
    CONF_APP_ID,
    CONF_CLUSTER,
    CONF_ENDPOINT,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    CONF_VOICE,
    DOMAIN,
)
from custom_components.volcengine_tts.volcengine import (
    Credentials,
    EngineConfig,
    InvalidEndpointError,
    SynthesisEngine,
    V1Client,
)
from custom_components.volcengine_tts.volcengine.synthesis.bidirection import (
    BidirectionalConnection,
)
from emulator import Account, Emulator, EmulatorConfig

from .conftest import VOICE
from .flows import form_input, frontend_flows

APP_ID = "app-7f3a9c"
TOKEN = "tok-SECRET-91b2"
ROTATED = "tok-ROTATED-55aa"
"""The token after it was rotated in the console: only the user and the server know it."""
WRONG = "tok-WRONG-77c1"
"""A token typed wrongly into a form."""
SECRETS = (APP_ID, TOKEN, ROTATED, WRONG)
ECHO = f"request for appid {APP_ID} with token {TOKEN} refused"
"""A server (or a proxy) that echoes the credentials back in its error message."""

ENTITY_ID = "tts.volcengine_text_to_speech"
SPEAKER = "media_player.kitchen"
MESSAGE = "洗衣机洗好了"
SERVER_SIDE = ("emulator", "websockets.server")
"""Loggers of the emulated service: it receives the credentials by design."""
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(accounts={APP_ID: Account(APP_ID, TOKEN)})


@pytest.fixture
def app_id() -> str:
    return APP_ID


@pytest.fixture
def access_token() -> str:
    return TOKEN


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every logger at DEBUG, from before the entry is set up."""
    caplog.set_level(logging.DEBUG)


async def _speak_and_fetch(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, calls: list[ServiceCall]
) -> int:
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
    await response.read()
    await hass.async_block_till_done(wait_background_tasks=True)
    return response.status


async def _entity_error(hass: HomeAssistant) -> HomeAssistantError:
    """Ask the entity directly, to hold the very exception Home Assistant gets."""
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    with pytest.raises(HomeAssistantError) as caught:
        await entity.async_get_tts_audio(MESSAGE, "zh-CN", entity.default_options)
    return caught.value


def _record_texts(record: logging.LogRecord) -> Iterable[str]:
    yield record.getMessage()
    yield str(record.msg)
    yield repr(record.args)
    if record.exc_info:
        yield logging.Formatter().formatException(record.exc_info)


def _exception_texts(error: BaseException) -> Iterable[str]:
    """Everything of an exception a user or a log could see, causes included."""
    current: BaseException | None = error
    while current is not None:
        yield str(current)
        yield repr(current)
        yield repr(getattr(current, "translation_placeholders", None))
        yield repr(getattr(current, "__dict__", {}))
        current = current.__cause__ or current.__context__


def _assert_nothing_leaks(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    errors: Iterable[BaseException] = (),
) -> None:
    """No secret in any log record, exception, state, registry entry or repair issue."""
    client_records = [
        record
        for record in [*caplog.get_records("setup"), *caplog.records]
        if not record.name.startswith(SERVER_SIDE)
    ]
    # The capture works: the integration's DEBUG lines are there.
    assert any(
        record.name.startswith("custom_components.volcengine_tts") for record in client_records
    )
    for record in client_records:
        for text in _record_texts(record):
            for secret in SECRETS:
                assert secret not in text, f"{secret!r} logged by {record.name}: {text[:300]}"
    for error in errors:
        for text in _exception_texts(error):
            for secret in SECRETS:
                assert secret not in text, f"{secret!r} in {type(error).__name__}: {text[:300]}"
    states = json.dumps([state.as_dict() for state in hass.states.async_all()], default=str)
    entities = repr(list(er.async_get(hass).entities.values()))
    devices = repr(
        [
            device
            for entry in hass.config_entries.async_entries(DOMAIN)
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        ]
    )
    issues = repr(list(ir.async_get(hass).issues.values()))
    for secret in SECRETS:
        assert secret not in states
        assert secret not in entities
        assert secret not in devices
        assert secret not in issues


# ------------------------------------------------ (a)–(c): logs, exceptions, states

PROTOCOLS = pytest.mark.parametrize("protocol", ["v3", "v1"])


@PROTOCOLS
async def test_success_leaks_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await _speak_and_fetch(hass, hass_client, play_media_calls) == HTTPStatus.OK
    # The request headers were logged, and redacted.
    assert any(
        "**REDACTED**" in record.getMessage()
        for record in [*caplog.get_records("setup"), *caplog.records]
        if record.name.startswith("custom_components.volcengine_tts")
    )
    _assert_nothing_leaks(hass, caplog)


@PROTOCOLS
async def test_rotated_token_leaks_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.config.accounts[APP_ID] = Account(APP_ID, ROTATED)
    await emulator.close_idle_connections()
    assert await _speak_and_fetch(hass, hass_client, play_media_calls) == 500
    error = await _entity_error(hass)
    assert error.translation_key == "invalid_auth"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    _assert_nothing_leaks(hass, caplog, [error])


# v3 only: v1 set-up sends nothing (it trusts the saved login); its first request
# meets the refusal, which test_rotated_token_leaks_nothing covers.
@pytest.mark.parametrize("protocol", ["v3"])
async def test_rejected_setup_leaks_nothing(
    hass: HomeAssistant,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.config.accounts[APP_ID] = Account(APP_ID, ROTATED)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.reason is not None
    for secret in SECRETS:
        assert secret not in config_entry.reason
    _assert_nothing_leaks(hass, caplog)


FAULTS = {
    "handshake-401": {"handshake_status": 401},
    "error-frame-echoing-credentials": {
        "error_code": 3001,
        "error_message": ECHO,
        "error_count": 100,
    },
    "transient-error-echoing-credentials": {
        "error_code": 3031,
        "error_message": ECHO,
        "error_count": 100,
    },
    "text-frame-echoing-credentials": {"text_frame": ECHO},
    "json-text-frame-echoing-credentials": {
        "text_frame": json.dumps({"code": 3001, "message": ECHO})
    },
    "malformed-frame": {"malformed_after_frames": 0},
}


@PROTOCOLS
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_error_paths_leak_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    for name, value in FAULTS[fault].items():
        setattr(emulator.faults, name, value)
    await emulator.close_idle_connections()
    assert await _speak_and_fetch(hass, hass_client, play_media_calls) == 500
    error = await _entity_error(hass)
    _assert_nothing_leaks(hass, caplog, [error])


@PROTOCOLS
async def test_diagnostics_leak_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Downloaded after errors that echoed the credentials, so recent_errors has them."""
    assert await async_setup_component(hass, "diagnostics", {})
    emulator.faults.error_code = 3001
    emulator.faults.error_message = ECHO
    error = await _entity_error(hass)
    emulator.faults.text_frame = ECHO
    text_error = await _entity_error(hass)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_entry)

    dumped = json.dumps(diagnostics, ensure_ascii=False)
    assert diagnostics["engine"]["recent_errors"]
    for secret in SECRETS:
        assert secret not in dumped
    _assert_nothing_leaks(hass, caplog, [error, text_error])


@PROTOCOLS
async def test_config_flow_with_a_wrong_token_leaks_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
    protocol: str,
) -> None:
    fields = {
        CONF_APP_ID: APP_ID,
        CONF_ACCESS_TOKEN: WRONG,
        CONF_PROTOCOL: protocol,
        CONF_RESOURCE_ID: "auto",
        CONF_CLUSTER: "volcano_tts",
        CONF_VOICE: VOICE,
        CONF_ENDPOINT: emulator.url,
    }
    frontend = await frontend_flows(hass, hass_client)
    result = await frontend.start()
    result = await frontend.configure(result["flow_id"], form_input(**fields))
    assert result["errors"] == {"base": "invalid_auth"}
    _assert_form_hides_tokens(result)
    result = await frontend.configure(
        result["flow_id"], form_input(**{**fields, CONF_ACCESS_TOKEN: TOKEN})
    )
    await hass.async_block_till_done()
    assert result["type"] == FlowResultType.CREATE_ENTRY
    _assert_form_hides_tokens(result)
    _assert_nothing_leaks(hass, caplog)


@PROTOCOLS
async def test_reauth_leaks_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.config.accounts[APP_ID] = Account(APP_ID, ROTATED)
    frontend = await frontend_flows(hass, hass_client)
    flow_id = (await setup_entry.start_reauth_flow(hass))["flow_id"]
    result = await frontend.show(flow_id)
    assert result["step_id"] == "reauth_confirm"
    _assert_form_hides_tokens(result)
    result = await frontend.configure(flow_id, {CONF_ACCESS_TOKEN: WRONG})
    assert result["errors"] == {"base": "invalid_auth"}
    _assert_form_hides_tokens(result)
    result = await frontend.configure(flow_id, {CONF_ACCESS_TOKEN: ROTATED})
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert setup_entry.data[CONF_ACCESS_TOKEN] == ROTATED
    _assert_nothing_leaks(hass, caplog)


@PROTOCOLS
async def test_reconfigure_form_hides_the_token(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    frontend = await frontend_flows(hass, hass_client)
    result = await frontend.start(entry_id=setup_entry.entry_id)
    assert result["step_id"] == "reconfigure"
    shown = _assert_form_hides_tokens(result)
    assert APP_ID in shown  # defaults are part of what was checked: the app id is pre-filled
    _assert_nothing_leaks(hass, caplog)


def _assert_form_hides_tokens(result: dict[str, Any]) -> str:
    """The flow step as the frontend receives it (defaults included) never holds a token."""
    shown = json.dumps(result)
    for secret in (TOKEN, WRONG, ROTATED):
        assert secret not in shown
    return shown


async def test_the_leak_check_catches_a_leak(
    hass: HomeAssistant, setup_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """The check above is not vacuous: a token in a log line fails it."""
    logging.getLogger("custom_components.volcengine_tts").debug("using %s", TOKEN)
    with pytest.raises(AssertionError, match="logged by"):
        _assert_nothing_leaks(hass, caplog)


def test_credentials_repr_hides_the_token() -> None:
    assert TOKEN not in repr(Credentials(APP_ID, TOKEN))


# ------------------------------------------------ (d) TLS verification stays on


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _no_hostname_check() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    return context


UNVERIFIED_CONTEXTS = pytest.mark.parametrize(
    "context",
    [_unverified, _no_hostname_check, ssl._create_unverified_context],
    ids=["cert-none", "no-hostname-check", "stdlib-unverified"],
)


@UNVERIFIED_CONTEXTS
@pytest.mark.parametrize("protocol", ["v3", "v1"])
def test_engine_refuses_an_unverified_tls_context(context: Any, protocol: str) -> None:
    with pytest.raises(InvalidEndpointError, match="cannot be disabled"):
        SynthesisEngine(
            Credentials(APP_ID, TOKEN),
            EngineConfig(protocol=protocol),  # type: ignore[arg-type]
            ssl_context=context(),
        )


@UNVERIFIED_CONTEXTS
def test_v1_client_refuses_an_unverified_tls_context(context: Any) -> None:
    with pytest.raises(InvalidEndpointError, match="cannot be disabled"):
        V1Client(Credentials(APP_ID, TOKEN), ssl_context=context())


@UNVERIFIED_CONTEXTS
async def test_v3_connection_refuses_an_unverified_tls_context(context: Any) -> None:
    """Refused before any socket is opened (the host does not even exist)."""
    with pytest.raises(InvalidEndpointError, match="cannot be disabled"):
        await BidirectionalConnection.open(
            Credentials(APP_ID, TOKEN),
            endpoint="wss://volcengine-tts.invalid",
            resource_id="seed-tts-1.0",
            ssl_context=context(),
            connect_timeout=1,
            receive_timeout=1,
        )


def test_home_assistant_engine_verifies_certificates() -> None:
    context = get_default_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    engine = create_engine(
        {CONF_APP_ID: APP_ID, CONF_ACCESS_TOKEN: TOKEN, CONF_ENDPOINT: "wss://example.com"}, {}
    )
    assert engine._ssl_context is not None
    assert engine._ssl_context.verify_mode is ssl.CERT_REQUIRED


# ------------------------------------------------ (e) endpoints

REFUSED_ENDPOINTS = [
    "ws://openspeech.bytedance.com",
    "ws://192.168.1.10:8765",
    "ws://127.0.0.1.attacker.example",
    "ws://localhost.attacker.example",
    "ws://127.0.0.1@attacker.example",
    "wss://user:secret@openspeech.bytedance.com",
    "http://openspeech.bytedance.com",
    "https://openspeech.bytedance.com",
    "ftp://openspeech.bytedance.com",
    "openspeech.bytedance.com:443/elsewhere",
    "wss://openspeech.bytedance.com/elsewhere",
    "wss://openspeech.bytedance.com/?redirect=attacker.example",
    "wss://attacker.example#@openspeech.bytedance.com",
    "wss://",
]


@pytest.mark.parametrize("endpoint", REFUSED_ENDPOINTS)
@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_config_flow_refuses_unsafe_endpoints(
    hass: HomeAssistant, emulator: Emulator, endpoint: str, protocol: str
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        form_input(
            **{
                CONF_APP_ID: APP_ID,
                CONF_ACCESS_TOKEN: TOKEN,
                CONF_PROTOCOL: protocol,
                CONF_RESOURCE_ID: "auto",
                CONF_CLUSTER: "volcano_tts",
                CONF_VOICE: VOICE,
                CONF_ENDPOINT: endpoint,
            }
        ),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_endpoint"}
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert emulator.connections == 0


def test_the_form_explains_the_endpoint_rule() -> None:
    translations = json.loads(
        (REPO / "custom_components/volcengine_tts/translations/en.json").read_text("utf-8")
    )
    message = translations["config"]["error"]["invalid_endpoint"]
    assert "wss://" in message
    assert "ws://" in message.replace("wss://", "")


@pytest.mark.parametrize("endpoint", REFUSED_ENDPOINTS)
def test_clients_refuse_unsafe_endpoints(endpoint: str) -> None:
    with pytest.raises(InvalidEndpointError) as caught:
        V1Client(Credentials(APP_ID, TOKEN), endpoint=endpoint)
    assert str(caught.value)
    assert "user:secret" not in str(caught.value)  # an endpoint's password is not echoed
    with pytest.raises(InvalidEndpointError):
        SynthesisEngine(Credentials(APP_ID, TOKEN), EngineConfig(endpoint=endpoint))


@pytest.mark.parametrize("endpoint", REFUSED_ENDPOINTS)
async def test_v3_connections_refuse_unsafe_endpoints(endpoint: str) -> None:
    with pytest.raises(InvalidEndpointError):
        await BidirectionalConnection.open(
            Credentials(APP_ID, TOKEN),
            endpoint=endpoint,
            resource_id="seed-tts-1.0",
            ssl_context=None,
            connect_timeout=1,
            receive_timeout=1,
        )


@pytest.mark.parametrize(
    "endpoint",
    [
        "wss://openspeech.bytedance.com",
        "WSS://openspeech.bytedance.com:443/",
        "wss://openspeech.bytedance.com/api/v1/tts/ws_binary",
        "ws://127.0.0.1:8765",
        "ws://localhost:8765",
        "ws://[::1]:8765",
    ],
)
def test_safe_endpoints_are_accepted(endpoint: str) -> None:
    V1Client(Credentials(APP_ID, TOKEN), endpoint=endpoint)


# ------------------------------------------------ (f) no credentials in the repository

VALUE = r"[A-Za-z0-9+/=_\-]{32,}"
CREDENTIAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "long secret assigned to a credential name": re.compile(
        r"(?i)\b[\w\-]*(?:token|secret|passw(?:or)?d|api[_\-]?key|access[_\-]?key|app[_\-]?key)"
        r"[\w\-]*[\"']?\s*[:=]\s*[rbf]?[\"']?(" + VALUE + r")"
    ),
    "bearer token literal": re.compile(r"Bearer;\s*(?![{$<])([A-Za-z0-9._\-]{16,})"),
    "ten-digit app id": re.compile(r"(?i)\bapp[_\-]?id\b.{0,40}?(?<!\d)(\d{10})(?!\d)"),
    "private key": re.compile(r"-{5}BEGIN [A-Z ]*PRIVATE KEY-{5}()"),
}
PLACEHOLDERS = re.compile(
    r"(?i)^(?:\d{10}$|.*(?:your|example|placeholder|redacted|emulator|fake|dummy|xxxx).*$)"
)
"""Values that are obviously not credentials: documentation placeholders, demo fakes."""
ALLOWED_NUMBERS = frozenset({"1234567890", "0123456789", "0000000000"})


def _looks_real(value: str) -> bool:
    if not value:
        return True  # patterns without a value group (a private key) always count
    if value.isdigit():
        return value not in ALLOWED_NUMBERS
    has_digit = any(character.isdigit() for character in value)
    has_letter = any(character.isalpha() for character in value)
    return has_digit and has_letter and not PLACEHOLDERS.match(value) and len(set(value)) > 4


def _findings(text: str) -> list[tuple[str, str]]:
    return [
        (name, match.group(0)[:80])
        for name, pattern in CREDENTIAL_PATTERNS.items()
        for match in pattern.finditer(text)
        if _looks_real(match.group(1))
    ]


def _repository_files() -> list[Path]:
    """Tracked files plus new ones not yet committed (but not ignored ones)."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    return [REPO / name for name in listing.decode().split("\0") if name]


def test_the_scanner_recognises_credentials() -> None:
    """Samples are assembled at run time, so this file never contains one itself."""
    key = "Zk3" + "q9XbV2mLp7Rt4YwN8sD1fH6jK0cA5uE"
    samples = [
        f'ACCESS_TOKEN = "{key}"',
        f"secret: {key}",
        f"VOLCENGINE_ACCESS_TOKEN={key}",
        f'"Authorization": "Bearer; {key}"',
        'appid="' + "73" + '81920465"',
        "-----" + "BEGIN RSA PRIVATE KEY" + "-----",
    ]
    for sample in samples:
        assert _findings(sample), sample
    harmless = [
        'access_token = data[CONF_ACCESS_TOKEN]",',
        'headers={"Authorization": f"Bearer; {self._credentials.access_token}"}',
        'DEFAULT_TOKEN = "emulator-token"',
        'VOLCENGINE_ACCESS_TOKEN="your-access-token-from-the-volcengine-console"',
        "appid: 1234567890",
    ]
    for sample in harmless:
        assert not _findings(sample), sample


def test_the_repository_holds_no_credentials() -> None:
    files = _repository_files()
    assert any(path.name == "README.md" for path in files)
    findings = []
    for path in files:
        if not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary (icons, audio)
        for name, excerpt in _findings(data.decode("utf-8", errors="replace")):
            findings.append(f"{path.relative_to(REPO)}: {name}: {excerpt}")
    assert findings == []
