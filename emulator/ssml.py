"""SSML the way the documentation describes it: which tags, what they sound like, who refuses it.

Only the unidirectional APIs take SSML (v3 ``req_params.ssml``, v1 ``text_type: "ssml"``);
"双向流式目前不支持ssml". The emulator speaks a document's text content, ``<sub>``'s alias
instead of its content, and a ``<break time>`` as silence of that length; the other
documented tags (``phoneme``, ``say-as``, ``soundEvent``) pass their text through. Pure
functions, no I/O; refusals raise ``SsmlRefusedError`` with the message the handlers send.
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final

from .audio import render_audio, render_silence, speech_duration, wav_container

SPEAK: Final = "speak"
KNOWN_TAGS: Final = frozenset({"speak", "phoneme", "say-as", "sub", "break", "soundEvent"})
"""The documented tags; any other is refused."""
BREAK_RANGE_MS: Final = (1, 10_000)
"""``<break time>`` is documented as 1–10 s or 1–10000 ms."""
_MS_PER_SECOND: Final = 1000

SSML_NOT_ON_BIDIRECTION: Final = "ssml is not supported in bidirectional streaming"
"""*Uncertain* wording: the pages say only "双向流式目前不支持ssml"; the emulator fails the
session (45000001) rather than read the tags aloud."""
SSML_NOT_FOR_SPEAKER: Final = "ssml is not supported by this speaker"
"""*Uncertain*: the pages disagree on which voices take SSML; the emulator refuses it for 2.0
voices and ICL 2.0 (45000001), treating it as a 1.0 feature."""
SSML_WITH_MARKDOWN_FILTER: Final = "ssml cannot be used with disable_markdown_filter"
"""The documented rule (SSML cannot be combined with the filter); the wording is the emulator's."""


class SsmlRefusedError(ValueError):
    """The document, or its combination with the request, is one the service refuses."""


@dataclass(frozen=True, slots=True)
class Silence:
    """A ``<break>``: this many seconds of silence."""

    seconds: float


type Part = str | Silence


def parse_ssml(document: str) -> tuple[Part, ...]:
    """Turn a ``<speak>`` document into spoken text and silences, in order."""
    try:
        root = ET.fromstring(document.strip())  # noqa: S314 - see the import
    except ET.ParseError as err:
        raise SsmlRefusedError(f"invalid ssml: {err}") from err
    if root.tag != SPEAK:
        raise SsmlRefusedError(f"ssml must be one <speak> element, not <{root.tag}>")
    parts: list[Part] = []
    _walk(root, parts)
    return tuple(parts)


def _walk(element: ET.Element, parts: list[Part]) -> None:
    if element.tag not in KNOWN_TAGS:
        raise SsmlRefusedError(f"unsupported ssml tag <{element.tag}>")
    if element.tag == "break":
        parts.append(Silence(_break_seconds(element.get("time", ""))))
    elif element.tag == "sub":
        parts.append(element.get("alias", element.text or ""))
    else:
        parts.append(element.text or "")
        for child in element:
            _walk(child, parts)
    if element.tail:
        parts.append(element.tail)


def _break_seconds(time: str) -> float:
    """Read ``500ms`` or ``2s`` within the documented 1 ms – 10 s."""
    text = time.strip()
    number, scale = (
        (text.removesuffix("ms"), 1)
        if text.endswith("ms")
        else (text.removesuffix("s"), _MS_PER_SECOND)
        if text.endswith("s")
        else ("", 0)
    )
    try:
        milliseconds = float(number) * scale
    except ValueError as err:
        raise SsmlRefusedError(f"invalid <break> time {time!r}") from err
    low, high = BREAK_RANGE_MS
    if not low <= milliseconds <= high:
        raise SsmlRefusedError(f"<break> time {time!r} outside 1ms–10s")
    return milliseconds / _MS_PER_SECOND


def spoken_text(parts: tuple[Part, ...]) -> str:
    """Return the text a document speaks, tags and breaks left out."""
    return "".join(part for part in parts if isinstance(part, str))


def ssml_duration(parts: tuple[Part, ...], *, speed_ratio: float = 1.0) -> float:
    """Nominal seconds of a document's audio: its speech plus its breaks."""
    return sum(
        part.seconds
        if isinstance(part, Silence)
        else speech_duration(part, speed_ratio=speed_ratio)
        for part in parts
    )


def render_ssml(
    parts: tuple[Part, ...],
    voice: str,
    *,
    encoding: str,
    sample_rate: int,
    speed_ratio: float,
    bitrate_kbps: int,
) -> bytes:
    """Render a document: its text as ``render_audio`` speaks it, its breaks as silence.

    WAV is rendered as PCM and wrapped once, so the silence sits inside one file.
    """
    inner = "pcm" if encoding == "wav" else encoding
    pieces = [
        render_silence(
            part.seconds, encoding=inner, sample_rate=sample_rate, bitrate_kbps=bitrate_kbps
        )
        if isinstance(part, Silence)
        else render_audio(
            part,
            voice,
            encoding=inner,
            sample_rate=sample_rate,
            speed_ratio=speed_ratio,
            bitrate_kbps=bitrate_kbps,
        )
        for part in parts
    ]
    audio = b"".join(pieces)
    if encoding == "wav":
        return wav_container(audio, sample_rate)
    return audio
