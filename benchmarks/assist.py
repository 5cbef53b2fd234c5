"""A Home Assistant in this process with our STT and TTS behind an Assist pipeline.

Shared by benchmarks that time what a voice satellite's user waits for. Home Assistant
is the one installed in the running venv (2026.2.3 in ``.venv``, 2026.11.0 in
``.venv-latest``), built as its test harness builds it (no web server, registries in
memory), with the components an Assist pipeline needs, this repository's integration
set up against an emulator, and Home Assistant's own conversation agent. The satellite
is played by calling ``assist_pipeline.async_pipeline_from_audio_stream`` as the
ESPHome and Wyoming integrations do, with their ``tts_audio_output``.

Everything timed goes through Home Assistant's public Python API; the emulator runs in
a child process (``measure.emulator_process``) so its CPU is not Home Assistant's.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

from homeassistant import loader
from homeassistant.components import assist_pipeline, stt, tts
from homeassistant.components.assist_pipeline import (
    AudioSettings,
    PipelineEvent,
    PipelineEventType,
)
from homeassistant.components.assist_pipeline.pipeline import (
    async_create_default_pipeline,
    async_update_pipeline,
)
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import frame
from homeassistant.setup import async_setup_component
from homeassistant.util.ssl import get_default_context
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.volcengine_tts.const import (
    CONF_APP_ID,
    CONF_CLUSTER,
    CONF_ENDPOINT,
    CONF_PROTOCOL,
    CONF_RESOURCE_ID,
    CONF_VOICE,
    DEFAULT_TITLE,
    DOMAIN,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN
from emulator.audio import render_audio

if TYPE_CHECKING:
    from .measure import Endpoint

VOICE: Final = "zh_female_cancan_mars_bigtts"
LANGUAGE: Final = "zh-CN"
STT_ENTITY: Final = "stt.volcengine_speech_to_text"
TTS_ENTITY: Final = "tts.volcengine_text_to_speech"
COMMAND: Final = "打开客厅的灯"
"""What the user says: the default agent turns the living-room light on and says so."""
LIGHT: Final = "light.ke_ting_deng"
_CHUNK_BYTES: Final = 320
"""10 ms of 16 kHz 16-bit mono PCM: what a satellite sends at a time."""
_CHUNK_SECONDS: Final = 0.01
_RUN_TIMEOUT: Final = 60.0
SPEECH_METADATA: Final = stt.SpeechMetadata(
    language=LANGUAGE,
    format=stt.AudioFormats.WAV,
    codec=stt.AudioCodecs.PCM,
    bit_rate=stt.AudioBitRates.BITRATE_16,
    sample_rate=stt.AudioSampleRates.SAMPLERATE_16000,
    channel=stt.AudioChannels.CHANNEL_MONO,
)


@dataclass(slots=True)
class SubprocessCounter:
    """Counts the ffmpeg processes Home Assistant starts (its TTS converts with one).

    Wraps ``asyncio.create_subprocess_exec``, which Home Assistant's ``tts`` calls for
    each conversion; everything else passes through untouched.
    """

    ffmpeg: int = 0
    _original: Callable[..., Awaitable[asyncio.subprocess.Process]] = field(
        default=asyncio.create_subprocess_exec, repr=False
    )

    async def _counting(
        self,
        program: str,
        *args: object,
        **kwargs: object,
    ) -> asyncio.subprocess.Process:
        if Path(str(program)).name.startswith("ffmpeg"):
            self.ffmpeg += 1
        return await self._original(program, *args, **kwargs)

    @contextlib.contextmanager
    def installed(self) -> Iterator[SubprocessCounter]:
        """Count while the block runs."""
        with patch.object(asyncio, "create_subprocess_exec", self._counting):
            yield self


@dataclass(frozen=True, slots=True)
class Reply:
    """One pipeline run: when speech ended and when the reply's first audio came."""

    end_of_speech: float
    first_audio: float
    audio_bytes: int
    ffmpeg: int

    @property
    def latency(self) -> float:
        """Seconds from the end of speech to the first reply audio."""
        return self.first_audio - self.end_of_speech


class AssistHome:
    """Home Assistant with the integration, a light to switch and an Assist pipeline."""

    def __init__(self, hass: HomeAssistant, pipeline_id: str) -> None:
        self.hass = hass
        self.pipeline_id = pipeline_id
        self.speech = render_audio(COMMAND, VOICE, encoding="pcm", sample_rate=16000)
        self.counter = SubprocessCounter()

    async def clear_tts_cache(self) -> None:
        """Forget synthesised audio: every timed request must reach the service.

        The last request's audio is written to the disk cache in the background,
        after its stream ended: wait for that first, or the next request reads it.
        """
        await self.hass.async_block_till_done(wait_background_tasks=True)
        await self.hass.services.async_call("tts", "clear_cache", {}, blocking=True)

    async def speak(self, message: str, options: Mapping[str, Any]) -> tuple[float, int, int]:
        """Ask the TTS for ``message``; return (seconds to first audio, bytes, ffmpegs).

        As ``/api/tts_proxy`` does for a player: create a stream, set its message,
        read the result.
        """
        await self.clear_tts_cache()
        before = self.counter.ffmpeg
        started = time.perf_counter()
        stream = tts.async_create_stream(self.hass, TTS_ENTITY, LANGUAGE, dict(options))
        stream.async_set_message(message)
        first, size = await _first_audio(stream.async_stream_result())
        return first - started, size, self.counter.ffmpeg - before

    async def ask(self, tts_audio_output: Mapping[str, Any] | None) -> Reply:
        """Say the command into the pipeline in real time; time the reply's first audio."""
        await self.clear_tts_cache()
        before = self.counter.ffmpeg
        ended: list[float] = []
        listener: list[asyncio.Task[tuple[float, int]]] = []
        heard: list[str] = []
        errors: list[object] = []

        def on_event(event: PipelineEvent) -> None:
            data = event.data or {}
            if event.type is PipelineEventType.RUN_START:
                stream = tts.async_get_stream(self.hass, data["tts_output"]["token"])
                if stream is not None:
                    # A satellite fetches the reply's URL as soon as it knows it.
                    task = asyncio.create_task(_first_audio(stream.async_stream_result()))
                    listener.append(task)
            elif event.type is PipelineEventType.STT_END:
                heard.append(data["stt_output"]["text"])
            elif event.type is PipelineEventType.ERROR:
                errors.append(data)

        async with asyncio.timeout(_RUN_TIMEOUT):
            await assist_pipeline.async_pipeline_from_audio_stream(
                self.hass,
                context=Context(),
                event_callback=on_event,
                stt_metadata=SPEECH_METADATA,
                stt_stream=_microphone(self.speech, ended),
                pipeline_id=self.pipeline_id,
                tts_audio_output=dict(tts_audio_output) if tts_audio_output else None,
                # The stream ends when the speech does (a satellite's VAD would end it).
                audio_settings=AudioSettings(is_vad_enabled=False),
            )
            if errors or heard != [COMMAND] or not listener or not ended:
                raise RuntimeError(f"the run went wrong: heard {heard}, errors {errors}")
            first, size = await listener[0]
        return Reply(ended[0], first, size, self.counter.ffmpeg - before)


async def _microphone(speech: bytes, ended: list[float]) -> AsyncGenerator[bytes]:
    """Stream ``speech`` in 10 ms pieces at the pace it is spoken; note when it ends.

    The end is when the pipeline asks for more after the last piece: from then on
    the speech-to-text knows the user stopped talking.
    """
    started = time.perf_counter()
    for index, start in enumerate(range(0, len(speech), _CHUNK_BYTES)):
        await asyncio.sleep(max(0.0, started + index * _CHUNK_SECONDS - time.perf_counter()))
        yield speech[start : start + _CHUNK_BYTES]
    ended.append(time.perf_counter())


async def _first_audio(audio: AsyncGenerator[bytes]) -> tuple[float, int]:
    """Read a whole audio stream; return when its first chunk came and its size."""
    first: float | None = None
    size = 0
    async with contextlib.aclosing(audio):
        async for chunk in audio:
            if first is None and chunk:
                first = time.perf_counter()
            size += len(chunk)
    if first is None:
        raise RuntimeError("the reply had no audio")
    return first, size


@contextlib.asynccontextmanager
async def assist_home(endpoint: Endpoint) -> AsyncIterator[AssistHome]:
    """Start Home Assistant with everything an Assist run needs; stop it afterwards."""
    # The emulator's throw-away CA, trusted by Home Assistant's own client context
    # (the one the integration connects with): certificate checks stay on.
    get_default_context().load_verify_locations(cadata=_ca_text(endpoint))
    with tempfile.TemporaryDirectory(prefix="volcengine-assist-") as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            # As the test plugin's ``hass`` fixture finishes it.
            frame.async_setup(hass)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)  # find custom_components/
            home = AssistHome(hass, await _set_up(hass, endpoint.url))
            with home.counter.installed():
                try:
                    yield home
                finally:
                    await hass.async_stop(force=True)


def _ca_text(endpoint: Endpoint) -> str:
    """The PEM text of the CA ``endpoint`` trusts (its SSL context holds just that one)."""
    import ssl  # noqa: PLC0415 - only here

    certificates = endpoint.ssl_context.get_ca_certs(binary_form=True)
    return "".join(ssl.DER_cert_to_PEM_cert(certificate) for certificate in certificates)


async def _set_up(hass: HomeAssistant, url: str) -> str:
    """Components, our config entry, the light and the pipeline; return its id."""
    hass.config.language = "zh-Hans"
    hass.config.country = "CN"
    for component in ("homeassistant", "intent", "conversation", "assist_pipeline"):
        if not await async_setup_component(hass, component, {}):
            raise RuntimeError(f"{component} did not set up")
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title=DEFAULT_TITLE,
        unique_id=DEFAULT_APP_ID,
        data={
            CONF_APP_ID: DEFAULT_APP_ID,
            CONF_ACCESS_TOKEN: DEFAULT_TOKEN,
            CONF_PROTOCOL: "v3",
            CONF_RESOURCE_ID: "auto",
            CONF_CLUSTER: "volcano_tts",
            CONF_ENDPOINT: url,
        },
        options={CONF_VOICE: VOICE},
    )
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("the integration did not set up")
    await hass.async_block_till_done(wait_background_tasks=True)
    area = ar.async_get(hass).async_create("客厅")
    registry = er.async_get(hass)
    registry.async_get_or_create("light", "test", "living-room", suggested_object_id="ke_ting_deng")
    registry.async_update_entity(LIGHT, area_id=area.id)
    hass.states.async_set(LIGHT, "off", {"friendly_name": "客厅的灯"})
    hass.services.async_register("light", "turn_on", _switched_on)
    pipeline = await async_create_default_pipeline(hass, STT_ENTITY, TTS_ENTITY, "Volcengine")
    if pipeline is None:
        raise RuntimeError("no pipeline was created")
    await async_update_pipeline(
        hass,
        pipeline,
        conversation_engine="conversation.home_assistant",
        conversation_language=LANGUAGE,
        language=LANGUAGE,
        stt_engine=STT_ENTITY,
        stt_language=LANGUAGE,
        tts_engine=TTS_ENTITY,
        tts_language=LANGUAGE,
    )
    return pipeline.id


async def _switched_on(call: Any) -> None:  # noqa: ANN401 - a ServiceCall, unused
    """The light's turn-on service: nothing to switch, the reply is what counts."""
