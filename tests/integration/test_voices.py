"""The voice catalogue: real ids, usable names, and the right API generation for each."""

from __future__ import annotations

from collections import Counter

import pytest

from custom_components.volcengine_tts.const import DEFAULT_VOICE
from custom_components.volcengine_tts.languages import SUPPORTED_LANGUAGES, primary_subtag
from custom_components.volcengine_tts.voices import (
    VoiceInfo,
    custom_voice,
    display_name,
    generation_of,
    load_catalogue,
    voice_by_id,
    voices_for_language,
)
from custom_components.volcengine_tts.volcengine import resource_id_for_voice
from custom_components.volcengine_tts.volcengine.synthesis.bidirection import (
    SEED_ICL_1,
    SEED_TTS_1,
    SEED_TTS_2,
)

from .conftest import OTHER_VOICE, VOICE

CATALOGUE = load_catalogue().voices
LARGE_MODEL_EMOTIONS_ZH = load_catalogue().emotion_vocabularies["large_model_zh"]
LARGE_MODEL_EMOTIONS_EN = load_catalogue().emotion_vocabularies["large_model_en"]
CLASSIC_EMOTIONS = load_catalogue().emotion_vocabularies["classic"]

PROTOCOL_NOTES_VOICES = (
    "zh_female_vv_uranus_bigtts",
    "zh_female_xiaohe_uranus_bigtts",
    "zh_male_m191_uranus_bigtts",
    "zh_male_taocheng_uranus_bigtts",
    "saturn_zh_female_cancan_tob",
    "zh_male_ruyayichen_saturn_bigtts",
    "zh_male_lengkugege_emo_v2_mars_bigtts",
    "zh_female_gaolengyujie_emo_v2_mars_bigtts",
    "zh_female_shuangkuaisisi_emo_v2_mars_bigtts",
    "en_female_candice_emo_v2_mars_bigtts",
    "en_male_glen_emo_v2_mars_bigtts",
    "en_male_corey_emo_v2_mars_bigtts",
    "zh_female_cancan_mars_bigtts",
    "zh_female_shuangkuaisisi_moon_bigtts",
    "zh_male_wennuanahu_moon_bigtts",
    "zh_male_shaonianzixin_moon_bigtts",
    "zh_female_wanwanxiaohe_moon_bigtts",
    "zh_male_jingqiangkanye_moon_bigtts",
    "zh_female_daimengchuanmei_moon_bigtts",
    "zh_female_yueyunv_mars_bigtts",
    "zh_female_tianmeixiaoyuan_moon_bigtts",
    "zh_female_linjianvhai_moon_bigtts",
    "zh_male_yangguangqingnian_moon_bigtts",
    "zh_female_vv_mars_bigtts",
    "zh_male_xudong_conversation_wvae_bigtts",
    "zh_female_yingyujiaoyu_mars_bigtts",
    "en_female_lauren_moon_bigtts",
    "en_male_adam_mars_bigtts",
    "en_female_emily_mars_bigtts",
    "en_female_sarah_mars_bigtts",
    "multi_female_shuangkuaisisi_moon_bigtts",
    "multi_male_jingqiangkanye_moon_bigtts",
    "ICL_zh_female_wenrounvshen_239eff5e8ffa_tob",
    "BV001_streaming",
    "BV002_streaming",
    "BV700_streaming",
    "BV701_streaming",
    "BV705_streaming",
    "BV503_streaming",
    "BV504_streaming",
    "BV704_streaming",
)
"""Every voice /work/shared/protocol-notes.md lists."""

REQUESTED_LANGUAGES = (
    "zh",
    "zh-CN",
    "zh-Hans",
    "zh-TW",
    "zh-Hant",
    "zh-HK",
    "en",
    "en-US",
    "en-GB",
    "ja",
    "ja-JP",
    "es",
    "es-MX",
    "id",
    "pt-BR",
)

RESOURCE_OF_GENERATION = {
    "2.0": SEED_TTS_2,
    "1.0": SEED_TTS_1,
    # Classic voices have no v3 resource of their own (v1 serves them); the
    # resolver falls back to 1.0 for every id it does not recognise.
    "classic": SEED_TTS_1,
}


def _english_only(voice: VoiceInfo) -> bool:
    return all(primary_subtag(language) == "en" for language in voice.languages)


# --- the catalogue as data ------------------------------------------------------------


def test_catalogue_lists_at_least_sixty_voices() -> None:
    assert len(CATALOGUE) >= 60


def test_voice_ids_are_unique() -> None:
    duplicates = [vid for vid, n in Counter(v.voice_id for v in CATALOGUE).items() if n > 1]
    assert duplicates == []


def test_every_protocol_notes_voice_is_listed() -> None:
    assert [vid for vid in PROTOCOL_NOTES_VOICES if voice_by_id(vid) is None] == []


def test_voices_the_integration_uses_by_default_are_listed() -> None:
    assert voice_by_id(DEFAULT_VOICE) is not None
    assert voice_by_id(VOICE) is not None
    assert voice_by_id(OTHER_VOICE) is not None


def test_every_voice_has_a_chinese_and_an_english_name() -> None:
    for voice in CATALOGUE:
        assert voice.name_zh.strip(), voice.voice_id
        assert voice.name_en.strip(), voice.voice_id
        assert voice.name_en.isascii() or voice.voice_id.startswith("multi_"), voice.voice_id


def test_names_carry_no_generation_or_emotion_mark() -> None:
    """display_name adds these; a name that has them already would show them twice."""
    for voice in CATALOGUE:
        for name in (voice.name_zh, voice.name_en):
            assert "2.0" not in name, voice.voice_id
            assert "多情感" not in name, voice.voice_id


def test_every_voice_speaks_supported_languages_only() -> None:
    for voice in CATALOGUE:
        assert voice.languages, voice.voice_id
        assert set(voice.languages) <= set(SUPPORTED_LANGUAGES), voice.voice_id
        assert len(set(voice.languages)) == len(voice.languages), voice.voice_id


def test_catalogue_voices_have_a_gender_and_a_service_generation() -> None:
    for voice in CATALOGUE:
        assert voice.gender in ("female", "male"), voice.voice_id
        assert voice.generation in ("2.0", "1.0", "classic"), voice.voice_id


def test_gender_agrees_with_the_id_where_the_id_says_it() -> None:
    for voice in CATALOGUE:
        if "_female_" in f"_{voice.voice_id}":
            assert voice.gender == "female", voice.voice_id
        elif "_male_" in f"_{voice.voice_id}":
            assert voice.gender == "male", voice.voice_id


def test_every_supported_language_has_a_native_voice() -> None:
    spoken = {language for voice in CATALOGUE for language in voice.languages}
    assert spoken == set(SUPPORTED_LANGUAGES)


def test_every_generation_is_represented() -> None:
    counts = Counter(voice.generation for voice in CATALOGUE)
    assert counts["2.0"] >= 10
    assert counts["1.0"] >= 30
    assert counts["classic"] >= 10


# --- emotions -------------------------------------------------------------------------


def test_every_emotion_is_a_documented_id_of_its_family() -> None:
    for voice in CATALOGUE:
        if voice.generation == "classic":
            allowed = CLASSIC_EMOTIONS
        elif _english_only(voice):
            allowed = LARGE_MODEL_EMOTIONS_EN
        else:
            allowed = LARGE_MODEL_EMOTIONS_ZH
        assert set(voice.emotions) <= allowed, voice.voice_id
        assert len(set(voice.emotions)) == len(voice.emotions), voice.voice_id


def test_emotions_are_listed_only_for_voices_volcengine_documents_them_for() -> None:
    for voice in CATALOGUE:
        if voice.generation == "2.0":
            assert voice.emotions == (), voice.voice_id  # 2.0 takes instructions instead
        undocumented = voice.voice_id == "zh_male_zhoujielun_emo_v2_mars_bigtts"
        if voice.generation == "1.0" and "_emo_" in voice.voice_id and not undocumented:
            assert voice.emotions, voice.voice_id
        if voice.generation == "1.0" and "_emo_" not in voice.voice_id:
            assert voice.emotions == (), voice.voice_id


@pytest.mark.parametrize(
    ("voice_id", "count"),
    [
        ("zh_female_gaolengyujie_emo_v2_mars_bigtts", 9),
        ("zh_male_lengkugege_emo_v2_mars_bigtts", 8),
        ("en_male_sylus_emo_v2_mars_bigtts", 10),
        ("BV001_streaming", 11),  # "12 emotions" counts the default, which has no id
        ("BV700_streaming", 21),  # "22" likewise
    ],
)
def test_documented_emotion_counts(voice_id: str, count: int) -> None:
    voice = voice_by_id(voice_id)
    assert voice is not None
    assert len(voice.emotions) == count


# --- generations and resource ids -----------------------------------------------------


def test_resource_id_follows_each_voices_generation() -> None:
    wrong = {
        voice.voice_id: resource_id_for_voice(voice.voice_id)
        for voice in CATALOGUE
        if resource_id_for_voice(voice.voice_id) != RESOURCE_OF_GENERATION[voice.generation]
    }
    assert wrong == {}


def test_generation_of_catalogue_voices_is_the_catalogues() -> None:
    for voice in CATALOGUE:
        assert generation_of(voice.voice_id) == voice.generation


@pytest.mark.parametrize(
    ("voice_id", "generation"),
    [
        ("zh_female_new_uranus_bigtts", "2.0"),
        ("zh_male_new_saturn_bigtts", "2.0"),
        ("saturn_zh_female_new_tob", "2.0"),
        ("S_abcdef123", "clone"),
        ("ICL_zh_female_new_tob", "1.0"),
        ("icl_a1b2c3", "clone"),
        ("BV999_streaming", "classic"),
        ("BV700_V2_streaming", "classic"),
        ("BR001_streaming", "classic"),
        ("zh_female_new_mars_bigtts", "1.0"),
        ("zh_female_new_moon_bigtts", "1.0"),
        ("something_else", "1.0"),
    ],
)
def test_generation_of_unknown_ids_follows_their_pattern(voice_id: str, generation: str) -> None:
    assert voice_by_id(voice_id) is None
    assert generation_of(voice_id) == generation


def test_official_icl_voices_are_1_0_voices_not_clones() -> None:
    assert generation_of("ICL_zh_female_wenrounvshen_239eff5e8ffa_tob") == "1.0"


# --- lookup by language ---------------------------------------------------------------


@pytest.mark.parametrize("language", REQUESTED_LANGUAGES)
def test_every_requested_language_lists_voices_that_speak_it(language: str) -> None:
    voices = voices_for_language(language)
    assert voices
    wanted = primary_subtag(language)
    for voice in voices:
        assert wanted in {primary_subtag(spoken) for spoken in voice.languages}, voice.voice_id


def test_chinese_requests_offer_every_chinese_dialect() -> None:
    listed = {language for voice in voices_for_language("zh") for language in voice.languages}
    assert {"zh-CN", "zh-TW", "zh-HK"} <= listed


@pytest.mark.parametrize("language", ["zh", "zh-CN", "zh-Hans", "zh-TW", "zh-Hant", "zh-HK"])
def test_every_chinese_request_lists_the_same_voices(language: str) -> None:
    assert {voice.voice_id for voice in voices_for_language(language)} == {
        voice.voice_id for voice in CATALOGUE if "zh" in map(primary_subtag, voice.languages)
    }


@pytest.mark.parametrize(("language", "dialect"), [("zh-TW", "zh-TW"), ("zh-Hant", "zh-TW")])
def test_taiwanese_requests_list_taiwanese_voices_first(language: str, dialect: str) -> None:
    voices = voices_for_language(language)
    taiwanese = [voice for voice in voices if dialect in voice.languages]
    assert taiwanese
    assert voices[: len(taiwanese)] == taiwanese


def test_hong_kong_requests_list_cantonese_voices_first() -> None:
    assert "zh-HK" in voices_for_language("zh-HK")[0].languages


def test_mainland_requests_list_mainland_voices_first() -> None:
    voices = voices_for_language("zh-Hans")
    assert "zh-CN" in voices[0].languages
    assert "zh-CN" not in voices[-1].languages


def test_british_requests_list_british_voices_first_then_other_english() -> None:
    voices = voices_for_language("en-GB")
    assert "en-GB" in voices[0].languages
    assert any("en-US" in voice.languages and "en-GB" not in voice.languages for voice in voices)


def test_bilingual_voices_are_offered_for_english() -> None:
    assert voice_by_id(DEFAULT_VOICE) in voices_for_language("en")


def test_catalogue_order_is_kept_within_a_language() -> None:
    voices = voices_for_language("ja")
    positions = [CATALOGUE.index(voice) for voice in voices]
    assert positions == sorted(positions)


@pytest.mark.parametrize("language", ["fr", "de-DE", "", "*"])
def test_unsupported_languages_list_no_voices(language: str) -> None:
    assert voices_for_language(language) == []


# --- display names --------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted({*SUPPORTED_LANGUAGES, *REQUESTED_LANGUAGES}))
def test_display_names_are_unique_within_every_language(language: str) -> None:
    names = Counter(display_name(voice, language) for voice in voices_for_language(language))
    assert [name for name, n in names.items() if n > 1] == []


@pytest.mark.parametrize(
    ("voice_id", "language", "expected"),
    [
        ("zh_female_cancan_mars_bigtts", "zh-Hans", "灿灿"),
        ("zh_female_cancan_mars_bigtts", "zh-TW", "灿灿"),
        ("zh_female_cancan_mars_bigtts", "en", "Shiny"),
        ("zh_female_cancan_mars_bigtts", "ja-JP", "Shiny"),
        ("zh_female_vv_uranus_bigtts", "zh-CN", "Vivi (2.0)"),
        ("zh_female_vv_uranus_bigtts", "en-US", "Vivi (2.0)"),
        ("zh_female_gaolengyujie_emo_v2_mars_bigtts", "zh", "高冷御姐 (多情感)"),
        ("zh_female_gaolengyujie_emo_v2_mars_bigtts", "en", "Aloof Lady (emotional)"),
        ("zh_female_gaolengyujie_moon_bigtts", "zh", "高冷御姐"),
        ("BV700_streaming", "zh-CN", "灿灿 (经典)"),
        ("BV700_streaming", "en-GB", "Cancan (classic)"),
        ("en_male_glen_emo_v2_mars_bigtts", "en", "Glen (emotional)"),
    ],
)
def test_display_name_speaks_the_list_language_and_marks_the_generation(
    voice_id: str, language: str, expected: str
) -> None:
    voice = voice_by_id(voice_id)
    assert voice is not None
    assert display_name(voice, language) == expected


# --- lookup by id and custom voices ---------------------------------------------------


def test_voice_by_id_finds_listed_voices_only() -> None:
    voice = voice_by_id("zh_female_cancan_mars_bigtts")
    assert voice is not None
    assert (voice.name_zh, voice.name_en, voice.generation) == ("灿灿", "Shiny", "1.0")
    assert voice_by_id("S_not_listed") is None


@pytest.mark.parametrize("voice_id", ["S_abc123xyz", "icl_mine123"])
def test_custom_clone_voices_are_described_for_every_language(voice_id: str) -> None:
    voice = custom_voice(voice_id)
    assert voice.voice_id == voice_id
    assert voice.generation == "clone"
    assert voice.gender is None
    assert voice.emotions == ()
    assert voice.languages == tuple(SUPPORTED_LANGUAGES)
    assert display_name(voice, "zh-Hans") == f"自定义音色 {voice_id}"
    assert display_name(voice, "en") == f"Custom voice {voice_id}"


def test_custom_voices_from_other_families_keep_their_generation() -> None:
    voice = custom_voice("zh_female_brand_new_uranus_bigtts")
    assert voice.generation == "2.0"
    assert display_name(voice, "en") == "Custom voice zh_female_brand_new_uranus_bigtts (2.0)"


def test_custom_voice_ids_are_trimmed() -> None:
    assert custom_voice("  S_abc  ").voice_id == "S_abc"


@pytest.mark.parametrize("voice_id", ["", "   "])
def test_custom_voice_needs_an_id(voice_id: str) -> None:
    with pytest.raises(ValueError, match="voice id"):
        custom_voice(voice_id)


def test_custom_voice_keeps_clone_resource_routing() -> None:
    assert resource_id_for_voice(custom_voice("S_abc").voice_id) == SEED_ICL_1
