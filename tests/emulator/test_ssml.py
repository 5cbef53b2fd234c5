"""SSML in the emulator: spoken on the unidirectional APIs, refused on bidirection.

And the four 1.0 voices the voice list keeps off the bidirectional API.
"""

import json
from array import array
from typing import Any

import pytest

from emulator import Emulator
from emulator.audio import render_audio, render_silence, wav_container
from emulator.speech_marks import MarkReader
from emulator.ssml import (
    SSML_NOT_FOR_SPEAKER,
    SSML_NOT_ON_BIDIRECTION,
    SSML_WITH_MARKDOWN_FILTER,
    Silence,
    SsmlRefusedError,
    parse_ssml,
    render_ssml,
    spoken_text,
    ssml_duration,
)
from emulator.v3_bidirection import NOT_ON_BIDIRECTION

from . import raw_client as v1
from .v3_client import (
    ERROR,
    SESSION_FAILED,
    SESSION_FINISHED,
    SPEAKER,
    SPEAKER_2_0,
    UNIDIRECTIONAL,
    audio_of,
    client_frame,
    open_v3,
    receive_until,
    session_payload,
    speak,
    start_connection,
    start_session,
    v3_headers,
)

DOCUMENT = '<speak>明天<break time="500ms"/>有雨。</speak>'
SPOKEN = "明天有雨。"
SAMPLE_RATE = 16000
UNIDIRECTIONAL_ONLY = "ICL_zh_female_heainainai_tob"


def ssml_request(
    document: str = DOCUMENT, speaker: str = SPEAKER, *, text: str | None = None, **additions: Any
) -> dict[str, Any]:
    req_params: dict[str, Any] = {
        "ssml": document,
        "speaker": speaker,
        "audio_params": {"format": "pcm", "sample_rate": SAMPLE_RATE},
    }
    if text is not None:
        req_params["text"] = text
    if additions:
        req_params["additions"] = json.dumps(additions)
    return {"user": {"uid": "emulator-test"}, "req_params": req_params}


def longest_silence(pcm: bytes) -> float:
    """Seconds of the longest run of zero samples (a break, or a pause between syllables)."""
    longest = run = 0
    for sample in array("h", pcm):
        run = run + 1 if sample == 0 else 0
        longest = max(longest, run)
    return longest / SAMPLE_RATE


def spoken(pcm: bytes) -> str:
    reader = MarkReader()
    reader.feed(pcm)
    return reader.text


async def unidirectional(emulator: Emulator, payload: dict[str, Any], **headers: str) -> list[Any]:
    async with open_v3(emulator, UNIDIRECTIONAL, v3_headers(**headers)) as websocket:
        await websocket.send(client_frame(None, payload))
        return await receive_until(websocket, {SESSION_FINISHED})


def test_a_document_is_its_text_and_its_breaks() -> None:
    parts = parse_ssml(
        '<speak>a<sub alias="世贸">WTO</sub><break time="2s"/>'
        '<say-as interpret-as="date">1</say-as></speak>'
    )
    assert parts == ("a", "世贸", Silence(2.0), "1")
    assert spoken_text(parts) == "a世贸1"
    assert ssml_duration(parts) == pytest.approx(2.0 + 4 * 0.15)


@pytest.mark.parametrize(
    "document",
    [
        "<speak>明天",
        "<p>明天</p>",
        "<speak><unknown/>明天</speak>",
        '<speak>明天<break time="0ms"/></speak>',
        '<speak>明天<break time="11s"/></speak>',
        '<speak>明天<break time="soon"/></speak>',
    ],
)
def test_malformed_or_out_of_range_documents_are_refused(document: str) -> None:
    with pytest.raises(SsmlRefusedError):
        parse_ssml(document)


async def test_unidirectional_speaks_the_text_and_the_break_as_silence(emulator: Emulator) -> None:
    frames = await unidirectional(emulator, ssml_request())
    audio = audio_of(frames)
    assert frames[-1].json()["status_code"] == 20000000
    assert spoken(audio) == SPOKEN
    assert len(audio) / 2 / SAMPLE_RATE == pytest.approx(4 * 0.15 + 0.1 + 0.5)
    assert longest_silence(audio) == pytest.approx(0.5, abs=0.01)
    [session] = emulator.sessions
    assert (session.endpoint, session.ssml, session.texts) == ("unidirectional", True, [DOCUMENT])


async def test_ssml_takes_priority_over_text(emulator: Emulator) -> None:
    frames = await unidirectional(emulator, ssml_request(text="别读这个。"))
    assert spoken(audio_of(frames)) == SPOKEN


@pytest.mark.parametrize(
    ("payload", "headers", "message"),
    [
        (ssml_request(speaker=SPEAKER_2_0), {"resource_id": "seed-tts-2.0"}, SSML_NOT_FOR_SPEAKER),
        (
            ssml_request(speaker="S_my_clone"),
            {"resource_id": "seed-icl-2.0"},
            SSML_NOT_FOR_SPEAKER,
        ),
        (ssml_request(disable_markdown_filter=True), {}, SSML_WITH_MARKDOWN_FILTER),
        (ssml_request("<speak>明天"), {}, "invalid ssml"),
        (ssml_request("<speak>。</speak>"), {}, "no text to speak"),
    ],
)
async def test_unidirectional_refuses_ssml_it_cannot_take(
    emulator: Emulator, payload: dict[str, Any], headers: dict[str, str], message: str
) -> None:
    frames = await unidirectional(emulator, payload, **headers)
    assert (frames[-1].message_type, frames[-1].code) == (ERROR, 45000001)
    assert message in frames[-1].payload.decode()
    assert not audio_of(frames)


async def test_bidirection_refuses_ssml_in_start_session(emulator: Emulator) -> None:
    payload = session_payload()
    payload["req_params"]["ssml"] = DOCUMENT
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        failed = await start_session(websocket, "s1", payload)
    assert (failed.event, failed.json()["status_code"]) == (SESSION_FAILED, 45000001)
    assert failed.json()["message"] == SSML_NOT_ON_BIDIRECTION


async def test_bidirection_fails_a_session_sent_ssml_in_a_task_request(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        await start_session(websocket, "s1")
        task = {"event": 200, "req_params": {"ssml": DOCUMENT}}
        await websocket.send(client_frame(200, task, session_id="s1"))
        frames = await receive_until(websocket, {SESSION_FAILED})
    assert frames[-1].json() == {"status_code": 45000001, "message": SSML_NOT_ON_BIDIRECTION}


async def test_the_four_voices_are_refused_on_bidirection(emulator: Emulator) -> None:
    async with open_v3(emulator) as websocket:
        await start_connection(websocket)
        failed = await start_session(websocket, "s1", session_payload(UNIDIRECTIONAL_ONLY))
        assert failed.json() == {"status_code": 45000001, "message": NOT_ON_BIDIRECTION}
        frames = await speak(websocket, "s2", ["还能用。"])  # the connection survives
    assert frames[-1].event == SESSION_FINISHED


async def test_the_four_voices_speak_on_unidirectional_and_v1(emulator: Emulator) -> None:
    payload = ssml_request(speaker=UNIDIRECTIONAL_ONLY)
    frames = await unidirectional(emulator, payload)
    assert spoken(audio_of(frames)) == SPOKEN
    v1_frames = await v1.synthesize(emulator, v1.request_json("你好。", voice=UNIDIRECTIONAL_ONLY))
    assert v1.audio_of(v1_frames)


def v1_ssml(document: str = DOCUMENT, **request: Any) -> dict[str, Any]:
    payload = v1.request_json(document, encoding="pcm", rate=SAMPLE_RATE)
    payload["request"].update({"text_type": "ssml", **request})
    return payload


async def test_v1_speaks_ssml_with_its_break(emulator: Emulator) -> None:
    audio = v1.audio_of(await v1.synthesize(emulator, v1_ssml()))
    assert spoken(audio) == SPOKEN
    assert longest_silence(audio) == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            v1_ssml(extra_param=json.dumps({"disable_markdown_filter": True})),
            SSML_WITH_MARKDOWN_FILTER,
        ),
        (v1_ssml("<speak>明天"), "invalid ssml"),
        (v1_ssml(text_type="html"), "text_type"),
        (v1_ssml("<speak>。</speak>"), "illegal input text"),
    ],
)
async def test_v1_refuses_ssml_it_cannot_take(
    emulator: Emulator, payload: dict[str, Any], message: str
) -> None:
    frames = await v1.synthesize(emulator, payload)
    assert frames[-1].message_type == v1.ERROR
    assert message in frames[-1].message


async def test_v1_reads_plain_text_with_tags_as_text(emulator: Emulator) -> None:
    payload = v1.request_json(DOCUMENT, encoding="pcm", rate=SAMPLE_RATE)
    audio = v1.audio_of(await v1.synthesize(emulator, payload))
    assert "speak" in spoken(audio)  # what the issue reported: tags read out


def test_wav_ssml_is_one_file_with_the_silence_inside() -> None:
    parts = parse_ssml(DOCUMENT)
    options = {"sample_rate": SAMPLE_RATE, "speed_ratio": 1.0, "bitrate_kbps": 32}
    wav = render_ssml(parts, SPEAKER, encoding="wav", **options)
    pcm = render_ssml(parts, SPEAKER, encoding="pcm", **options)
    assert wav == wav_container(pcm, SAMPLE_RATE)
    assert render_ssml(parts, SPEAKER, encoding="mp3", **options).startswith(
        render_audio("明天", SPEAKER, sample_rate=SAMPLE_RATE, bitrate_kbps=32)
    )


def test_silence_renders_as_mp3_or_pcm_only() -> None:
    assert render_silence(0.5, encoding="pcm", sample_rate=SAMPLE_RATE) == bytes(SAMPLE_RATE)
    assert render_silence(0, encoding="mp3") == b""
    assert render_silence(0.1, encoding="mp3")
    with pytest.raises(ValueError, match="unsupported"):
        render_silence(0.1, encoding="ogg_opus")


async def test_ssml_longer_than_a_session_takes_is_refused(emulator: Emulator) -> None:
    emulator.config.max_text_chars = 10
    frames = await unidirectional(emulator, ssml_request())
    assert (frames[-1].message_type, frames[-1].code) == (ERROR, 40402003)
