"""The voices Volcengine (豆包) documents, as data the Home Assistant layer can list.

Every entry is a real ``voice_type`` from Volcengine's public voice lists
(copies in gaoyadianta/run-tracker ``docs/fangzhou/音色列表.md`` and
wslkwwww/CradleAI ``voicetype.md``) or from the 2.0 catalogue in
yifucc/hass_doubao_tts; names, languages and emotions are theirs, English
names are the lists' own where they have one and a translation otherwise.

A voice works only with the API generation it belongs to (a 2.0 voice on a
1.0 resource id fails with "access denied"), so the catalogue records each
voice's generation. Voices an account has not bought are still listed: the
console, not the API, says which ones an account may use.

Caveats from the lists that apply to whole families: ``*_moon_bigtts`` voices
may change timbre mid-utterance; classic ``BV…`` voices speak Chinese mixed with
English, and their other languages need v1's ``audio.language``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from .languages import SUPPORTED_LANGUAGES, normalize_language, primary_subtag
from .volcengine.bidirection import is_clone

type Gender = Literal["female", "male"]
type Generation = Literal["2.0", "1.0", "classic", "clone"]
"""Which service speaks a voice: seed-tts-2.0, seed-tts-1.0, v1's classic voices, or a clone."""


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    """One voice as the catalogue knows it.

    ``name_zh`` / ``name_en`` are the bare names, without the "2.0" or
    "（多情感）" marks Volcengine's lists append: :func:`display_name` adds a
    qualifier back, the same way for every voice, so two voices sharing a
    name stay distinguishable.
    """

    voice_id: str
    name_zh: str
    name_en: str
    languages: tuple[str, ...]
    """BCP-47 tags from ``SUPPORTED_LANGUAGES``; the first is the voice's own."""
    gender: Gender | None
    """``None`` only for custom voices, whose speaker the integration cannot know."""
    generation: Generation
    emotions: tuple[str, ...] = ()
    """Values for the ``emotion`` parameter, only where Volcengine documents them."""
    notes: str = ""
    bidirection: bool = True
    """Whether the v3 bidirectional API speaks the voice. The 1.0 voice list notes
    "病弱少女、活泼女孩、和蔼奶奶、邻居阿姨四个音色暂不支持双向流式接口调用": those go
    through the unidirectional API instead."""


LARGE_MODEL_EMOTIONS_ZH: Final = frozenset(
    {
        "happy",
        "sad",
        "angry",
        "surprised",
        "fear",
        "hate",
        "excited",
        "coldness",
        "neutral",
        "depressed",
        "lovey-dovey",
        "shy",
        "comfort",
        "tension",
        "tender",
        "storytelling",
        "radio",
        "magnetic",
        "advertising",
        "vocal-fry",
        "ASMR",
        "news",
        "entertainment",
        "dialect",
    }
)
"""Emotion ids of the Chinese large-model (1.0 ``…emo…``) voices."""

LARGE_MODEL_EMOTIONS_EN: Final = frozenset(
    {
        "neutral",
        "happy",
        "angry",
        "sad",
        "excited",
        "chat",
        "ASMR",
        "warm",
        "affectionate",
        "authoritative",
    }
)
"""Emotion ids of the English large-model voices."""

CLASSIC_EMOTIONS: Final = frozenset(
    {
        "pleased",
        "sorry",
        "annoyed",
        "customer_service",
        "professional",
        "serious",
        "narrator",
        "narrator_immersive",
        "comfort",
        "lovey-dovey",
        "energetic",
        "conniving",
        "tsundere",
        "charming",
        "storytelling",
        "radio",
        "yoga",
        "advertising",
        "assistant",
        "chat",
        "happy",
        "sad",
        "angry",
        "scare",
        "hate",
        "surprise",
        "tear",
        "novel_dialog",
    }
)
"""Emotion and style ids of the classic v1 voices, a vocabulary of their own (``scare``)."""

_ZH: Final = ("zh-CN",)
_ZH_EN: Final = ("zh-CN", "en-US")
_ZH_GB: Final = ("zh-CN", "en-GB")
_TW: Final = ("zh-TW",)
_HK: Final = ("zh-HK",)
_US: Final = ("en-US",)
_GB: Final = ("en-GB",)
_AU: Final = ("en-AU",)
_JA: Final = ("ja-JP",)
_ES: Final = ("es-MX",)
_JA_ES: Final = ("ja-JP", "es-MX")

_EXPRESSIVE: Final = (
    "Emotion changes, instruction following and ASMR, steered by the text (context_texts)."
)
_JIANYING: Final = "Video dubbing voice (Jianying); instruction following."
_ROLE_PLAY: Final = "Role-play voice: instruction following, COT/QA."
_CUSTOMER_SERVICE: Final = "Customer-service voice."
_CLASSIC_MULTILINGUAL: Final = (
    "Also speaks other languages when v1 audio.language is set (en, ja, ptbr, esmx, id)."
)

# Emotion sets the classic list repeats for many voices.
_CLASSIC_BASIC: Final = ("happy", "sad", "angry", "scare", "hate", "surprise")
_CLASSIC_NOVEL: Final = (*_CLASSIC_BASIC, "novel_dialog")
_CLASSIC_NARRATOR: Final = (*_CLASSIC_NOVEL, "narrator")
_CLASSIC_ASSISTANT: Final = ("pleased", "sorry", "professional", "serious")
_EN_ALL_BUT_AUTHORITY: Final = (
    "affectionate",
    "angry",
    "ASMR",
    "chat",
    "excited",
    "happy",
    "neutral",
    "sad",
    "warm",
)
_EN_ALL: Final = (*_EN_ALL_BUT_AUTHORITY, "authoritative")


CATALOGUE: Final[tuple[VoiceInfo, ...]] = (
    # --- 豆包语音合成模型2.0 (resource seed-tts-2.0) -------------------------------
    VoiceInfo(
        "zh_female_vv_uranus_bigtts",
        "Vivi",
        "Vivi",
        ("zh-CN", "en-US", "ja-JP", "id-ID", "es-MX"),
        "female",
        "2.0",
        notes=f"{_EXPRESSIVE} Chinese and English per Volcengine's list; Japanese, "
        "Indonesian and Mexican Spanish per the newer yifucc catalogue.",
    ),
    VoiceInfo(
        "zh_female_xiaohe_uranus_bigtts", "小何", "Xiaohe", _ZH, "female", "2.0", notes=_EXPRESSIVE
    ),
    VoiceInfo(
        "zh_male_m191_uranus_bigtts", "云舟", "Yunzhou", _ZH, "male", "2.0", notes=_EXPRESSIVE
    ),
    VoiceInfo(
        "zh_male_taocheng_uranus_bigtts", "小天", "Xiaotian", _ZH, "male", "2.0", notes=_EXPRESSIVE
    ),
    VoiceInfo("zh_male_liufei_uranus_bigtts", "刘飞", "Liu Fei", _ZH, "male", "2.0"),
    VoiceInfo(
        "zh_female_qingxinnvsheng_uranus_bigtts",
        "清新女声",
        "Fresh Female Voice",
        _ZH,
        "female",
        "2.0",
    ),
    VoiceInfo(
        "zh_female_sajiaoxuemei_uranus_bigtts",
        "撒娇学妹",
        "Coquettish Junior",
        _ZH,
        "female",
        "2.0",
    ),
    VoiceInfo(
        "zh_female_tianmeixiaoyuan_uranus_bigtts",
        "甜美小源",
        "Sweet Xiaoyuan",
        _ZH,
        "female",
        "2.0",
    ),
    VoiceInfo(
        "zh_female_tianmeitaozi_uranus_bigtts", "甜美桃子", "Sweet Taozi", _ZH, "female", "2.0"
    ),
    VoiceInfo("zh_female_shuangkuaisisi_uranus_bigtts", "爽快思思", "Skye", _ZH, "female", "2.0"),
    VoiceInfo("zh_female_peiqi_uranus_bigtts", "佩奇猪", "Peppa Pig", _ZH, "female", "2.0"),
    VoiceInfo(
        "zh_female_linjianvhai_uranus_bigtts", "邻家女孩", "Girl Next Door", _ZH, "female", "2.0"
    ),
    VoiceInfo("zh_male_shaonianzixin_uranus_bigtts", "少年梓辛", "Brayan", _ZH, "male", "2.0"),
    VoiceInfo("zh_male_sunwukong_uranus_bigtts", "猴哥", "Monkey King", _ZH, "male", "2.0"),
    VoiceInfo(
        "zh_female_yingyujiaoxue_uranus_bigtts", "Tina老师", "Teacher Tina", _ZH_GB, "female", "2.0"
    ),
    VoiceInfo(
        "zh_female_kefunvsheng_uranus_bigtts",
        "暖阳女声",
        "Warm Sunshine Voice",
        _ZH,
        "female",
        "2.0",
    ),
    VoiceInfo("en_male_tim_uranus_bigtts", "Tim", "Tim", _US, "male", "2.0"),
    VoiceInfo("en_female_dacey_uranus_bigtts", "Dacey", "Dacey", _US, "female", "2.0"),
    VoiceInfo("en_female_stokie_uranus_bigtts", "Stokie", "Stokie", _US, "female", "2.0"),
    VoiceInfo(
        "zh_female_xueayi_saturn_bigtts",
        "儿童绘本",
        "Picture Book Reader",
        _ZH,
        "female",
        "2.0",
        notes=f"{_JIANYING} Audiobooks for children.",
    ),
    VoiceInfo("zh_male_dayi_saturn_bigtts", "大壹", "Dayi", _ZH, "male", "2.0", notes=_JIANYING),
    VoiceInfo(
        "zh_female_mizai_saturn_bigtts",
        "黑猫侦探社咪仔",
        "Detective Cat Mizai",
        _ZH,
        "female",
        "2.0",
        notes=_JIANYING,
    ),
    VoiceInfo(
        "zh_female_jitangnv_saturn_bigtts",
        "鸡汤女",
        "Inspirational Woman",
        _ZH,
        "female",
        "2.0",
        notes=_JIANYING,
    ),
    VoiceInfo(
        "zh_female_meilinvyou_saturn_bigtts",
        "魅力女友",
        "Charming Girlfriend",
        _ZH,
        "female",
        "2.0",
        notes=_JIANYING,
    ),
    VoiceInfo(
        "zh_female_santongyongns_saturn_bigtts",
        "流畅女声",
        "Fluent Female Voice",
        _ZH,
        "female",
        "2.0",
        notes=_JIANYING,
    ),
    VoiceInfo(
        "zh_male_ruyayichen_saturn_bigtts",
        "儒雅逸辰",
        "Refined Yichen",
        _ZH,
        "male",
        "2.0",
        notes=_JIANYING,
    ),
    VoiceInfo(
        "saturn_zh_female_keainvsheng_tob",
        "可爱女生",
        "Cute Girl",
        _ZH,
        "female",
        "2.0",
        notes=_ROLE_PLAY,
    ),
    VoiceInfo(
        "saturn_zh_female_tiaopigongzhu_tob",
        "调皮公主",
        "Naughty Princess",
        _ZH,
        "female",
        "2.0",
        notes=_ROLE_PLAY,
    ),
    VoiceInfo(
        "saturn_zh_male_shuanglangshaonian_tob",
        "爽朗少年",
        "Cheerful Boy",
        _ZH,
        "male",
        "2.0",
        notes=_ROLE_PLAY,
    ),
    VoiceInfo(
        "saturn_zh_male_tiancaitongzhuo_tob",
        "天才同桌",
        "Genius Deskmate",
        _ZH,
        "male",
        "2.0",
        notes=_ROLE_PLAY,
    ),
    VoiceInfo(
        "saturn_zh_female_cancan_tob",
        "知性灿灿",
        "Intellectual Cancan",
        _ZH,
        "female",
        "2.0",
        notes=_ROLE_PLAY,
    ),
    VoiceInfo(
        "saturn_zh_female_qingyingduoduo_cs_tob",
        "轻盈朵朵",
        "Light Duoduo",
        _ZH,
        "female",
        "2.0",
        notes=_CUSTOMER_SERVICE,
    ),
    VoiceInfo(
        "saturn_zh_female_wenwanshanshan_cs_tob",
        "温婉珊珊",
        "Gentle Shanshan",
        _ZH,
        "female",
        "2.0",
        notes=_CUSTOMER_SERVICE,
    ),
    VoiceInfo(
        "saturn_zh_female_reqingaina_cs_tob",
        "热情艾娜",
        "Warm Aina",
        _ZH,
        "female",
        "2.0",
        notes=_CUSTOMER_SERVICE,
    ),
    VoiceInfo(
        "saturn_zh_male_qingxinmumu_cs_tob",
        "清新沐沐",
        "Fresh Mumu",
        _ZH,
        "male",
        "2.0",
        notes=_CUSTOMER_SERVICE,
    ),
    # --- 豆包语音合成模型1.0, general (resource seed-tts-1.0) ---------------------------
    VoiceInfo("zh_female_cancan_mars_bigtts", "灿灿", "Shiny", _ZH_EN, "female", "1.0"),
    VoiceInfo("zh_female_shuangkuaisisi_moon_bigtts", "爽快思思", "Skye", _ZH_EN, "female", "1.0"),
    VoiceInfo("zh_male_wennuanahu_moon_bigtts", "温暖阿虎", "Alvin", _ZH_EN, "male", "1.0"),
    VoiceInfo("zh_male_shaonianzixin_moon_bigtts", "少年梓辛", "Brayan", _ZH_EN, "male", "1.0"),
    VoiceInfo("zh_female_vv_mars_bigtts", "Vivi", "Vivi", _ZH, "female", "1.0"),
    VoiceInfo(
        "zh_female_yingyujiaoyu_mars_bigtts",
        "Tina老师",
        "Teacher Tina",
        _ZH_GB,
        "female",
        "1.0",
        notes="Education.",
    ),
    VoiceInfo(
        "ICL_zh_female_wenrounvshen_239eff5e8ffa_tob",
        "温柔女神",
        "Gentle Goddess",
        _ZH,
        "female",
        "1.0",
        notes="An official voice listed with the 1.0 voices, despite its clone-like ICL_ id.",
    ),
    *(
        VoiceInfo(
            voice_id,
            name_zh,
            name_en,
            _ZH,
            "female",
            "1.0",
            notes="Not on the bidirectional API: spoken through the unidirectional one.",
            bidirection=False,
        )
        for voice_id, name_zh, name_en in (
            ("ICL_zh_female_bingruoshaonv_tob", "病弱少女", "Sickly Girl"),
            ("ICL_zh_female_huoponvhai_tob", "活泼女孩", "Lively Girl"),
            ("ICL_zh_female_heainainai_tob", "和蔼奶奶", "Kind Grandma"),
            ("ICL_zh_female_linjuayi_tob", "邻居阿姨", "Neighbour Auntie"),
        )
    ),
    VoiceInfo(
        "zh_female_qinqienvsheng_moon_bigtts",
        "亲切女声",
        "Friendly Female Voice",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo("zh_male_qingyiyuxuan_mars_bigtts", "阳光阿辰", "Sunny Achen", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_male_xudong_conversation_wvae_bigtts", "快乐小东", "Daniel", _ZH_GB, "male", "1.0"
    ),
    VoiceInfo(
        "en_male_jason_conversation_wvae_bigtts",
        "开朗学长",
        "Cheerful Senior",
        _ZH,
        "male",
        "1.0",
        notes="A Chinese voice despite its en_ id.",
    ),
    VoiceInfo(
        "zh_female_sophie_conversation_wvae_bigtts", "魅力苏菲", "Sophie", _ZH_EN, "female", "1.0"
    ),
    VoiceInfo("zh_male_M100_conversation_wvae_bigtts", "悠悠君子", "Lucas", _ZH_EN, "male", "1.0"),
    VoiceInfo(
        "zh_female_maomao_conversation_wvae_bigtts",
        "文静毛毛",
        "Quiet Maomao",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "zh_female_tianmeitaozi_mars_bigtts", "甜美桃子", "Sweet Taozi", _ZH, "female", "1.0"
    ),
    VoiceInfo(
        "zh_female_qingxinnvsheng_mars_bigtts",
        "清新女声",
        "Fresh Female Voice",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "zh_female_zhixingnvsheng_mars_bigtts",
        "知性女声",
        "Intellectual Female Voice",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "zh_male_qingshuangnanda_mars_bigtts", "清爽男大", "Fresh College Guy", _ZH, "male", "1.0"
    ),
    VoiceInfo(
        "zh_female_linjianvhai_moon_bigtts", "邻家女孩", "Girl Next Door", _ZH, "female", "1.0"
    ),
    VoiceInfo("zh_male_yuanboxiaoshu_moon_bigtts", "渊博小叔", "Erudite Uncle", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_male_yangguangqingnian_moon_bigtts", "阳光青年", "Sunny Youth", _ZH, "male", "1.0"
    ),
    VoiceInfo(
        "zh_female_tianmeixiaoyuan_moon_bigtts", "甜美小源", "Sweet Xiaoyuan", _ZH, "female", "1.0"
    ),
    VoiceInfo("zh_female_qingchezizi_moon_bigtts", "清澈梓梓", "Clear Zizi", _ZH, "female", "1.0"),
    VoiceInfo(
        "zh_male_jieshuoxiaoming_moon_bigtts", "解说小明", "Narrator Xiaoming", _ZH, "male", "1.0"
    ),
    VoiceInfo(
        "zh_female_kailangjiejie_moon_bigtts", "开朗姐姐", "Cheerful Sister", _ZH, "female", "1.0"
    ),
    VoiceInfo("zh_male_linjiananhai_moon_bigtts", "邻家男孩", "Boy Next Door", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_female_tianmeiyueyue_moon_bigtts", "甜美悦悦", "Sweet Yueyue", _ZH, "female", "1.0"
    ),
    VoiceInfo(
        "zh_female_xinlingjitang_moon_bigtts", "心灵鸡汤", "Soul Comfort", _ZH, "female", "1.0"
    ),
    VoiceInfo("zh_male_wenrouxiaoge_mars_bigtts", "温柔小哥", "Gentle Guy", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_female_wenrouxiaoya_moon_bigtts", "温柔小雅", "Gentle Xiaoya", _ZH, "female", "1.0"
    ),
    VoiceInfo(
        "zh_female_kefunvsheng_mars_bigtts",
        "暖阳女声",
        "Warm Sunshine Voice",
        _ZH,
        "female",
        "1.0",
        notes=_CUSTOMER_SERVICE,
    ),
    # 1.0, regional accents and dialects
    VoiceInfo(
        "zh_female_yueyunv_mars_bigtts",
        "粤语小溏",
        "Cantonese Xiaotang",
        _HK,
        "female",
        "1.0",
        notes="Speaks Cantonese.",
    ),
    VoiceInfo(
        "zh_female_wanwanxiaohe_moon_bigtts",
        "湾湾小何",
        "Taiwanese Xiaohe",
        _TW,
        "female",
        "1.0",
        notes="Taiwanese accent.",
    ),
    VoiceInfo(
        "zh_male_zhoujielun_emo_v2_mars_bigtts",
        "双节棍小哥",
        "Nunchaku Guy",
        _TW,
        "male",
        "1.0",
        notes="Taiwanese accent.",
    ),
    VoiceInfo(
        "zh_male_jingqiangkanye_moon_bigtts",
        "京腔侃爷",
        "Harmony",
        _ZH_EN,
        "male",
        "1.0",
        notes="Beijing accent.",
    ),
    VoiceInfo(
        "zh_male_beijingxiaoye_moon_bigtts",
        "北京小爷",
        "Beijing Young Master",
        _ZH,
        "male",
        "1.0",
        notes="Beijing accent.",
    ),
    VoiceInfo(
        "zh_female_daimengchuanmei_moon_bigtts",
        "呆萌川妹",
        "Sichuan Girl",
        _ZH,
        "female",
        "1.0",
        notes="Sichuan accent.",
    ),
    VoiceInfo(
        "zh_male_yuzhouzixuan_moon_bigtts",
        "豫州子轩",
        "Henan Zixuan",
        _ZH,
        "male",
        "1.0",
        notes="Henan accent.",
    ),
    VoiceInfo(
        "zh_male_guangxiyuanzhou_moon_bigtts",
        "广西远舟",
        "Guangxi Yuanzhou",
        _ZH,
        "male",
        "1.0",
        notes="Guangxi accent.",
    ),
    VoiceInfo(
        "zh_male_guozhoudege_moon_bigtts",
        "广州德哥",
        "Brother De of Guangzhou",
        _ZH,
        "male",
        "1.0",
        notes="Mandarin with a Cantonese accent, not Cantonese.",
    ),
    VoiceInfo(
        "zh_male_haoyuxiaoge_moon_bigtts",
        "浩宇小哥",
        "Qingdao Haoyu",
        _ZH,
        "male",
        "1.0",
        notes="Qingdao accent.",
    ),
    VoiceInfo(
        "zh_female_meituojieer_moon_bigtts",
        "妹坨洁儿",
        "Changsha Jie'er",
        _ZH,
        "female",
        "1.0",
        notes="Changsha accent.",
    ),
    # 1.0, characters and role play
    VoiceInfo("zh_female_gaolengyujie_moon_bigtts", "高冷御姐", "Aloof Lady", _ZH, "female", "1.0"),
    VoiceInfo("zh_male_aojiaobazong_moon_bigtts", "傲娇霸总", "Haughty CEO", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_female_meilinvyou_moon_bigtts", "魅力女友", "Charming Girlfriend", _ZH, "female", "1.0"
    ),
    VoiceInfo(
        "zh_male_shenyeboke_moon_bigtts", "深夜播客", "Late-Night Podcaster", _ZH, "male", "1.0"
    ),
    VoiceInfo(
        "zh_female_sajiaonvyou_moon_bigtts", "柔美女友", "Tender Girlfriend", _ZH, "female", "1.0"
    ),
    VoiceInfo(
        "zh_female_yuanqinvyou_moon_bigtts", "撒娇学妹", "Coquettish Junior", _ZH, "female", "1.0"
    ),
    VoiceInfo(
        "zh_male_dongfanghaoran_moon_bigtts", "东方浩然", "Dongfang Haoran", _ZH, "male", "1.0"
    ),
    VoiceInfo("zh_male_naiqimengwa_mars_bigtts", "奶气萌娃", "Cute Toddler", _ZH, "male", "1.0"),
    VoiceInfo("zh_female_popo_mars_bigtts", "婆婆", "Granny", _ZH, "female", "1.0"),
    VoiceInfo("zh_male_livelybro_mars_bigtts", "开朗弟弟", "Lively Bro", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_female_flattery_mars_bigtts",
        "谄媚女声",
        "Flattering Female Voice",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "zh_male_bv139_audiobook_ummv3_bigtts", "高冷沉稳", "Aloof and Steady", _ZH, "male", "1.0"
    ),
    VoiceInfo("zh_male_hupunan_mars_bigtts", "沪普男", "Shanghai Mandarin Man", _ZH, "male", "1.0"),
    VoiceInfo("zh_male_lubanqihao_mars_bigtts", "鲁班七号", "Luban No. 7", _ZH, "male", "1.0"),
    VoiceInfo("zh_female_yangmi_mars_bigtts", "林潇", "Lin Xiao", _ZH, "female", "1.0"),
    VoiceInfo(
        "zh_female_linzhiling_mars_bigtts", "玲玲姐姐", "Sister Lingling", _ZH, "female", "1.0"
    ),
    VoiceInfo(
        "zh_female_jiyejizi2_mars_bigtts", "春日部姐姐", "Kasukabe Sister", _ZH, "female", "1.0"
    ),
    VoiceInfo("zh_male_tangseng_mars_bigtts", "唐僧", "Tang Monk", _ZH, "male", "1.0"),
    VoiceInfo("zh_male_zhuangzhou_mars_bigtts", "庄周", "Zhuang Zhou", _ZH, "male", "1.0"),
    VoiceInfo("zh_male_zhubajie_mars_bigtts", "猪八戒", "Zhu Bajie", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_female_ganmaodianyin_mars_bigtts",
        "感冒电音姐姐",
        "Stuffy Electro Sister",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo("zh_female_naying_mars_bigtts", "直率英子", "Frank Yingzi", _ZH, "female", "1.0"),
    VoiceInfo("zh_female_leidian_mars_bigtts", "女雷神", "Thunder Goddess", _ZH, "female", "1.0"),
    # 1.0, video dubbing and audiobooks
    VoiceInfo(
        "zh_male_tiancaitongsheng_mars_bigtts", "天才童声", "Child Prodigy", _ZH, "male", "1.0"
    ),
    VoiceInfo("zh_male_sunwukong_mars_bigtts", "猴哥", "Monkey King", _ZH, "male", "1.0"),
    VoiceInfo("zh_male_xionger_mars_bigtts", "熊二", "Briar", _ZH, "male", "1.0"),
    VoiceInfo("zh_female_peiqi_mars_bigtts", "佩奇猪", "Peppa Pig", _ZH, "female", "1.0"),
    VoiceInfo("zh_female_wuzetian_mars_bigtts", "武则天", "Wu Zetian", _ZH, "female", "1.0"),
    VoiceInfo("zh_female_gujie_mars_bigtts", "顾姐", "Sister Gu", _ZH, "female", "1.0"),
    VoiceInfo(
        "zh_female_yingtaowanzi_mars_bigtts", "樱桃丸子", "Chibi Maruko", _ZH, "female", "1.0"
    ),
    VoiceInfo("zh_male_chunhui_mars_bigtts", "广告解说", "Ad Narrator", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_female_shaoergushi_mars_bigtts", "少儿故事", "Children's Stories", _ZH, "female", "1.0"
    ),
    VoiceInfo("zh_male_silang_mars_bigtts", "四郎", "Silang", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_female_qiaopinvsheng_mars_bigtts",
        "俏皮女声",
        "Playful Female Voice",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo("zh_male_lanxiaoyang_mars_bigtts", "懒音绵宝", "Lazy Mianbao", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_male_dongmanhaimian_mars_bigtts", "亮嗓萌仔", "Bright-Voiced Kid", _ZH, "male", "1.0"
    ),
    VoiceInfo(
        "zh_male_jieshuonansheng_mars_bigtts",
        "磁性解说男声",
        "Morgan",
        _ZH_EN,
        "male",
        "1.0",
        notes="Volcengine warns of stability issues with this voice.",
    ),
    VoiceInfo("zh_female_jitangmeimei_mars_bigtts", "鸡汤妹妹", "Hope", _ZH_EN, "female", "1.0"),
    VoiceInfo("zh_female_tiexinnvsheng_mars_bigtts", "贴心女声", "Candy", _ZH_EN, "female", "1.0"),
    VoiceInfo("zh_female_mengyatou_mars_bigtts", "萌丫头", "Cutey", _ZH_EN, "female", "1.0"),
    VoiceInfo(
        "zh_male_changtianyi_mars_bigtts", "悬疑解说", "Suspense Narrator", _ZH, "male", "1.0"
    ),
    VoiceInfo("zh_male_ruyaqingnian_mars_bigtts", "儒雅青年", "Refined Youth", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_male_baqiqingshu_mars_bigtts", "霸气青叔", "Domineering Uncle", _ZH, "male", "1.0"
    ),
    VoiceInfo("zh_male_qingcang_mars_bigtts", "擎苍", "Qingcang", _ZH, "male", "1.0"),
    VoiceInfo(
        "zh_male_yangguangqingnian_mars_bigtts", "活力小哥", "Energetic Guy", _ZH, "male", "1.0"
    ),
    VoiceInfo(
        "zh_female_gufengshaoyu_mars_bigtts",
        "古风少御",
        "Classical Young Lady",
        _ZH,
        "female",
        "1.0",
    ),
    VoiceInfo("zh_female_wenroushunv_mars_bigtts", "温柔淑女", "Gentle Lady", _ZH, "female", "1.0"),
    VoiceInfo(
        "zh_male_fanjuanqingnian_mars_bigtts",
        "反卷青年",
        "Anti-Involution Youth",
        _ZH,
        "male",
        "1.0",
    ),
    # 1.0, multi-emotion (多情感): the emotion parameter picks one of the listed moods
    VoiceInfo(
        "zh_male_lengkugege_emo_v2_mars_bigtts",
        "冷酷哥哥",
        "Cold Brother",
        _ZH,
        "male",
        "1.0",
        emotions=("angry", "coldness", "fear", "happy", "hate", "neutral", "sad", "depressed"),
    ),
    VoiceInfo(
        "zh_female_tianxinxiaomei_emo_v2_mars_bigtts",
        "甜心小美",
        "Sweetheart Xiaomei",
        _ZH,
        "female",
        "1.0",
        emotions=("sad", "fear", "hate", "neutral"),
    ),
    VoiceInfo(
        "zh_female_gaolengyujie_emo_v2_mars_bigtts",
        "高冷御姐",
        "Aloof Lady",
        _ZH,
        "female",
        "1.0",
        emotions=(
            "happy",
            "sad",
            "angry",
            "surprised",
            "fear",
            "hate",
            "excited",
            "coldness",
            "neutral",
        ),
    ),
    VoiceInfo(
        "zh_male_aojiaobazong_emo_v2_mars_bigtts",
        "傲娇霸总",
        "Haughty CEO",
        _ZH,
        "male",
        "1.0",
        emotions=("neutral", "happy", "angry", "hate"),
    ),
    VoiceInfo(
        "zh_male_guangzhoudege_emo_mars_bigtts",
        "广州德哥",
        "Brother De of Guangzhou",
        _ZH,
        "male",
        "1.0",
        emotions=("angry", "fear", "neutral"),
        notes="Mandarin with a Cantonese accent, not Cantonese.",
    ),
    VoiceInfo(
        "zh_male_jingqiangkanye_emo_mars_bigtts",
        "京腔侃爷",
        "Harmony",
        _ZH,
        "male",
        "1.0",
        emotions=("happy", "angry", "surprised", "hate", "neutral"),
        notes="Beijing accent.",
    ),
    VoiceInfo(
        "zh_female_linjuayi_emo_v2_mars_bigtts",
        "邻居阿姨",
        "Neighbour Auntie",
        _ZH,
        "female",
        "1.0",
        emotions=("neutral", "angry", "coldness", "depressed", "surprised"),
    ),
    VoiceInfo(
        "zh_male_yourougongzi_emo_v2_mars_bigtts",
        "优柔公子",
        "Gentle Young Master",
        _ZH,
        "male",
        "1.0",
        emotions=("happy", "angry", "fear", "hate", "excited", "neutral", "depressed"),
    ),
    VoiceInfo(
        "zh_male_ruyayichen_emo_v2_mars_bigtts",
        "儒雅男友",
        "Refined Boyfriend",
        _ZH,
        "male",
        "1.0",
        emotions=("happy", "sad", "angry", "fear", "excited", "coldness", "neutral"),
    ),
    VoiceInfo(
        "zh_male_junlangnanyou_emo_v2_mars_bigtts",
        "俊朗男友",
        "Handsome Boyfriend",
        _ZH,
        "male",
        "1.0",
        emotions=("happy", "sad", "angry", "surprised", "fear", "neutral"),
    ),
    VoiceInfo(
        "zh_male_beijingxiaoye_emo_v2_mars_bigtts",
        "北京小爷",
        "Beijing Young Master",
        _ZH,
        "male",
        "1.0",
        emotions=("angry", "surprised", "fear", "excited", "coldness", "neutral"),
        notes="Beijing accent.",
    ),
    VoiceInfo(
        "zh_female_roumeinvyou_emo_v2_mars_bigtts",
        "柔美女友",
        "Tender Girlfriend",
        _ZH,
        "female",
        "1.0",
        emotions=(
            "happy",
            "sad",
            "angry",
            "surprised",
            "fear",
            "hate",
            "excited",
            "coldness",
            "neutral",
        ),
    ),
    VoiceInfo(
        "zh_male_yangguangqingnian_emo_v2_mars_bigtts",
        "阳光青年",
        "Sunny Youth",
        _ZH,
        "male",
        "1.0",
        emotions=("happy", "sad", "angry", "fear", "excited", "coldness", "neutral"),
    ),
    VoiceInfo(
        "zh_female_meilinvyou_emo_v2_mars_bigtts",
        "魅力女友",
        "Charming Girlfriend",
        _ZH,
        "female",
        "1.0",
        emotions=("sad", "fear", "neutral"),
    ),
    VoiceInfo(
        "zh_female_shuangkuaisisi_emo_v2_mars_bigtts",
        "爽快思思",
        "Skye",
        _ZH_GB,
        "female",
        "1.0",
        emotions=("happy", "sad", "angry", "surprised", "excited", "coldness", "neutral"),
    ),
    VoiceInfo(
        "zh_male_shenyeboke_emo_v2_mars_bigtts",
        "深夜播客",
        "Late-Night Podcaster",
        _ZH,
        "male",
        "1.0",
        emotions=(
            "surprised",
            "sad",
            "neutral",
            "hate",
            "happy",
            "fear",
            "excited",
            "depressed",
            "coldness",
            "angry",
        ),
    ),
    VoiceInfo(
        "en_female_candice_emo_v2_mars_bigtts",
        "Candice",
        "Candice",
        _US,
        "female",
        "1.0",
        emotions=("affectionate", "angry", "ASMR", "chat", "excited", "happy", "neutral", "warm"),
    ),
    VoiceInfo(
        "en_female_skye_emo_v2_mars_bigtts",
        "Serena",
        "Serena",
        _US,
        "female",
        "1.0",
        emotions=_EN_ALL_BUT_AUTHORITY,
    ),
    VoiceInfo(
        "en_male_glen_emo_v2_mars_bigtts",
        "Glen",
        "Glen",
        _US,
        "male",
        "1.0",
        emotions=_EN_ALL_BUT_AUTHORITY,
    ),
    VoiceInfo(
        "en_male_sylus_emo_v2_mars_bigtts", "Sylus", "Sylus", _US, "male", "1.0", emotions=_EN_ALL
    ),
    VoiceInfo(
        "en_male_corey_emo_v2_mars_bigtts", "Corey", "Corey", _GB, "male", "1.0", emotions=_EN_ALL
    ),
    VoiceInfo(
        "en_female_nadia_tips_emo_v2_mars_bigtts",
        "Nadia",
        "Nadia",
        _GB,
        "female",
        "1.0",
        emotions=_EN_ALL_BUT_AUTHORITY,
    ),
    # 1.0, English
    VoiceInfo("en_female_lauren_moon_bigtts", "Lauren", "Lauren", _US, "female", "1.0"),
    VoiceInfo(
        "en_male_campaign_jamal_moon_bigtts",
        "Energetic Male II",
        "Energetic Male II",
        _US,
        "male",
        "1.0",
    ),
    VoiceInfo("en_male_chris_moon_bigtts", "Gotham Hero", "Gotham Hero", _US, "male", "1.0"),
    VoiceInfo(
        "en_female_product_darcie_moon_bigtts",
        "Flirty Female",
        "Flirty Female",
        _US,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "en_female_emotional_moon_bigtts",
        "Peaceful Female",
        "Peaceful Female",
        _US,
        "female",
        "1.0",
    ),
    VoiceInfo("en_female_nara_moon_bigtts", "Nara", "Nara", _US, "female", "1.0"),
    VoiceInfo("en_male_bruce_moon_bigtts", "Bruce", "Bruce", _US, "male", "1.0"),
    VoiceInfo("en_male_michael_moon_bigtts", "Michael", "Michael", _US, "male", "1.0"),
    VoiceInfo("en_female_dacey_conversation_wvae_bigtts", "Daisy", "Daisy", _US, "female", "1.0"),
    VoiceInfo("en_male_charlie_conversation_wvae_bigtts", "Owen", "Owen", _US, "male", "1.0"),
    VoiceInfo("en_female_sarah_new_conversation_wvae_bigtts", "Luna", "Luna", _US, "female", "1.0"),
    VoiceInfo("en_male_adam_mars_bigtts", "Adam", "Adam", _US, "male", "1.0"),
    VoiceInfo("en_female_amanda_mars_bigtts", "Amanda", "Amanda", _US, "female", "1.0"),
    VoiceInfo("en_male_jackson_mars_bigtts", "Jackson", "Jackson", _US, "male", "1.0"),
    VoiceInfo(
        "en_female_daisy_moon_bigtts", "Delicate Girl", "Delicate Girl", _GB, "female", "1.0"
    ),
    VoiceInfo("en_male_dave_moon_bigtts", "Dave", "Dave", _GB, "male", "1.0"),
    VoiceInfo("en_male_hades_moon_bigtts", "Hades", "Hades", _GB, "male", "1.0"),
    VoiceInfo("en_female_onez_moon_bigtts", "Onez", "Onez", _GB, "female", "1.0"),
    VoiceInfo("en_female_emily_mars_bigtts", "Emily", "Emily", _GB, "female", "1.0"),
    VoiceInfo("en_male_smith_mars_bigtts", "Smith", "Smith", _GB, "male", "1.0"),
    VoiceInfo("en_female_anna_mars_bigtts", "Anna", "Anna", _GB, "female", "1.0"),
    VoiceInfo("en_female_sarah_mars_bigtts", "Sarah", "Sarah", _AU, "female", "1.0"),
    VoiceInfo("en_male_dryw_mars_bigtts", "Dryw", "Dryw", _AU, "male", "1.0"),
    # 1.0, Japanese and Spanish (multi_…); Volcengine names them per language
    VoiceInfo(
        "multi_female_shuangkuaisisi_moon_bigtts",
        "はるこ（晴子）/ Esmeralda",
        "Haruko / Esmeralda",
        _JA_ES,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "multi_male_jingqiangkanye_moon_bigtts",
        "かずね（和音）/ Javier",
        "Kazune / Javier",
        _JA_ES,
        "male",
        "1.0",
        notes="Spanish name also given as Álvaro.",
    ),
    VoiceInfo(
        "multi_male_wanqudashu_moon_bigtts",
        "ひろし（広志）/ Roberto",
        "Hiroshi / Roberto",
        _JA_ES,
        "male",
        "1.0",
    ),
    VoiceInfo(
        "multi_female_maomao_conversation_wvae_bigtts",
        "つき（月）/ Diana",
        "Tsuki / Diana",
        _JA_ES,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "multi_female_sophie_conversation_wvae_bigtts",
        "さとみ（智美）/ Sofía",
        "Satomi / Sofía",
        _JA_ES,
        "female",
        "1.0",
    ),
    VoiceInfo(
        "multi_male_xudong_conversation_wvae_bigtts",
        "まさお（正男）/ Daníel",
        "Masao / Daníel",
        _JA_ES,
        "male",
        "1.0",
    ),
    VoiceInfo(
        "multi_zh_male_youyoujunzi_moon_bigtts", "ひかる（光）", "Hikaru", _JA, "male", "1.0"
    ),
    VoiceInfo(
        "multi_female_gaolengyujie_moon_bigtts", "あけみ（朱美）", "Akemi", _JA, "female", "1.0"
    ),
    VoiceInfo(
        "multi_male_M100_conversation_wvae_bigtts",
        "Lucía",
        "Lucía",
        _ES,
        "male",
        "1.0",
        notes="Listed under a female Spanish name; the id is a male voice's.",
    ),
    # --- Classic voices (v1, cluster volcano_tts) ------------------------------------------
    VoiceInfo(
        "BV001_streaming",
        "通用女声",
        "General Female Voice",
        _ZH,
        "female",
        "classic",
        emotions=(
            "customer_service",
            "happy",
            "sad",
            "angry",
            "scare",
            "hate",
            "surprise",
            "comfort",
            "storytelling",
            "advertising",
            "assistant",
        ),
        notes="Free.",
    ),
    VoiceInfo(
        "BV002_streaming", "通用男声", "General Male Voice", _ZH, "male", "classic", notes="Free."
    ),
    VoiceInfo(
        "BV700_streaming",
        "灿灿",
        "Cancan",
        _ZH,
        "female",
        "classic",
        emotions=(
            "pleased",
            "sorry",
            "annoyed",
            "customer_service",
            "professional",
            "serious",
            "happy",
            "sad",
            "angry",
            "scare",
            "hate",
            "surprise",
            "tear",
            "conniving",
            "comfort",
            "radio",
            "lovey-dovey",
            "tsundere",
            "charming",
            "yoga",
            "storytelling",
        ),
        notes=f"Free. {_CLASSIC_MULTILINGUAL}",
    ),
    VoiceInfo(
        "BV701_streaming",
        "擎苍",
        "Qingcang",
        _ZH,
        "male",
        "classic",
        emotions=(*_CLASSIC_BASIC, "tear", "novel_dialog", "narrator", "narrator_immersive"),
        notes="Free. Laughs and coughs when the text says so.",
    ),
    VoiceInfo(
        "BV705_streaming",
        "炀炀",
        "Yangyang",
        _ZH,
        "male",
        "classic",
        emotions=("chat", "pleased", "sorry", "annoyed", "comfort", "storytelling"),
    ),
    VoiceInfo(
        "BV704_streaming",
        "方言灿灿",
        "Dialect Cancan",
        _ZH,
        "female",
        "classic",
        notes="Dialects (Northeastern, Cantonese, Shanghainese, Xi'an, Chengdu, Taiwanese and "
        "Guangxi Mandarin) when v1 audio.language is set.",
    ),
    VoiceInfo(
        "BV406_streaming",
        "超自然音色-梓梓",
        "Zizi",
        _ZH,
        "female",
        "classic",
        emotions=_CLASSIC_BASIC,
    ),
    VoiceInfo(
        "BV123_streaming",
        "阳光青年",
        "Sunny Youth",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_NOVEL,
    ),
    VoiceInfo(
        "BV120_streaming",
        "反卷青年",
        "Anti-Involution Youth",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_NOVEL,
    ),
    VoiceInfo(
        "BV119_streaming",
        "通用赘婿",
        "Live-in Son-in-Law",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_NARRATOR,
        notes="Free.",
    ),
    VoiceInfo(
        "BV115_streaming",
        "古风少御",
        "Classical Young Lady",
        _ZH,
        "female",
        "classic",
        emotions=_CLASSIC_NARRATOR,
        notes="Free.",
    ),
    VoiceInfo(
        "BV107_streaming",
        "霸气青叔",
        "Domineering Uncle",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_NARRATOR,
    ),
    VoiceInfo(
        "BV100_streaming",
        "质朴青年",
        "Plain Youth",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_NARRATOR,
    ),
    VoiceInfo(
        "BV104_streaming",
        "温柔淑女",
        "Gentle Lady",
        _ZH,
        "female",
        "classic",
        emotions=_CLASSIC_NARRATOR,
    ),
    VoiceInfo(
        "BV004_streaming",
        "开朗青年",
        "Cheerful Youth",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_NARRATOR,
    ),
    VoiceInfo(
        "BV113_streaming",
        "甜宠少御",
        "Sweet Young Lady",
        _ZH,
        "female",
        "classic",
        emotions=_CLASSIC_NARRATOR,
        notes="Free.",
    ),
    VoiceInfo(
        "BV102_streaming",
        "儒雅青年",
        "Refined Youth",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_NARRATOR,
        notes="Free.",
    ),
    VoiceInfo(
        "BV405_streaming",
        "甜美小源",
        "Sweet Xiaoyuan",
        _ZH,
        "female",
        "classic",
        emotions=_CLASSIC_ASSISTANT,
    ),
    VoiceInfo(
        "BV007_streaming",
        "亲切女声",
        "Friendly Female Voice",
        _ZH,
        "female",
        "classic",
        notes="Free.",
    ),
    VoiceInfo(
        "BV009_streaming",
        "知性女声",
        "Intellectual Female Voice",
        _ZH,
        "female",
        "classic",
        emotions=_CLASSIC_ASSISTANT,
    ),
    VoiceInfo(
        "BV008_streaming",
        "亲切男声",
        "Friendly Male Voice",
        _ZH,
        "male",
        "classic",
        emotions=_CLASSIC_ASSISTANT,
    ),
    VoiceInfo(
        "BV056_streaming", "阳光男声", "Sunny Male Voice", _ZH, "male", "classic", notes="Free."
    ),
    VoiceInfo(
        "BV005_streaming",
        "活泼女声",
        "Lively Female Voice",
        _ZH,
        "female",
        "classic",
        notes="Free.",
    ),
    VoiceInfo("BV051_streaming", "奶气萌娃", "Cute Toddler", _ZH, "male", "classic", notes="Free."),
    VoiceInfo(
        "BV034_streaming",
        "知性姐姐-双语",
        "Bilingual Intellectual Sister",
        _ZH_EN,
        "female",
        "classic",
        notes="Free.",
    ),
    VoiceInfo("BV033_streaming", "温柔小哥", "Gentle Guy", _ZH, "male", "classic", notes="Free."),
    VoiceInfo(
        "BV021_streaming",
        "东北老铁",
        "Northeastern Buddy",
        _ZH,
        "male",
        "classic",
        notes="Free. Northeastern dialect.",
    ),
    VoiceInfo(
        "BV020_streaming",
        "东北丫头",
        "Northeastern Girl",
        _ZH,
        "female",
        "classic",
        notes="Northeastern dialect.",
    ),
    VoiceInfo(
        "BV019_streaming",
        "重庆小伙",
        "Chongqing Guy",
        _ZH,
        "male",
        "classic",
        notes="Free. Chongqing dialect.",
    ),
    VoiceInfo(
        "BV213_streaming",
        "广西表哥",
        "Guangxi Cousin",
        _ZH,
        "male",
        "classic",
        notes="Free. Guangxi Mandarin.",
    ),
    VoiceInfo(
        "BV025_streaming",
        "甜美台妹",
        "Sweet Taiwanese Girl",
        _TW,
        "female",
        "classic",
        notes="Taiwanese Mandarin.",
    ),
    VoiceInfo(
        "BV227_streaming",
        "台普男声",
        "Taiwanese Mandarin Male",
        _TW,
        "male",
        "classic",
        notes="Taiwanese Mandarin.",
    ),
    VoiceInfo(
        "BV026_streaming",
        "港剧男神",
        "HK Drama Star",
        _HK,
        "male",
        "classic",
        notes="Speaks Cantonese.",
    ),
    VoiceInfo(
        "BV424_streaming",
        "广东女仔",
        "Cantonese Girl",
        _HK,
        "female",
        "classic",
        notes="Speaks Cantonese.",
    ),
    VoiceInfo(
        "BV503_streaming", "活力女声-Ariana", "Ariana", _US, "female", "classic", notes="Free."
    ),
    VoiceInfo(
        "BV504_streaming", "活力男声-Jackson", "Jackson", _US, "male", "classic", notes="Free."
    ),
    VoiceInfo(
        "BV511_streaming", "慵懒女声-Ava", "Ava", _US, "female", "classic", emotions=_CLASSIC_BASIC
    ),
    VoiceInfo("BV505_streaming", "议论女声-Alicia", "Alicia", _US, "female", "classic"),
    VoiceInfo(
        "BV138_streaming",
        "情感女声-Lawrence",
        "Lawrence",
        _US,
        "female",
        "classic",
        emotions=_CLASSIC_NARRATOR,
    ),
    VoiceInfo("BV027_streaming", "美式女声-Amelia", "Amelia", _US, "female", "classic"),
    VoiceInfo("BV502_streaming", "讲述女声-Amanda", "Amanda", _US, "female", "classic"),
    VoiceInfo("BV506_streaming", "天真萌娃-Lily", "Lily", _US, "female", "classic"),
    VoiceInfo(
        "BV421_streaming",
        "天才少女",
        "Genius Girl",
        _ZH_EN,
        "female",
        "classic",
        notes=f"{_CLASSIC_MULTILINGUAL} Also Thai (thth) and Vietnamese (vivn).",
    ),
    VoiceInfo(
        "BV702_streaming",
        "Stefan",
        "Stefan",
        _ZH_EN,
        "male",
        "classic",
        notes=_CLASSIC_MULTILINGUAL,
    ),
    VoiceInfo(
        "BV040_streaming",
        "亲切女声-Anna",
        "Anna",
        _GB,
        "female",
        "classic",
        emotions=_CLASSIC_BASIC,
    ),
    VoiceInfo("BV516_streaming", "澳洲男声-Henry", "Henry", _AU, "male", "classic"),
    VoiceInfo("BV520_streaming", "元气少女", "Energetic Girl", _JA, "female", "classic"),
    VoiceInfo("BV521_streaming", "萌系少女", "Cute Girl", _JA, "female", "classic"),
    VoiceInfo(
        "BV522_streaming",
        "气质女声",
        "Elegant Female Voice",
        _JA,
        "female",
        "classic",
        notes="Free.",
    ),
    VoiceInfo(
        "BV524_streaming", "日语男声", "Japanese Male Voice", _JA, "male", "classic", notes="Free."
    ),
    VoiceInfo(
        "BV530_streaming",
        "活力女声（巴西地区）",
        "Energetic Brazilian Female",
        ("pt-BR",),
        "female",
        "classic",
    ),
    VoiceInfo(
        "BV531_streaming", "活力男声Carlos（巴西地区）", "Carlos", ("pt-BR",), "male", "classic"
    ),
    VoiceInfo(
        "BV065_streaming",
        "气质御姐（墨西哥地区）",
        "Elegant Mexican Lady",
        _ES,
        "female",
        "classic",
    ),
)
"""Every documented voice, newest generation first; lists keep this order within a language."""

_BY_ID: Final[dict[str, VoiceInfo]] = {voice.voice_id: voice for voice in CATALOGUE}

_CLASSIC_ID: Final = re.compile(r"B[VR]\d+(?:_V2)?_streaming")
"""Classic v1 voices: ``BV001_streaming``, ``BV700_V2_streaming``, ``BR001_streaming``."""
_TTS2_PREFIX: Final = "saturn_"
_TTS2_SUFFIXES: Final = ("_uranus_bigtts", "_saturn_bigtts")

_QUALIFIERS: Final[dict[str, tuple[str, str]]] = {
    "2.0": ("2.0", "2.0"),
    "classic": ("经典", "classic"),
}
"""Generation → (Chinese, English) qualifier shown after a voice's name."""
_EMOTIONAL: Final = ("多情感", "emotional")
"""Qualifier of a 1.0 voice that takes emotions, the way Volcengine's list marks them."""


def voice_by_id(voice_id: str) -> VoiceInfo | None:
    """Return the catalogue's entry for a voice id, or ``None`` for ids it does not list."""
    return _BY_ID.get(voice_id)


def voices_for_language(language: str) -> list[VoiceInfo]:
    """Return the voices that speak ``language``, the closest dialect first.

    A voice matches when one of its languages has the same primary subtag as
    the normalised request, so every Chinese voice (zh-CN, zh-TW and Cantonese
    zh-HK alike) is offered for any Chinese request and every English voice for
    any English one: a user who picks zh-TW may still want a Mainland voice.
    Voices that speak the exact requested dialect come first, so a zh-TW
    request lists the Taiwanese voices before the others. Within each group
    the catalogue's order is kept. Unsupported languages get an empty list.
    """
    wanted = normalize_language(language)
    primary = primary_subtag(wanted)
    exact: list[VoiceInfo] = []
    related: list[VoiceInfo] = []
    for voice in CATALOGUE:
        if wanted in voice.languages:
            exact.append(voice)
        elif any(primary_subtag(spoken) == primary for spoken in voice.languages):
            related.append(voice)
    return exact + related


def display_name(voice: VoiceInfo, language: str) -> str:
    """Name a voice for a list shown in ``language``: Chinese for zh*, English otherwise.

    A qualifier such as "(2.0)", "(多情感)" or "(classic)" follows the name,
    because Volcengine sells the same speaker in several generations under one
    name (灿灿 is a 1.0 voice and a classic one), and a list of identical names
    would hide which one is billed and which API it needs.
    """
    chinese = primary_subtag(normalize_language(language)) == "zh"
    name = voice.name_zh if chinese else voice.name_en
    qualifier = _qualifier(voice)
    if qualifier is None:
        return name
    return f"{name} ({qualifier[0] if chinese else qualifier[1]})"


def _qualifier(voice: VoiceInfo) -> tuple[str, str] | None:
    if voice.generation == "1.0" and voice.emotions:
        return _EMOTIONAL
    return _QUALIFIERS.get(voice.generation)


def generation_of(voice_id: str) -> Generation:
    """Tell which generation speaks a voice, from the catalogue or else from its id's pattern.

    The pattern covers voices Volcengine adds after this catalogue was written
    and ids users type in: ``…_uranus_bigtts``, ``…_saturn_bigtts`` and
    ``saturn_…`` are 2.0; ``S_…`` and ``ICL_…`` are clones; ``BV…_streaming``
    is classic; anything else is assumed to be 1.0, the largest family.
    Catalogue entries win over the pattern: Volcengine lists some ``ICL_…_tob``
    voices as ordinary 1.0 voices.
    """
    known = _BY_ID.get(voice_id)
    if known is not None:
        return known.generation
    if voice_id.startswith(_TTS2_PREFIX) or voice_id.endswith(_TTS2_SUFFIXES):
        return "2.0"
    if is_clone(voice_id):
        return "clone"
    if _CLASSIC_ID.fullmatch(voice_id):
        return "classic"
    return "1.0"


SSML_GENERATIONS: Final = frozenset({"1.0", "classic", "clone"})
"""Generations that take SSML. *Uncertain*: the pages disagree (2.0 voices take only
``<phoneme>``, or none at all); SSML is treated as a 1.0 feature and refused for 2.0
voices. Clones are left to the service, which knows whether a clone is ICL 1.0 or 2.0."""


def takes_ssml(voice_id: str) -> bool:
    """Whether an SSML message for this voice is worth sending (not for 2.0 voices)."""
    return generation_of(voice_id) in SSML_GENERATIONS


def speaks_bidirectionally(voice_id: str) -> bool:
    """Whether the v3 bidirectional API speaks this voice (the catalogue says; unlisted: yes)."""
    known = _BY_ID.get(voice_id)
    return known is None or known.bidirection


def custom_voice(voice_id: str) -> VoiceInfo:
    """Describe a voice the user added by id, typically a clone (``S_…``, ``ICL_…``).

    The integration cannot know who speaks a clone or in which language it was
    recorded, so the voice is offered for every supported language and has no
    gender. Callers should look the id up with :func:`voice_by_id` first; this
    always describes it as custom.
    """
    voice_id = voice_id.strip()
    if not voice_id:
        raise ValueError("A custom voice needs a voice id")
    return VoiceInfo(
        voice_id,
        f"自定义音色 {voice_id}",
        f"Custom voice {voice_id}",
        tuple(SUPPORTED_LANGUAGES),
        None,
        generation_of(voice_id),
    )
