"""Cloning a voice as a user does it: a recording, Home Assistant's file upload, the flow."""

from __future__ import annotations

import io
import math
import struct
import tempfile
import wave
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.components import media_source
from homeassistant.components.file_upload import TEMP_DIR_NAME
from homeassistant.components.media_player import ATTR_MEDIA_CONTENT_ID
from homeassistant.config_entries import SOURCE_USER, ConfigSubentry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

SLOT = "S_grandma01"
ENTITY = "tts.grandma"
SPEAKER = "media_player.kitchen"
MESSAGE = "吃饭啦"
RATE = 16000


def wav_recording(seconds: float, rate: int = RATE) -> bytes:
    """A mono 16-bit WAV tone of ``seconds``: stands in for a person speaking."""
    frames = b"".join(
        struct.pack("<h", int(6000 * math.sin(index / 8))) for index in range(int(rate * seconds))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return buffer.getvalue()


RECORDING = wav_recording(12)


async def upload(hass_client: ClientSessionGenerator, content: bytes, name: str) -> str:
    """Upload a file as the frontend's file selector does; return its id."""
    form = aiohttp.FormData()
    form.add_field("file", content, filename=name, content_type="application/octet-stream")
    client = await hass_client()
    response = await client.post("/api/file_upload", data=form)
    assert response.status == HTTPStatus.OK
    return str((await response.json())["file_id"])


async def start(hass: HomeAssistant, entry: MockConfigEntry, slot: str = SLOT) -> dict[str, Any]:
    """Open Clone a voice and name the slot."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "clone"), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Grandma", "voice_slot": slot}
    )


async def send_recording(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    result: dict[str, Any],
    content: bytes = RECORDING,
    name: str = "grandma.wav",
    **fields: Any,
) -> dict[str, Any]:
    """Fill in the upload step; once the training ends, return the step after it."""
    assert result["step_id"] == "upload", result
    file_id = await upload(hass_client, content, name)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"recording": file_id, "language": "zh", **fields}
    )
    return await finish_progress(hass, result)


async def finish_progress(hass: HomeAssistant, result: dict[str, Any]) -> dict[str, Any]:
    """Let the training task end, then show the step it leads to."""
    if result["type"] is not FlowResultType.SHOW_PROGRESS:
        return result
    await hass.async_block_till_done()
    return await hass.config_entries.subentries.async_configure(result["flow_id"])


def clone_presets(entry: MockConfigEntry) -> list[ConfigSubentry]:
    return [item for item in entry.subentries.values() if item.subentry_type == "clone"]


async def speak(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, calls: list[ServiceCall]
) -> bytes:
    await hass.services.async_call(
        "tts",
        "speak",
        {"entity_id": ENTITY, "media_player_entity_id": SPEAKER, "message": MESSAGE},
        blocking=True,
    )
    resolved = await media_source.async_resolve_media(
        hass, calls[-1].data[ATTR_MEDIA_CONTENT_ID], None
    )
    response = await (await hass_client()).get(resolved.url)
    assert response.status == HTTPStatus.OK
    return await response.read()


def uploads_left() -> list[Path]:
    """Files left in Home Assistant's upload folder (there must be none)."""
    folder = Path(tempfile.gettempdir()) / TEMP_DIR_NAME
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []
