"""Replies an agent writes, in Chinese and English, and exactly what each one says.

The corpus (``markup_corpus.json``) is math, prices, dates, times, phone numbers,
versions, lists, tables, links, code, emoji and nested emphasis. Each reply is
stripped whole, one character at a time and in random fragments, and its words
are checked against markdown-it's own text of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import pytest

from custom_components.volcengine_tts.volcengine.synthesis.markup import EMOJI, strip_markup

from .markup_reference import as_fed, random_fragments, reference_text, words

CORPUS: Final[list[dict[str, str]]] = json.loads(
    Path(__file__).with_name("markup_corpus.json").read_text(encoding="utf-8")
)
REPLIES: Final = pytest.mark.parametrize(
    ("markdown", "spoken"),
    [(entry["markdown"], entry["spoken"]) for entry in CORPUS],
    ids=[str(index) for index in range(len(CORPUS))],
)
SCREEN_ONLY: Final = ("](", "```", "http", "<b>", "&amp;")


def test_the_corpus_has_a_hundred_replies_in_both_languages() -> None:
    chinese = [
        entry for entry in CORPUS if any("\u4e00" <= c <= "\u9fff" for c in entry["markdown"])
    ]
    assert len(CORPUS) >= 100
    assert 40 <= len(chinese) <= len(CORPUS) - 40


@REPLIES
def test_a_whole_reply_says_exactly_this(markdown: str, spoken: str) -> None:
    assert strip_markup(markdown) == spoken


@REPLIES
def test_a_reply_one_character_at_a_time_says_the_same(markdown: str, spoken: str) -> None:
    assert "".join(as_fed(list(markdown))) == spoken


@REPLIES
def test_a_reply_in_random_fragments_says_the_same(markdown: str, spoken: str) -> None:
    for seed in range(8):
        assert "".join(as_fed(random_fragments(markdown, seed))) == spoken, seed


@REPLIES
def test_a_reply_says_the_words_markdown_it_reads(markdown: str, spoken: str) -> None:
    assert words(spoken) == words(reference_text(markdown))


@REPLIES
def test_nothing_screen_only_is_said(markdown: str, spoken: str) -> None:
    assert not [mark for mark in SCREEN_ONLY if mark in spoken]
    assert not EMOJI.search(spoken)
