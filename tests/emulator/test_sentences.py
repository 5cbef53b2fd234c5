"""Cutting streamed text into sentences at terminators."""

import pytest

from emulator.sentences import SentenceBuffer, split_sentences


def test_fragments_without_a_terminator_wait() -> None:
    buffer = SentenceBuffer()
    assert buffer.feed("今天天气") == []
    assert buffer.feed("不错。我们") == ["今天天气不错。"]
    assert buffer.pending == "我们"
    assert buffer.flush() == ["我们"]
    assert buffer.pending == ""


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("你好。再见！", ["你好。", "再见！"]),
        ("What? Really?! Yes.", ["What?", "Really?!", "Yes."]),
        ("一；二;three\nfour", ["一；", "二;", "three", "four"]),
        ("Wait... now", ["Wait...", "now"]),
        ("  \n。。", []),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_a_stray_terminator_in_the_next_fragment_is_dropped() -> None:
    buffer = SentenceBuffer()
    assert buffer.feed("Hi.") == ["Hi."]
    assert buffer.feed(".. there.") == ["there."]
