"""Languages the integration speaks, and how Home Assistant's tags map onto them.

Home Assistant hands a TTS entity whatever its frontend, a pipeline or a
service call says: ``zh-Hans`` (the UI language), ``zh_CN`` (a locale),
``zh-Hant-TW`` (a full BCP-47 tag) or a bare ``en``. The voice catalogue is
keyed by a small set of regional tags instead, so every lookup first passes
through :func:`normalize_language`.

Matching itself is Home Assistant's (:func:`homeassistant.util.language.matches`),
so the integration picks the same language the rest of Home Assistant would.
Only two things are added on top, each because HA's parser cannot see them:
three-part tags (``zh-Hant-TW``) are shortened to language-region, and a few
language codes that name Chinese or Indonesian differently (``cmn``, ``yue``,
``in``) are mapped to the codes Home Assistant knows.
"""

from __future__ import annotations

import re
from typing import Final

from homeassistant.const import MATCH_ALL
from homeassistant.util.language import matches

SUPPORTED_LANGUAGES: Final[list[str]] = [
    "zh-CN",
    "zh-TW",
    "zh-HK",
    "en-US",
    "en-GB",
    "en-AU",
    "ja-JP",
    "es-MX",
    "id-ID",
    "pt-BR",
]
"""Every language some catalogue voice speaks natively, as language-region.

``zh-TW`` means Mandarin with a Taiwanese accent and ``zh-HK`` means Cantonese:
for speech the region is the spoken language, not the script.
"""

_SUBTAG_SEPARATOR: Final = re.compile(r"[-_]")
_SCRIPT: Final = re.compile(r"[A-Za-z]{4}")
"""A BCP-47 script subtag: ``Hans``, ``Hant``, ``Latn``."""
_REGION: Final = re.compile(r"[A-Za-z]{2}|[0-9]{3}")
"""A BCP-47 region subtag: ISO 3166 (``TW``) or UN M.49 (``419``)."""

_LANGUAGE_ALIASES: Final[dict[str, tuple[str, str | None]]] = {
    "cmn": ("zh", None),  # ISO 639-3 Mandarin, sent by some speech engines
    "yue": ("zh", "HK"),  # Cantonese is spoken by the zh-HK voices, wherever it is asked for
    "in": ("id", None),  # Indonesian's withdrawn code, still produced by old Java locales
}
"""Language codes Home Assistant's matcher does not know, with the code and region it does."""

_CANTONESE_COUNTRIES: Final = frozenset({"HK", "MO"})
"""Where ``zh-Hant`` means Cantonese; everywhere else it is taken to mean Taiwan.

Home Assistant prefers Hong Kong for Traditional Chinese, which is right for
reading text but wrong for speech: zh-HK voices speak Cantonese, while most
people who choose the ``zh-Hant`` UI (in Taiwan first of all) expect Mandarin.
"""


def _canonical_tag(language: str) -> str:
    """Reduce any tag to the ``language[-REGION]`` or ``language-Script`` form HA parses.

    ``Dialect.parse`` splits at the first separator only, so ``zh-Hant-TW``
    would become region ``HANT-TW`` and match nothing exactly; a script is
    therefore kept only when no region follows it. Case is normalised the way
    HA's parser expects it (``zh-hant`` → ``zh-Hant``, ``zh_cn`` → ``zh-CN``).
    """
    subtags: list[str] = [part for part in _SUBTAG_SEPARATOR.split(language.strip()) if part]
    if not subtags:
        return ""
    primary = subtags[0].casefold()
    primary, region = _LANGUAGE_ALIASES.get(primary, (primary, None))
    script: str | None = None
    for subtag in subtags[1:]:
        if len(subtag) == 1:
            break  # a singleton starts extensions (-u-ca-…, -x-…), which name no region
        if _SCRIPT.fullmatch(subtag):
            script = script or subtag.title()
        elif _REGION.fullmatch(subtag):
            region = region or subtag.upper()
    if region is not None:
        return f"{primary}-{region}"
    if script is not None:
        return f"{primary}-{script}"
    return primary


def best_supported(language: str, country: str | None = None) -> str | None:
    """Return the supported language Home Assistant's matcher ranks first, or ``None``.

    Used for the entity's default language, which should follow the language
    Home Assistant is configured in (``zh-Hans`` → ``zh-CN``, ``en`` → ``en-US``).
    ``country`` is Home Assistant's configured country, the same hint its own
    matcher takes. ``zh-Hant`` means Taiwan unless the country is Hong Kong or
    Macau (see ``_CANTONESE_COUNTRIES``).
    """
    if language == MATCH_ALL:
        return None
    tag = _canonical_tag(language)
    if not tag:
        return None
    if tag == "zh-Hant":
        country = "HK" if country is not None and country.upper() in _CANTONESE_COUNTRIES else "TW"
    found = matches(tag, SUPPORTED_LANGUAGES, country=country)
    return found[0] if found else None


def normalize_language(language: str) -> str:
    """Map a tag from Home Assistant onto a supported one; leave unknown languages alone.

    Returning an unsupported tag unchanged (rather than a default) lets callers
    tell "French was asked for" from "Chinese was asked for", so they can
    refuse or list no voices instead of silently speaking another language.
    """
    return best_supported(language) or language


def primary_subtag(language: str) -> str:
    """Return the language without its region: ``zh-TW`` → ``zh``."""
    primary: str = _SUBTAG_SEPARATOR.split(language, maxsplit=1)[0]
    return primary.casefold()
