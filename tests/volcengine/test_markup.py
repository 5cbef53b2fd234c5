"""Stripping what a screen shows and a listener should not hear, while it streams."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.volcengine_tts.volcengine.synthesis.markup import (
    EMOJI,
    WHOLE_TEXT_SLICE,
    stream_without_markup,
    strip_markup,
    strip_markup_gradually,
)
from custom_components.volcengine_tts.volcengine.synthesis.spoken import (
    CODE_BLOCK_SPOKEN,
    parsed,
    render,
)

from .markup_reference import ISSUE_ROWS, as_fed, reference_text, words

PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize(("markdown", "spoken"), ISSUE_ROWS)
def test_the_issue_rows_keep_every_word(markdown: str, spoken: str) -> None:
    assert strip_markup(markdown) == spoken


@pytest.mark.parametrize(("markdown", "spoken"), ISSUE_ROWS)
def test_the_issue_rows_keep_every_word_one_character_at_a_time(markdown: str, spoken: str) -> None:
    assert "".join(as_fed(list(markdown))) == spoken


@pytest.mark.parametrize(
    ("markdown", "spoken"),
    [
        ("**你好**", "你好"),
        ("*斜体*和~~删除~~", "斜体和删除"),
        ("和_强调_和", "和强调和"),  # emphasis CommonMark cannot see between Chinese characters
        ("打开 `light.kitchen` 吧", "打开 light.kitchen 吧"),
        ("看[说明书](https://example.com/a_(b))。", "看说明书。"),
        ("详见 https://example.com/x?y=1。", "详见 。"),
        ("<https://example.com>", ""),
        ("## 当前状态\n", "当前状态\n"),
        ("> 引用\n", "引用\n"),
        ("- 温度\n* 湿度\n+ 风速\n", "温度\n湿度\n风速\n"),
        ("1. 打开\n2) 关闭\n3.关窗\n", "1. 打开\n2) 关闭\n3.关窗\n"),
        ("| 房间 | 温度 |\n|:---|---:|\n| 卧室 | 21度 |\n", "房间，温度\n卧室，21度\n"),
        ("| Room | Temp |\n|--|--|\n| a | 1 |\n", "Room, Temp\na, 1\n"),
        ("| 只是 | 竖线 |\n", "| 只是 | 竖线 |\n"),  # no separator row: not a table
        ("前\n---\n后", "前\n后"),
        ("```python\nprint(1)\n```\n", CODE_BLOCK_SPOKEN),
        ("好的😊👍🏽🇨🇳！", "好的！"),
        ("数组[0] 和 [注意]", "数组[0] 和 [注意]"),  # brackets that open no link are text
        ("a &amp; b &lt; c", "a & b < c"),
        ("![客厅照片](a.png)", "客厅照片"),
    ],
)
def test_what_is_spoken(markdown: str, spoken: str) -> None:
    assert strip_markup(markdown) == spoken


def test_emphasis_across_sentences_leaves_no_mark() -> None:
    assert strip_markup("**注意：先关机。否则会坏。**") == "注意：先关机。否则会坏。"


def test_a_finished_sentence_is_never_held_back() -> None:
    released = as_fed(
        ["**好的**，", "已经为你打开", "[客厅的灯](https://", "example.com)。\n", "## 当"]
    )
    assert "".join(released[:4]) == "好的，已经为你打开客厅的灯。\n"


def test_an_unpaired_mark_does_not_hold_its_sentence() -> None:
    assert as_fed(["6*7=42。", "还有吗"])[0] == "6*7=42。"
    # "7." may yet be "7.5": the next character decides, as it does for the sentence splitter
    assert "".join(as_fed(["The answer is 6*7.", " Right"])[:2]).startswith("The answer is 6*7.")


def test_a_possible_marker_waits_only_for_what_decides_it() -> None:
    assert as_fed(["天气很好。\n", "-", " 温度"]) == ["天气很好。\n", "", "温度", ""]
    assert as_fed(["详见 h", "ttps://x.com 了"]) == ["详见", "  了", ""]
    assert as_fed(["详见 h", "ere"]) == ["详见", " here", ""]
    assert as_fed(["2024", ". 那一年"]) == ["", "2024. 那一年", ""]


def test_a_code_fence_is_held_until_it_closes() -> None:
    released = as_fed(["看：\n```\n", "a = 1。\n", "```\n", "好了。"])
    assert released == ["看：\n", "", CODE_BLOCK_SPOKEN, "好了。", ""]


def test_a_table_row_waits_for_the_next_line() -> None:
    released = as_fed(["| 房间 | 温度 |\n", "|---|---|\n", "| 卧室 | 21 |\n", "好的。"])
    assert "".join(released[:3]) == ""
    assert "".join(released) == "房间，温度\n卧室，21\n好的。"


async def test_streaming_yields_only_text() -> None:
    async def fragments() -> AsyncIterator[str]:
        for fragment in ("**", "好的", "**", "！"):
            yield fragment
            await asyncio.sleep(0)

    assert [part async for part in stream_without_markup(fragments())] == ["好的！"]


async def test_streaming_yields_what_is_held_at_the_end() -> None:
    async def fragments() -> AsyncIterator[str]:
        yield "详见 h"

    assert [part async for part in stream_without_markup(fragments())] == ["详见", " h"]


@pytest.mark.parametrize(
    ("fragments", "spoken"),
    [
        (["a_", "b"], "a_b"),  # snake_case is a word
        (["[开关\n灯"], "[开关\n灯"),
        (["[" + "很" * 130 + "]"], "[" + "很" * 130 + "]"),
        (["[文档](https://x.cn/a\n下一行"], "[文档](\n下一行"),  # the target never closes
        (["看 https://x.cn/a)."], "看 )."),  # trailing punctuation is the sentence's
        (["<https://x.cn 和"], "< 和"),  # no closing ">"
        (["详见 h"], "详见 h"),  # the end: just a letter
        (["`未闭合的代码"], "未闭合的代码"),
        (["1.5", "倍"], "1.5倍"),
        (["2*(3+4)=14。"], "2*(3+4)=14。"),
        (["(1+2)*3=9。"], "(1+2)*3=9。"),
        (["x**2 和 **。**"], "x**2 和 。"),
        (["**" + "很" * 250 + "。**"], "很" * 250 + "。"),  # a long piece is cut anyway
        (["*" + "word " * 60 + "end.*"], ("word " * 60).strip() + " end."),
        (["~~~\n```\n不是结尾\n~~~\n好。"], "好。"),  # only its own kind closes a fence
        (["<div>\n块里的字\n</div>\n"], "块里的字\n"),
        (["**标题**\n===\n正文"], "标题\n正文"),
    ],
)
def test_edges(fragments: list[str], spoken: str) -> None:
    assert "".join(as_fed(fragments)) == spoken


# ------------------------------------------------------------------- properties

PLAIN_CHARACTERS = st.sampled_from(
    [*"你好客厅温度是二十三度的灯开了吗abcxyzABC0123456789 ，。！？、：；（）,.!?:;'\"%$@/", "\n"]
)


def _without_syntax(text: str) -> str:
    """Text with no Markdown syntax: no line starts with a marker or a space, none ends in one."""
    lines = [line.strip(" ") for line in text.split("\n")]
    return "\n".join("第" + line if line[:1].isdigit() else line for line in lines)


PLAIN_TEXT = st.text(PLAIN_CHARACTERS, max_size=120).map(_without_syntax)


@st.composite
def _fragmented(draw: st.DrawFn, text_strategy: st.SearchStrategy[str]) -> list[str]:
    text = draw(text_strategy)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    return [text[start:end] for start, end in itertools.pairwise([0, *cuts, len(text)])]


@PROPERTIES
@given(_fragmented(PLAIN_TEXT))
def test_text_without_markdown_comes_out_unchanged_whatever_the_fragments(
    fragments: list[str],
) -> None:
    assert "".join(as_fed(fragments)) == "".join(fragments)


WORDS = st.sampled_from(
    ["你好", "客厅", "温度", "Lights", "on", "23", "3.5", "好的，", "6*7", "。"]
)
PLAIN = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)


def _wrapped(template: str) -> st.SearchStrategy[tuple[str, str]]:
    """Markdown made from ``template`` around plain text, with the plain text it says."""
    return PLAIN.map(lambda text: (template.format(text), text))


INLINE = st.one_of(
    PLAIN.map(lambda text: (text, text)),
    *(
        _wrapped(template)
        for template in ("**{}**", "*{}*", "`{}`", "~~{}~~", "[{}](https://e.com/a)", "\\*{}\\*")
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
        for marker in ("# ", "### ", "> ", "- ", "* ")
    ),
    LINE.map(lambda line: ("3." + line[0], "3 " + line[1])),  # no space: not a list
    LINE.map(lambda line: ("12. " + line[0], "12 " + line[1])),
    st.lists(LINE, min_size=2, max_size=3).map(
        lambda cells: (
            "| " + " | ".join(c[0] for c in cells) + " |\n|" + "---|" * len(cells) + "\n",
            " ".join(c[1] for c in cells),
        )
    ),
    st.sampled_from(["---", "```yaml\nkey: value\n```"]).map(lambda block: (block, "")),
)
MARKDOWN_AND_WORDS = st.lists(BLOCK, min_size=1, max_size=6).map(
    lambda blocks: ("\n".join(block[0] for block in blocks), " ".join(b[1] for b in blocks))
)
MARKDOWN = MARKDOWN_AND_WORDS.map(lambda pair: pair[0])
MARKUP_LEFT = ("**", "`", "|", "](", "~~", "http")


@PROPERTIES
@given(MARKDOWN_AND_WORDS, st.data())
def test_no_markup_is_left_and_every_word_is_kept(
    markdown_and_words: tuple[str, str], data: st.DataObject
) -> None:
    markdown, expected = markdown_and_words
    fragments = data.draw(_fragmented(st.just(markdown)))
    spoken = "".join(as_fed(fragments))
    for mark in MARKUP_LEFT:
        assert mark not in spoken, (markdown, spoken)
    assert not EMOJI.search(spoken)
    assert all(not line.lstrip().startswith(("#", ">", "- ")) for line in spoken.splitlines())
    assert words(spoken) == words(expected)


@PROPERTIES
@given(_fragmented(MARKDOWN | st.text(max_size=80)))
def test_the_result_does_not_depend_on_the_fragments(fragments: list[str]) -> None:
    assert "".join(as_fed(fragments)) == strip_markup("".join(fragments))


@PROPERTIES
@given(MARKDOWN)
def test_the_words_are_markdown_its_own(markdown: str) -> None:
    assert words(strip_markup(markdown)) == words(reference_text(markdown))


@PROPERTIES
@given(st.text(max_size=80))
def test_the_fast_path_says_what_the_parser_says(text: str) -> None:
    assert render(text) == parsed(text)


async def test_a_long_whole_text_is_stripped_in_slices_that_let_other_tasks_run() -> None:
    """markdown-it-py is pure Python: a long message must not hold the event loop at once."""
    text = "**第一步**：打开`设置`，点击[这里](https://example.com/a)。\n" * 400
    assert len(text) > 5 * WHOLE_TEXT_SLICE
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    before = turns
    spoken = await strip_markup_gradually(text)
    ticker.cancel()
    assert spoken == strip_markup(text)
    assert turns - before >= len(text) // WHOLE_TEXT_SLICE
