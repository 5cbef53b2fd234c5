"""Language normalisation: whatever Home Assistant sends maps onto a supported tag."""

from __future__ import annotations

import pytest
from homeassistant.generated.languages import LANGUAGES
from homeassistant.util.language import matches

from custom_components.volcengine_tts import const
from custom_components.volcengine_tts.languages import (
    SUPPORTED_LANGUAGES,
    best_supported,
    normalize_language,
    primary_subtag,
)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("zh", "zh-CN"),
        ("zh-CN", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("zh-cn", "zh-CN"),
        ("ZH-CN", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh-hans", "zh-CN"),
        ("zh-Hans-CN", "zh-CN"),
        ("zh_Hans_CN", "zh-CN"),
        ("zh-SG", "zh-CN"),
        ("cmn", "zh-CN"),
        ("cmn-CN", "zh-CN"),
        ("zh-TW", "zh-TW"),
        ("zh_TW", "zh-TW"),
        ("zh-Hant", "zh-TW"),
        ("zh-Hant-TW", "zh-TW"),
        ("cmn-Hant-TW", "zh-TW"),
        ("zh-HK", "zh-HK"),
        ("zh-Hant-HK", "zh-HK"),
        ("yue", "zh-HK"),
        ("yue-Hant-HK", "zh-HK"),
        ("en", "en-US"),
        ("en-US", "en-US"),
        ("en_us", "en-US"),
        ("en-GB", "en-GB"),
        ("en-AU", "en-AU"),
        ("en-IN", "en-US"),
        ("ja", "ja-JP"),
        ("ja-JP", "ja-JP"),
        ("ja_JP", "ja-JP"),
        ("es", "es-MX"),
        ("es-MX", "es-MX"),
        ("es-419", "es-MX"),
        ("es-ES", "es-MX"),
        ("id", "id-ID"),
        ("id-ID", "id-ID"),
        ("in-ID", "id-ID"),
        ("pt", "pt-BR"),
        ("pt-BR", "pt-BR"),
        ("pt_br", "pt-BR"),
        (" zh-CN ", "zh-CN"),
        ("zh-Hant-TW-x-home", "zh-TW"),
        ("en-u-ca-gregory", "en-US"),
        ("pt-BR-abl1943", "pt-BR"),
    ],
)
def test_home_assistant_tags_normalise_to_supported_ones(sent: str, expected: str) -> None:
    assert normalize_language(sent) == expected


@pytest.mark.parametrize("sent", ["fr", "de-DE", "ko-KR", "", "*"])
def test_unsupported_languages_are_returned_unchanged(sent: str) -> None:
    assert normalize_language(sent) == sent


def test_every_supported_language_normalises_to_itself() -> None:
    assert [normalize_language(tag) for tag in SUPPORTED_LANGUAGES] == SUPPORTED_LANGUAGES


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("zh-Hans", "zh-CN"),
        ("zh-Hant", "zh-TW"),
        ("zh-HK", "zh-HK"),
        ("en", "en-US"),
        ("en-GB", "en-GB"),
        ("ja", "ja-JP"),
        ("es", "es-MX"),
        ("es-419", "es-MX"),
        ("id", "id-ID"),
        ("pt", "pt-BR"),
        ("pt-BR", "pt-BR"),
        ("fr", None),
        ("", None),
        ("*", None),
    ],
)
def test_default_language_follows_home_assistants_language(
    configured: str, expected: str | None
) -> None:
    assert best_supported(configured) == expected


def test_traditional_chinese_means_taiwanese_mandarin_outside_hong_kong() -> None:
    """HA ranks zh-HK first for zh-Hant, but zh-HK voices speak Cantonese."""
    assert matches("zh-Hant", SUPPORTED_LANGUAGES)[0] == "zh-HK"
    assert best_supported("zh-Hant") == "zh-TW"
    assert best_supported("zh-Hant", country="US") == "zh-TW"


@pytest.mark.parametrize("country", ["HK", "hk", "MO"])
def test_traditional_chinese_in_hong_kong_or_macau_means_cantonese(country: str) -> None:
    assert best_supported("zh-Hant", country=country) == "zh-HK"


def test_country_hint_reaches_home_assistants_matcher() -> None:
    assert best_supported("zh", country="TW") == "zh-TW"
    assert best_supported("en", country="AU") == "en-AU"


@pytest.mark.parametrize("pipeline_language", ["zh", "zh-CN", "zh-Hans", "zh-TW", "zh-HK"])
def test_chinese_pipeline_languages_find_a_supported_language(pipeline_language: str) -> None:
    """Assist picks a TTS engine by matching its pipeline language against ours."""
    assert matches(pipeline_language, SUPPORTED_LANGUAGES)


def test_home_assistants_own_languages_map_onto_supported_ones() -> None:
    """Every UI language of a family we speak must select one of our languages."""
    ours = {primary_subtag(tag) for tag in SUPPORTED_LANGUAGES}
    theirs = [tag for tag in LANGUAGES if primary_subtag(tag) in ours]
    assert "zh-Hant" in theirs
    for tag in theirs:
        assert best_supported(tag) in SUPPORTED_LANGUAGES, tag


@pytest.mark.parametrize(
    ("tag", "primary"), [("zh-TW", "zh"), ("zh_Hant_TW", "zh"), ("EN", "en"), ("ja", "ja")]
)
def test_primary_subtag_drops_script_and_region(tag: str, primary: str) -> None:
    assert primary_subtag(tag) == primary


def test_constants_list_the_same_languages() -> None:
    assert const.SUPPORTED_LANGUAGES == SUPPORTED_LANGUAGES
