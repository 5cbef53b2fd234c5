"""Cutting text into pieces: sentences, byte caps, clause marks, streamed fragments."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine.synthesis.text import (
    SPEAK_AFTER_CHARS,
    SentenceSplitter,
    byte_length,
    ends_sentence,
    is_speakable,
    pack,
    pack_gradually,
    split_text,
    split_text_gradually,
    stream_sentences,
)


def _letters(text: str) -> str:
    """Text without whitespace: what the splitter must keep, in order."""
    return "".join(text.split())


async def _fragments(*parts: str) -> AsyncIterator[str]:
    for part in parts:
        yield part


async def _collect(parts: list[str], max_bytes: int = 1024) -> list[str]:
    return [piece async for piece in stream_sentences(_fragments(*parts), max_bytes)]


def test_sentences_in_chinese_and_english() -> None:
    # Every character is kept, spaces included: the pieces joined are the text.
    assert split_text("你好。今天天气很好！Is it? Yes.", 1024) == [
        "你好。",
        "今天天气很好！",
        "Is it?",
        " Yes.",
    ]


def test_newlines_end_pieces() -> None:
    assert split_text("第一行\n第二行\n\n第三行", 1024) == ["第一行\n", "第二行\n", "\n第三行"]


def test_punctuation_only_pieces_join_a_neighbour() -> None:
    assert split_text("。。你好。", 1024) == ["。。你好。"]
    assert split_text("你好\n。。。", 1024) == ["你好\n。。。"]
    assert split_text("……", 1024) == ["……"]


def test_long_sentences_are_cut_at_clause_marks() -> None:
    assert split_text("一二三，四五六，七八九，十", 12) == [
        "一二三，",
        "四五六，",
        "七八九，",
        "十",
    ]


def test_without_clause_marks_cut_between_characters() -> None:
    pieces = split_text("好" * 1000, 1024)
    assert [byte_length(piece) for piece in pieces] == [1023, 1023, 954]
    assert "".join(pieces) == "好" * 1000


def test_a_character_wider_than_the_cap_still_goes_alone() -> None:
    assert split_text("好好", 2) == ["好", "好"]


def test_pack_joins_pieces_but_keeps_the_first_alone() -> None:
    assert pack(["a.", "b.", "c.", "d."], 4) == ["a.", "b.c.", "d."]
    assert pack(["a.", "b.", "c."], 4, first_alone=False) == ["a.b.", "c."]


@pytest.mark.parametrize(
    ("text", "speakable"), [("。", False), ("  ", False), ("a", True), ("好", True), ("3", True)]
)
def test_is_speakable(text: str, speakable: bool) -> None:
    assert is_speakable(text) is speakable


def test_split_keeps_every_letter_in_order() -> None:
    generator = random.Random(7)
    alphabet = "你好世界天气。，！？ abc.,!? \n3"
    for _ in range(200):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 300)))
        limit = generator.choice([6, 16, 64, 1024])
        pieces = split_text(text, limit)
        assert _letters("".join(pieces)) == _letters(text)
        assert all(byte_length(piece) <= limit for piece in pieces)


async def test_stream_releases_sentences_as_they_complete() -> None:
    assert await _collect(["今天", "天气很好。明", "天会下雨！The weather is ", "nice. Next"]) == [
        "今天天气很好。",
        "明天会下雨！",
        "The weather is nice.",
        " Next",
    ]


async def test_stream_cuts_runaway_text() -> None:
    pieces = await _collect(["啊" * 50] * 10, 300)
    assert [len(piece) for piece in pieces] == [100] * 5


async def test_stream_cuts_at_newlines() -> None:
    assert await _collect(["第一行\n第二", "行\n", "第三行"]) == ["第一行\n", "第二行\n", "第三行"]


async def test_stream_holds_unspeakable_pieces() -> None:
    assert await _collect(["\n", "\n你好", "。"]) == ["\n\n你好。"]


async def test_stream_of_nothing() -> None:
    assert await _collect([]) == []
    assert await _collect(["", ""]) == []


async def test_stream_keeps_every_letter_in_order() -> None:
    generator = random.Random(11)
    alphabet = "你好世界。，！ ab.,!\n"
    for _ in range(100):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 200)))
        cuts = sorted(generator.sample(range(len(text) + 1), min(5, len(text) + 1)))
        parts = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        limit = generator.choice([12, 64, 1024])
        pieces = await _collect(parts, limit)
        assert _letters("".join(pieces)) == _letters(text)
        assert all(byte_length(piece) <= limit for piece in pieces)


async def test_gradual_split_releases_the_first_sentence_first() -> None:
    text = "".join(f"第{index}句话，天气很好。" for index in range(500)) + "\n最后一行"
    pieces = [piece async for piece in split_text_gradually(text, 1024)]
    assert pieces[0] == "第0句话，天气很好。"
    assert _letters("".join(pieces)) == _letters(text)
    assert pieces == split_text(text, 1024)


async def test_gradual_packing_keeps_the_first_piece_alone() -> None:
    async def pieces() -> AsyncIterator[str]:
        for piece in ["a.", "b.", "c.", "d.", "e."]:
            yield piece

    assert [piece async for piece in pack_gradually(pieces(), 4)] == ["a.", "b.c.", "d.e."]


def _as_fed(fragments: list[str], max_bytes: int = 1024) -> list[list[str]]:
    """What the splitter releases after each fragment, then at the end."""
    splitter = SentenceSplitter(max_bytes)
    return [splitter.feed(fragment) for fragment in fragments] + [splitter.finish()]


@pytest.mark.parametrize("end", ["。", "！", "？", "!", "?", "…", "\n"])
def test_an_unambiguous_end_releases_the_sentence_with_its_own_fragment(end: str) -> None:
    assert _as_fed(["好的，我先", f"帮你查一下{end}"]) == [[], [f"好的，我先帮你查一下{end}"], []]


def test_a_sentence_end_inside_a_fragment_releases_at_once() -> None:
    assert _as_fed(["客厅的灯。现在", "温度"]) == [["客厅的灯。"], [], ["现在温度"]]


def test_a_full_stop_at_the_end_of_a_fragment_releases_at_once() -> None:
    assert _as_fed(["The lights are on.", " Anything else?"]) == [
        ["The lights are on."],
        [" Anything else?"],
        [],
    ]


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("It costs 3.", "5 yuan. ", "It costs 3.5 yuan."),  # a decimal point
        ("Ask Mr.", " Smith. ", "Ask Mr. Smith."),  # an abbreviation
        ("Lights, e.g.", " this one. ", "Lights, e.g. this one."),
    ],
)
def test_a_full_stop_that_may_be_something_else_waits_for_the_next_character(
    first: str, second: str, joined: str
) -> None:
    assert _as_fed([first, second]) == [[], [joined], [" "]]


def test_a_list_number_at_a_line_start_ends_nothing() -> None:
    assert _as_fed(["1. Turn on the light\n2. Close"]) == [["1. Turn on the light\n"], ["2. Close"]]


def test_closing_marks_stay_with_their_sentence() -> None:
    assert _as_fed(["他说：“好的。”然后"]) == [["他说：“好的。”"], ["然后"]]
    # A closer that arrives later has nothing to say: it goes with the next sentence.
    assert _as_fed(["“好的。", "”然后"]) == [["“好的。"], [], ["”然后"]]


def test_a_reply_without_any_end_speaks_once_long_enough() -> None:
    clause = "第一个条件满足以后，"  # 10 characters
    fragments = [clause] * (SPEAK_AFTER_CHARS // len(clause))
    released = _as_fed(fragments)
    assert released[-2] == ["".join(fragments)]  # at the 60th character, at its clause mark
    assert all(not pieces for pieces in released[:-2])


def test_the_byte_cap_holds_while_streaming() -> None:
    released = _as_fed(["啊" * 50] * 10, 300)
    assert [len(piece) for pieces in released for piece in pieces] == [100] * 5


def test_pieces_joined_are_the_text_fed() -> None:
    fragments = ["Hello ", "world.  How", " are you?\n\n", "“好。”", "再见"]
    released = _as_fed(fragments, 16)
    assert "".join(piece for pieces in released for piece in pieces) == "".join(fragments)


def test_what_is_left_at_the_end_goes_with_the_last_sentence() -> None:
    assert _as_fed(["Ask Mr. "]) == [[], ["Ask Mr. "]]


@pytest.mark.parametrize(
    ("piece", "ends"),
    [
        ("第一句话说完了。", True),
        ("他说：“好的。”", True),
        ("Hello there. ", True),
        ("列表\n", True),
        ("一二三四五六七八九十，", False),  # a long clause released early
        ("cut at the byte cap", False),
        ("", False),
    ],
)
def test_ends_sentence_tells_a_finished_sentence_from_a_released_clause(
    piece: str, ends: bool
) -> None:
    assert ends_sentence(piece) is ends
