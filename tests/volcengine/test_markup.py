"""Stripping what a screen shows and a listener should not hear, while it streams."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.volcengine_tts.volcengine.markup import (
    EMOJI,
    MarkupStripper,
    stream_without_markup,
    strip_markup,
)

PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _as_fed(fragments: list[str]) -> list[str]:
    stripper = MarkupStripper()
    return [stripper.feed(fragment) for fragment in fragments] + [stripper.finish()]


@pytest.mark.parametrize(
    ("markdown", "spoken"),
    [
        ("**你好**", "你好"),
        ("*斜体*和_强调_和~~删除~~", "斜体和强调和删除"),
        ("打开 `light.kitchen` 吧", "打开 light.kitchen 吧"),
        ("看[说明书](https://example.com/a_(b))。", "看说明书。"),
        ("详见 https://example.com/x?y=1。", "详见 。"),
        ("<https://example.com>", ""),
        ("## 当前状态\n", "当前状态\n"),
        ("> 引用\n", "引用\n"),
        ("- 温度\n* 湿度\n+ 风速\n", "温度\n湿度\n风速\n"),
        ("1. 打开\n2) 关闭\n3.关窗\n", "打开\n关闭\n关窗\n"),
        ("| 房间 | 温度 |\n|:---|---:|\n| 卧室 | 21度 |\n", "房间 ， 温度 \n卧室 ， 21度 \n"),
        ("| Room | Temp |\n", "Room , Temp \n"),
        ("前\n---\n后", "前\n后"),
        ("```python\nprint(1)\n```\n", "print(1)\n"),
        ("好的😊👍🏽🇨🇳！", "好的！"),
    ],
)
def test_what_is_spoken(markdown: str, spoken: str) -> None:
    assert strip_markup(markdown) == spoken


@pytest.mark.parametrize(
    "text",
    ["living_room 的温度是 3.5 度", "10~20度", "-5度", "C# 和 F#", "2024年", "a > b", "3.5倍"],
)
def test_plain_text_stays_as_it_is(text: str) -> None:
    assert strip_markup(text).replace("living room", "living_room") == text


def test_a_finished_sentence_is_never_held_back() -> None:
    released = _as_fed(
        ["**好的**，", "已经为你打开", "[客厅的灯](https://", "example.com)。\n", "## 当"]
    )
    assert released[:4] == ["好的，", "已经为你打开", "", "客厅的灯。\n"]


def test_a_possible_marker_waits_only_for_the_next_character() -> None:
    assert _as_fed(["天气很好。\n", "-", " 温度"]) == ["天气很好。\n", "", "温度", ""]
    assert _as_fed(["详见 h", "ttps://x.com 了"]) == ["详见 ", " 了", ""]
    assert _as_fed(["详见 h", "ere"]) == ["详见 ", "here", ""]


def test_a_bracket_that_opens_no_link_is_dropped() -> None:
    assert strip_markup("数组[0") == "数组0"
    assert strip_markup("[注意] 明天下雨") == "注意 明天下雨"


async def test_streaming_yields_only_text() -> None:
    async def fragments() -> AsyncIterator[str]:
        for fragment in ("**", "好的", "**", "！"):
            yield fragment
            await asyncio.sleep(0)

    assert [part async for part in stream_without_markup(fragments())] == ["好的", "！"]


# ------------------------------------------------------------------- properties

WORDS = st.sampled_from(["你好", "客厅", "温度", "Lights", "on", "23", "3.5", "好的，", "It's"])
PLAIN = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)


def _wrapped(template: str) -> st.SearchStrategy[tuple[str, str]]:
    """Markdown made from ``template`` around plain text, with the plain text it says."""
    return PLAIN.map(lambda text: (template.format(text), text))


INLINE = st.one_of(
    PLAIN.map(lambda text: (text, text)),
    *(
        _wrapped(template)
        for template in ("**{}**", "*{}*", "`{}`", "~~{}~~", "[{}](https://e.com/a)")
    ),
    st.just(("https://example.com/path?q=1", "")),
    st.sampled_from(["😊", "👍🏽", "🇨🇳", "👨‍👩‍👧"]).map(lambda emoji: (emoji, "")),
)


def _joined(parts: list[tuple[str, str]]) -> tuple[str, str]:
    return " ".join(part[0] for part in parts), " ".join(part[1] for part in parts)


LINE = st.lists(INLINE, min_size=1, max_size=4).map(_joined)
BLOCK = st.one_of(
    LINE,
    *(
        LINE.map(lambda line, marker=marker: (marker + line[0], line[1]))
        for marker in ("# ", "### ", "> ", "- ", "* ", "12. ", "3.")
    ),
    st.lists(LINE, min_size=2, max_size=3).map(
        lambda cells: ("| " + " | ".join(c[0] for c in cells) + " |", " ".join(c[1] for c in cells))
    ),
    st.sampled_from(["|---|:---:|", "---", "```yaml"]).map(lambda line: (line, "")),
)
MARKDOWN_AND_WORDS = st.lists(BLOCK, min_size=1, max_size=6).map(
    lambda blocks: ("\n".join(block[0] for block in blocks), " ".join(b[1] for b in blocks))
)
MARKDOWN = MARKDOWN_AND_WORDS.map(lambda pair: pair[0])
MARKUP_LEFT = ("*", "`", "|", "[", "]", "~~", "](", "http")


@st.composite
def _fragmented(draw: st.DrawFn, text_strategy: st.SearchStrategy[str]) -> list[str]:
    text = draw(text_strategy)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    return [text[start:end] for start, end in itertools.pairwise([0, *cuts, len(text)])]


def _words(text: str) -> list[str]:
    """The words, whatever stands between them: spaces, commas, line breaks."""
    return "".join(character if character.isalnum() else " " for character in text).split()


@PROPERTIES
@given(MARKDOWN_AND_WORDS, st.data())
def test_no_markup_is_left_and_every_word_is_kept(
    markdown_and_words: tuple[str, str], data: st.DataObject
) -> None:
    markdown, words = markdown_and_words
    fragments = data.draw(_fragmented(st.just(markdown)))
    spoken = "".join(_as_fed(fragments))
    for mark in MARKUP_LEFT:
        assert mark not in spoken, (markdown, spoken)
    assert not EMOJI.search(spoken)
    assert all(not line.lstrip().startswith(("#", ">", "- ")) for line in spoken.splitlines())
    assert _words(spoken) == _words(words)


@PROPERTIES
@given(_fragmented(MARKDOWN | st.text(max_size=80)))
def test_the_result_does_not_depend_on_the_fragments(fragments: list[str]) -> None:
    assert "".join(_as_fed(fragments)) == strip_markup("".join(fragments))


@PROPERTIES
@given(_fragmented(st.text(max_size=80)))
def test_no_markup_character_survives_any_text(fragments: list[str]) -> None:
    spoken = "".join(_as_fed(fragments))
    for mark in ("*", "`", "|", "[", "]", "~~"):
        assert mark not in spoken
    assert not EMOJI.search(spoken)


@PROPERTIES
@given(_fragmented(PLAIN.map(lambda text: text.replace("It's", "Its"))))
def test_plain_words_pass_unchanged(fragments: list[str]) -> None:
    assert "".join(_as_fed(fragments)) == "".join(fragments)


@pytest.mark.parametrize(
    ("fragments", "spoken"),
    [
        (["a_", "b"], "a b"),  # the character after "_" decides
        (["[开关\n灯"], "开关\n灯"),  # a line break: no link
        (["[" + "很" * 130 + "]"], "很" * 130),  # too long for a link's text
        (["[文档](https://x.cn/a\n下一行"], "文档(\n下一行"),  # the target never closes
        (["看 https://x.cn/a)."], "看 )."),  # trailing punctuation is the sentence's
        (["<https://x.cn 和"], "< 和"),  # no closing ">"
        (["详见 h"], "详见 h"),  # the end: just a letter
    ],
)
def test_edges(fragments: list[str], spoken: str) -> None:
    assert "".join(_as_fed(fragments)) == spoken


async def test_streaming_yields_what_is_held_at_the_end() -> None:
    async def fragments() -> AsyncIterator[str]:
        yield "详见 h"

    assert [part async for part in stream_without_markup(fragments())] == ["详见 ", "h"]
