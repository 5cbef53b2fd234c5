"""Logging in: the app id + access token pair, or the new console's single API key."""

from __future__ import annotations

import logging

import pytest

from custom_components.volcengine_tts.volcengine import (
    ApiKeyCredentials,
    AuthenticationError,
    Credentials,
    EngineConfig,
    PermissionDeniedError,
    SynthesisEngine,
    UnsupportedCredentialsError,
    V1Client,
    VoiceSettings,
)
from custom_components.volcengine_tts.volcengine.wire.models import auth_headers
from emulator import DEFAULT_API_KEY, DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator

SETTINGS = VoiceSettings(voice="zh_female_cancan_mars_bigtts")
API_KEY = ApiKeyCredentials(DEFAULT_API_KEY)


def _engine(emulator: Emulator, credentials: object = API_KEY, **config: object) -> SynthesisEngine:
    return SynthesisEngine(
        credentials,  # type: ignore[arg-type]
        EngineConfig(endpoint=emulator.url, retry_backoff=0.001, **config),  # type: ignore[arg-type]
    )


def test_v3_sends_the_api_key_instead_of_app_key_and_access_key() -> None:
    assert auth_headers(ApiKeyCredentials("k-1")) == {"X-Api-Key": "k-1"}
    assert auth_headers(Credentials("app", "tok")) == {
        "X-Api-App-Key": "app",
        "X-Api-Access-Key": "tok",
    }


async def test_an_api_key_synthesizes_on_v3(emulator: Emulator) -> None:
    engine = _engine(emulator)
    try:
        audio = await engine.synthesize("你好。", SETTINGS)
    finally:
        await engine.close()
    assert audio
    session = emulator.sessions[0]
    assert session.app_id == DEFAULT_APP_ID
    assert session.resource_id == "seed-tts-1.0"


async def test_a_wrong_api_key_is_an_authentication_error(emulator: Emulator) -> None:
    engine = _engine(emulator, ApiKeyCredentials("not-a-key"))
    try:
        with pytest.raises(AuthenticationError) as caught:
            await engine.synthesize("你好。", SETTINGS)
    finally:
        await engine.close()
    assert caught.value.code == 45000010
    assert engine.retries == 0


async def test_an_api_key_without_the_resource_is_permission_denied(emulator: Emulator) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID,
        DEFAULT_TOKEN,
        api_key=DEFAULT_API_KEY,
        resources=frozenset({"seed-tts-2.0"}),
    )
    engine = _engine(emulator)
    try:
        with pytest.raises(PermissionDeniedError):
            await engine.synthesize("你好。", SETTINGS)
    finally:
        await engine.close()


def test_v1_refuses_an_api_key_when_the_engine_is_built() -> None:
    with pytest.raises(UnsupportedCredentialsError, match="v3"):
        SynthesisEngine(API_KEY, EngineConfig(protocol="v1"))


async def test_the_v1_client_refuses_an_api_key_before_connecting(emulator: Emulator) -> None:
    client = V1Client(API_KEY, endpoint=emulator.url)
    with pytest.raises(UnsupportedCredentialsError):
        await client.synthesize(SETTINGS.with_text("你好"))
    assert emulator.connections == 0


def test_the_api_key_stays_out_of_repr() -> None:
    assert "sekrit" not in repr(ApiKeyCredentials("sekrit"))
    assert ApiKeyCredentials("sekrit").secrets() == ("sekrit",)


async def test_the_api_key_is_redacted_from_websockets_debug_logs(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    engine = _engine(emulator)
    try:
        await engine.synthesize("你好。", SETTINGS)
    finally:
        await engine.close()
    client_lines = [
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("emulator", "websockets.server"))
    ]
    # The key was sent (and its header logged, redacted), with the resource id and no app key.
    assert any("X-Api-Key" in line and "**REDACTED**" in line for line in client_lines)
    assert any("X-Api-Resource-Id: seed-tts-1.0" in line for line in client_lines)
    assert not any("X-Api-App-Key" in line for line in client_lines)
    assert not any(DEFAULT_API_KEY in line for line in client_lines)
