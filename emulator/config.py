"""Settings, accounts, fault switches and request records of the emulated service.

Tests change these objects while the emulator runs (``emulator.faults.stall_after_frames = 1``),
so everything except the records is a plain mutable dataclass read at the moment it matters.
"""

from dataclasses import dataclass, field
from typing import Any, Final, Literal

DEFAULT_APP_ID: Final = "emulator-app"
"""Demo app id of the default account: obviously fake, never a real credential."""

DEFAULT_TOKEN: Final = "emulator-token"  # noqa: S105 - a documented fake demo credential
"""Demo access token of the default account."""

DEFAULT_API_KEY: Final = "emulator-api-key"
"""Demo API key of the default account (the new console's single-key login)."""

DEFAULT_CLUSTER: Final = "volcano_tts"
"""The cluster every account is granted unless told otherwise."""

CLONE_CLUSTERS: Final = frozenset({"volcano_icl", "volcano_icl_concurr"})
"""Clusters that serve cloned (``S_…``) voices."""

CLONE_VOICE_PREFIX: Final = "S_"

UNIDIRECTIONAL_ONLY_VOICES: Final = frozenset(
    {
        "ICL_zh_female_bingruoshaonv_tob",
        "ICL_zh_female_huoponvhai_tob",
        "ICL_zh_female_heainainai_tob",
        "ICL_zh_female_linjuayi_tob",
    }
)
"""1.0 voices the voice list marks "暂不支持双向流式接口调用" (病弱少女, 活泼女孩, 和蔼奶奶,
邻居阿姨): the unidirectional APIs and v1 speak them, the bidirectional API refuses them."""

DEFAULT_VOICES: Final = UNIDIRECTIONAL_ONLY_VOICES | frozenset(
    {
        "zh_female_wanwanxiaohe_moon_bigtts",
        "zh_female_cancan_mars_bigtts",
        "zh_female_shuangkuaisisi_moon_bigtts",
        "zh_male_wennuanahu_moon_bigtts",
        "zh_male_shaonianzixin_moon_bigtts",
        "zh_male_jingqiangkanye_moon_bigtts",
        "zh_female_vv_mars_bigtts",
        "zh_female_gaolengyujie_emo_v2_mars_bigtts",
        "en_female_emily_mars_bigtts",
        "en_male_adam_mars_bigtts",
        "en_female_lauren_moon_bigtts",
        "multi_female_shuangkuaisisi_moon_bigtts",
        "BV001_streaming",
        "BV002_streaming",
        "BV700_streaming",
        "BV503_streaming",
        "BV504_streaming",
        "ICL_zh_female_wenrounvshen_239eff5e8ffa_tob",
        "zh_female_shuangkuaisisi_emo_v2_mars_bigtts",
        "en_female_candice_emo_v2_mars_bigtts",
    }
)
"""Voice ids the documented v1 service knows (generation 1.0 and classic voices only:
v1 does not serve the 2.0 ``…_uranus_bigtts`` voices)."""

DEFAULT_V3_VOICES: Final = DEFAULT_VOICES | frozenset(
    {
        "zh_female_vv_uranus_bigtts",
        "zh_female_xiaohe_uranus_bigtts",
        "zh_male_m191_uranus_bigtts",
        "zh_male_taocheng_uranus_bigtts",
        "saturn_zh_female_cancan_tob",
        "zh_male_ruyayichen_saturn_bigtts",
    }
)
"""Voice ids the v3 endpoints know: the v1 ones plus documented 2.0 voices.

Cloned voices (``S_…``, ``icl_…``) are accepted without being listed, as in v1;
Volcengine's own ``ICL_…_tob`` voices are ordinary 1.0 voices and must be listed.
"""

RESOURCE_IDS: Final = frozenset(
    {
        "seed-tts-1.0",
        "seed-tts-1.0-concurr",
        "seed-tts-2.0",
        "seed-icl-1.0",
        "seed-icl-1.0-concurr",
        "seed-icl-2.0",
        "volc.service_type.10029",
        "volc.service_type.10048",
    }
)
"""The documented ``X-Api-Resource-Id`` values; any other id is refused with HTTP 400."""

RECOGNITION_RESOURCE_IDS: Final = frozenset(
    {
        "volc.bigasr.sauc.duration",
        "volc.bigasr.sauc.concurrent",
        "volc.seedasr.sauc.duration",
        "volc.seedasr.sauc.concurrent",
    }
)
"""The streaming recognition (``sauc``) resource ids: model 1.0 and 2.0, hourly or concurrent.

An account's ``resources`` decide whether it may recognise, as for the TTS ids."""

type LastFrameLayout = Literal["classic", "no_sequence"]
"""How the final audio frame is laid out.

``classic``: flags 0b0011 and a negative sequence number, what the official v1 demo reads.
``no_sequence``: flags 0b0010 without a sequence number, what the newer official
``protocols`` module reads. Clients must understand both.
"""


@dataclass(frozen=True, slots=True)
class Account:
    """One app id with its token and what it has bought."""

    app_id: str
    token: str
    clusters: frozenset[str] = frozenset({DEFAULT_CLUSTER})
    granted_voices: frozenset[str] | None = None
    """Voices this account may use; ``None`` grants every known voice."""
    resources: frozenset[str] | None = None
    """v3 resource ids this account has bought; ``None`` grants every known one."""
    api_key: str | None = None
    """The new console's API key (``X-Api-Key``, v3 only); ``None`` when it has none."""
    character_quota: int | None = None
    """Characters this account may have billed in all (a trial's lifetime quota, refilled
    by buying more: replace the account with a larger one); ``None`` is unlimited."""
    clone_slots: frozenset[str] | None = None
    """Prepaid voice slots (``S_…``) bought for cloning; ``None`` accepts any ``S_…`` id."""
    postpaid_cloning: bool = True
    """Whether the post-paid voice service (``custom_speaker_id``) is enabled."""


def _default_accounts() -> dict[str, Account]:
    return {DEFAULT_APP_ID: Account(DEFAULT_APP_ID, DEFAULT_TOKEN, api_key=DEFAULT_API_KEY)}


@dataclass(slots=True)
class EmulatorConfig:
    """How the emulated service behaves when nothing goes wrong."""

    host: str = "127.0.0.1"
    port: int = 0
    accounts: dict[str, Account] = field(default_factory=_default_accounts)
    max_concurrency: int = 2
    """Requests one app id may have in flight at once (the free tier allows 2)."""
    first_chunk_delay: float = 0.0
    """Seconds between a request and its first audio frame."""
    real_time_factor: float = 0.0
    """0 sends audio as fast as possible; 1.0 paces frames at the audio's own speed."""
    chunk_bytes: int = 4096
    """Audio bytes per streamed frame."""
    send_ack: bool = False
    """Send the payload-less ACK frame before a submit's audio."""
    send_frontend: bool = False
    """Send a frontend (0xC) frame before a submit's audio."""
    last_frame_layout: LastFrameLayout = "classic"
    gzip_errors: bool = False
    """Gzip the message of error frames."""
    voices: frozenset[str] = DEFAULT_VOICES
    v3_voices: frozenset[str] = DEFAULT_V3_VOICES
    """Voices the v3 endpoints know (their resource id must still match the generation)."""
    unidirectional_only_voices: frozenset[str] = UNIDIRECTIONAL_ONLY_VOICES
    """Voices the bidirectional API refuses at StartSession."""
    idle_timeout: float | None = None
    """Seconds a v3 bidirectional connection may stay idle before the service closes it
    (close code 1001); ``None`` never closes one. Idle means no frame from the client and
    no synthesis under way: a session begun but never given text leaves its connection
    idle too. Read when each connection opens."""
    max_text_chars: int = 100_000
    """Characters one v3 session may receive before it fails with TTSExceededTextLimit."""
    transcript: str = ""
    """What the recogniser hears in audio that is not the emulator's own speech (any real
    recording): the control API for recognition tests. Its own speech is read back as the
    text it was synthesised from, whatever this says."""
    recognition_final_delay: float = 0.0
    """Seconds between the last audio packet and the final result (the service finishing)."""
    packet_timeout: float = 5.0
    """Seconds the recogniser waits for the next packet before error 45000081 (5 s or 8 s
    were observed live)."""
    gzip_recognition_responses: bool = False
    """Gzip recognition responses (the documentation's reading; live captures are plain)."""
    final_sequence_negative: bool = False
    """Negate the final recognition response's sequence (live captures keep it positive)."""
    clone_training_seconds: float = 0.0
    """Seconds a voice stays Training before it reaches Success (or Failed)."""
    clone_upload_limit: int = 10
    """Trainings one slot accepts before 45001123 (the real number is per product)."""


@dataclass(slots=True)
class Faults:
    """Failures to inject; tests flip these while the emulator runs.

    Frame counts refer to audio frames (the ACK and frontend frames are not counted); a
    count at or beyond the number of frames a request needs never triggers.
    """

    drop_after_frames: int | None = None
    """Abort the TCP connection, without a close frame, after this many audio frames."""
    stall_after_frames: int | None = None
    """Stop sending after this many audio frames but keep the connection open."""
    malformed_after_frames: int | None = None
    """Send a truncated frame instead of the next audio frame, then close."""
    error_code: int | None = None
    """Answer requests with an error frame of this code instead of audio ..."""
    error_message: str = "emulated failure"
    error_count: int = 1
    """... this many times (counts down; at 0 the fault is off)."""
    handshake_status: int | None = None
    """Reject the websocket handshake with this HTTP status."""
    handshake_delay: float = 0.0
    """Seconds to wait before answering the handshake."""
    text_frame: str | None = None
    """Send this websocket text frame instead of audio, then close."""
    clone_error_code: int | None = None
    """Answer ``voice_clone`` with this documented code (e.g. 45001109) ..."""
    clone_error_message: str = "emulated cloning failure"
    clone_error_count: int = 1
    """... this many times (counts down; at 0 the fault is off)."""
    clone_training_fails: bool = False
    """Trainings started now end in Failed instead of Success."""
    clone_status_failures: int = 0
    """Answer this many ``get_voice`` calls with 55001301 (the service's database failing)."""


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """A request exactly as the emulator received it, for tests to inspect."""

    app_id: str
    token: str
    """The token of the ``Authorization`` header (the JSON ``app.token`` is a dummy)."""
    headers: dict[str, str]
    payload: dict[str, Any]
    compressed: bool
    operation: str
    voice: str
    text: str


@dataclass(frozen=True, slots=True)
class ReceivedSession:
    """A v3 session (bidirectional) or request (unidirectional stream), for tests to inspect.

    Recorded when its StartSession (or unidirectional request) arrives, before validation,
    so refused sessions appear too. ``texts`` is a live list: each TaskRequest's text is
    appended as it arrives. When the session ends, its entry in ``Emulator.sessions`` is
    replaced by a copy with ``finished`` / ``canceled`` / ``status_code`` set, so re-read
    the list rather than holding on to an old record.
    """

    app_id: str
    resource_id: str
    connection_id: str
    """The id the server announced in ConnectionStarted (the client's X-Api-Connect-Id if sent)."""
    session_id: str
    """The client's session id (bidirectional) or one the server made up (unidirectional)."""
    speaker: str
    audio_params: dict[str, Any]
    additions: dict[str, Any]
    """``req_params.additions`` parsed from its JSON string (empty when absent or invalid)."""
    texts: list[str]
    finished: bool = False
    """SessionFinished (152) was sent."""
    canceled: bool = False
    """SessionCanceled (151) was sent."""
    status_code: int | None = None
    """20000000 when finished, the failure code when it failed, ``None`` while running."""
    endpoint: str = "bidirection"
    """``bidirection`` or ``unidirectional``."""
    ssml: bool = False
    """The text came as ``req_params.ssml`` (unidirectional): ``texts`` holds the document."""


@dataclass(slots=True)
class ReceivedRecognition:
    """One recognition session, for tests to inspect; updated in place while it runs."""

    app_id: str
    resource_id: str
    endpoint: str
    """``bigmodel``, ``bigmodel_async`` or ``bigmodel_nostream``."""
    request: dict[str, Any] = field(default_factory=dict)
    numbered: bool | None = None
    """Whether the client numbers its frames (``None`` before the first one)."""
    compressed_audio: bool | None = None
    packets: int = 0
    """Audio packets received, the last one included."""
    packet_sizes: list[int] = field(default_factory=list)
    """Decompressed audio bytes per packet, in order."""
    text: str | None = None
    """The final transcript sent."""
    status_code: int | None = None
    """20000000 once the final result is sent, the error code on failure."""
