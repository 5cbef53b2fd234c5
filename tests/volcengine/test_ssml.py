"""Telling SSML from text, whole or while it arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine.synthesis.ssml import collect, is_ssml, sniff_ssml

DOCUMENT = '<speak>明天<break time="500ms"/>有雨。</speak>'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DOCUMENT, True),
        (f"\n  {DOCUMENT}\n", True),
        ('<speak bgm="https://x/y.mp3">你好</speak>', True),
        ("<speaker>你好</speaker>", False),
        ("<speak>你好", False),
        (f"前言{DOCUMENT}", False),
        ("**你好**", False),
    ],
)
def test_a_whole_message_is_ssml_only_when_it_is_one_speak_element(
    text: str, expected: bool
) -> None:
    assert is_ssml(text) is expected


@pytest.mark.parametrize(
    ("fragments", "expected", "read"),
    [
        (("  ", "<sp", "eak", ">明天", "有雨。</speak>"), True, 4),
        (("<speak ", 'bgm="x">', "你好</speak>"), True, 1),
        (("好的，", "<speak>"), False, 1),
        (("\n", "  ", "明天"), False, 3),
        (("<spe", "aker>", "你好"), False, 2),
        (("<b>", "粗体</b>"), False, 1),
        (("<speak",), False, 1),
        ((), False, 0),
    ],
)
async def test_a_stream_is_sniffed_with_as_few_fragments_as_it_takes(
    fragments: tuple[str, ...], expected: bool, read: int
) -> None:
    pulled: list[str] = []

    async def source() -> AsyncIterator[str]:
        for fragment in fragments:
            pulled.append(fragment)
            yield fragment

    verdict, stream = await sniff_ssml(source())
    assert verdict is expected
    assert len(pulled) == read
    assert await collect(stream) == "".join(fragments)  # nothing lost, nothing repeated
