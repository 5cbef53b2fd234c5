"""Assist replies through Home Assistant's streaming path: when speech starts, what is said.

Each timing test is a reply whose writer stops after the first sentence and goes on only
once that sentence's audio has reached the listener. A sentence held back until the next
fragment would never be spoken: the writer would wait for it forever (here: until
``WRITER_PATIENCE`` runs out and the reply fails). So these tests show "spoken during the
pause, not after it" without timing anything; the milliseconds come from
``benchmarks/latency/streaming.py``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.volcengine.synthesis.text import SPEAK_AFTER_CHARS
from emulator import Emulator
from emulator.audio import render_audio
from emulator.sentences import split_sentences

from ..volcengine.markup_reference import ISSUE_ROWS
from .conftest import VOICE

ENTITY_ID = "tts.volcengine_text_to_speech"
WRITER_PATIENCE = 10.0
"""Seconds the writer waits for the first audio: generous, it only bounds a failure."""
MARKDOWN_REPLY = (
    "**好的**，已经为你打开",
    "[客厅的灯](https://example.com/light)。\n## 当前",
    "状态\n- 温度：`23度`\n| 房间 | 湿度 |\n|---|---|\n| 卧室 | 45% |\n",
    "还有别的需要吗😊？",
)
SCREEN_ONLY = ("*", "`", "|", "#", "[", "](", "http", "😊")

BOTH_PROTOCOLS = pytest.mark.parametrize("protocol", ["v3", "v1"])


async def _speak_while_written(
    hass: HomeAssistant,
    first: Sequence[str],
    rest: Sequence[str] = (),
    options: dict[str, Any] | None = None,
) -> bytes:
    """Stream a reply that pauses after ``first`` until its audio has arrived."""
    first_audio = asyncio.Event()

    async def reply() -> AsyncGenerator[str]:
        for fragment in first:
            yield fragment
        async with asyncio.timeout(WRITER_PATIENCE):
            await first_audio.wait()  # the agent calls a tool: nothing more until speech
        for fragment in rest:
            yield fragment

    stream = tts.async_create_stream(hass, ENTITY_ID, options=options)
    stream.async_set_message_stream(reply())
    chunks = []
    async for chunk in stream.async_stream_result():
        chunks.append(chunk)
        first_audio.set()
    return b"".join(chunks)


def _spoken_texts(emulator: Emulator) -> list[str]:
    """What the service was asked to speak: v1 requests, or the last v3 session's texts."""
    if emulator.requests:
        return [request.text for request in emulator.requests if request.text != "你好"]
    return [session for session in emulator.sessions if session.texts][-1].texts


def _rendered(texts: Sequence[str], protocol: str, *, markdown_filter: bool) -> bytes:
    """The emulator's audio for these texts: v1 per request, v3 per sentence of the whole."""
    spoken = texts if protocol == "v1" else split_sentences("".join(texts))
    return b"".join(render_audio(text, VOICE, markdown_filter=markdown_filter) for text in spoken)


@BOTH_PROTOCOLS
async def test_a_sentence_ending_a_fragment_is_spoken_before_the_next_fragment(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    audio = await _speak_while_written(hass, ["好的，我先", "帮你查一下。"], ["查到了。"])
    assert _spoken_texts(emulator) == ["好的，我先帮你查一下。", "查到了。"]
    assert audio == render_audio("好的，我先帮你查一下。", VOICE) + render_audio("查到了。", VOICE)


@BOTH_PROTOCOLS
async def test_a_sentence_ending_inside_a_fragment_is_spoken_at_once(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    audio = await _speak_while_written(hass, ["客厅的灯开了。现在"], ["温度二十三度。"])
    assert _spoken_texts(emulator) == ["客厅的灯开了。", "现在温度二十三度。"]
    assert audio.startswith(render_audio("客厅的灯开了。", VOICE))


@pytest.mark.parametrize("end", ["。", "！", "？", "!", "?", "…", "\n"])
@BOTH_PROTOCOLS
async def test_every_unambiguous_end_releases_its_sentence(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str, end: str
) -> None:
    await _speak_while_written(hass, ["好的", f"马上{end}"], ["然后呢。"])
    assert _spoken_texts(emulator)[0] == f"好的马上{end}"


@BOTH_PROTOCOLS
async def test_a_full_stop_that_cannot_be_a_decimal_point_releases_at_once(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    await _speak_while_written(hass, ["The lights ", "are on."], [" Anything else?"])
    assert _spoken_texts(emulator) == ["The lights are on.", " Anything else?"]


@BOTH_PROTOCOLS
async def test_a_decimal_point_is_not_a_sentence_end(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    await _speak_while_written(hass, ["It is 23.", "5 degrees."], ["Nice."])
    assert _spoken_texts(emulator)[0] == "It is 23.5 degrees."


@BOTH_PROTOCOLS
async def test_a_reply_that_is_one_sentence_is_spoken(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    audio = await _speak_while_written(hass, ["好的，我先帮你查一下。"])
    assert audio == render_audio("好的，我先帮你查一下。", VOICE)


@BOTH_PROTOCOLS
async def test_the_first_sentence_is_spoken_while_the_agent_calls_a_tool(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    # The issue's case: "好的，我先帮你查一下。", then a tool call of 12 s. The writer
    # here goes on only once the sentence has been heard.
    audio = await _speak_while_written(hass, ["好的，我先帮你查一下。"], ["明天是晴天。"])
    assert audio == render_audio("好的，我先帮你查一下。", VOICE) + render_audio(
        "明天是晴天。", VOICE
    )


@BOTH_PROTOCOLS
async def test_pieces_stay_within_the_v1_limit(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    long_sentence = "这是一个很长的句子没有任何标点" * 30  # 450 characters, 1,350 bytes
    await _speak_while_written(hass, [long_sentence, "。"])
    texts = _spoken_texts(emulator)
    assert "".join(texts) == long_sentence + "。"
    assert all(len(text.encode()) <= 1024 for text in texts)


@BOTH_PROTOCOLS
async def test_markdown_is_not_spoken(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    audio = await _speak_while_written(hass, MARKDOWN_REPLY[:2], MARKDOWN_REPLY[2:])
    texts = _spoken_texts(emulator)
    assert texts[0] == "好的，已经为你打开客厅的灯。"
    said = "".join(texts)
    assert not [mark for mark in SCREEN_ONLY if mark in said]
    assert "当前状态" in said
    assert "23度" in said
    assert "房间，湿度" in said
    assert audio == _rendered(texts, protocol, markdown_filter=True)
    assert _service_filter(emulator) is True


@BOTH_PROTOCOLS
async def test_filter_markdown_false_speaks_the_text_verbatim(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    audio = await _speak_while_written(
        hass, MARKDOWN_REPLY[:2], MARKDOWN_REPLY[2:], options={"filter_markdown": False}
    )
    texts = _spoken_texts(emulator)
    assert "".join(texts) == "".join(MARKDOWN_REPLY)
    assert audio == _rendered(texts, protocol, markdown_filter=False)
    assert audio != _rendered(texts, protocol, markdown_filter=True)  # the markup is heard
    assert _service_filter(emulator) is False


@pytest.mark.parametrize("protocol", ["v1"])
async def test_a_reply_without_any_sentence_end_starts_speaking_once_long_enough(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    # On v1 each piece is a request of its own. (On v3 the same piece is sent at once,
    # and the service cuts overlong text itself; the emulator waits for an end.)
    clause = "如果客厅没有人而且灯还开着，"  # 14 characters
    first = [clause] * (SPEAK_AFTER_CHARS // len(clause) + 1)
    await _speak_while_written(hass, first, ["就关掉它。"])
    assert _spoken_texts(emulator)[0] == "".join(first)


@pytest.mark.parametrize(("markdown", "spoken"), ISSUE_ROWS)
@pytest.mark.parametrize("protocol", ["v3"])
async def test_an_agent_reply_reaches_the_service_with_every_word(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    protocol: str,
    markdown: str,
    spoken: str,
) -> None:
    # Issue 18's table, streamed one character at a time as an LLM's deltas may come.
    async def reply() -> AsyncGenerator[str]:
        for character in markdown:
            yield character

    stream = tts.async_create_stream(hass, ENTITY_ID)
    stream.async_set_message_stream(reply())
    audio = b"".join([chunk async for chunk in stream.async_stream_result()])
    texts = _spoken_texts(emulator)
    assert "".join(texts) == spoken
    assert audio == _rendered(texts, protocol, markdown_filter=True)


def _service_filter(emulator: Emulator) -> bool:
    """Whether the service's own Markdown filter was asked for."""
    if emulator.requests:
        extra = emulator.requests[-1].payload["request"].get("extra_param", "{}")
        return bool(json.loads(extra).get("disable_markdown_filter"))
    session = [session for session in emulator.sessions if session.texts][-1]
    return bool(session.additions.get("disable_markdown_filter"))
