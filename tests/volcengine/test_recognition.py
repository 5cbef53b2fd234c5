"""The recognition client against the emulator: streaming, framing, options, every failure."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from collections.abc import AsyncIterator

import pytest

from custom_components.volcengine_tts.volcengine import (
    ApiKeyCredentials,
    AudioSourceError,
    AudioTooLongError,
    AuthenticationError,
    Credentials,
    InvalidInputError,
    InvalidResourceError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    TransientServerError,
    VolcengineConnectionError,
    VolcengineTimeoutError,
)
from custom_components.volcengine_tts.volcengine.recognition.client import (
    PACKET_BYTES,
    SAMPLE_RATE,
    AudioPackets,
    RecognitionClient,
    RecognitionSettings,
    Transcript,
    parse_response,
    request_payload,
    without_wav_header,
)
from custom_components.volcengine_tts.volcengine.wire.frames import (
    ServerResponseFrame,
    decode_header,
)
from emulator import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    DEFAULT_TOKEN,
    Account,
    Emulator,
    EmulatorConfig,
    Faults,
)
from emulator.audio import render_audio

COMMAND = "打开客厅的灯"
HA_CHUNK = 320
"""Home Assistant hands STT 10 ms pieces."""


def speech(text: str = COMMAND) -> bytes:
    return render_audio(text, "zh_female_cancan_mars_bigtts", encoding="pcm", sample_rate=16000)


async def chunks(audio: bytes, size: int = HA_CHUNK) -> AsyncIterator[bytes]:
    for start in range(0, len(audio), size):
        yield audio[start : start + size]


def client(emulator: Emulator, **kwargs: object) -> RecognitionClient:
    credentials = kwargs.pop("credentials", Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN))
    return RecognitionClient(credentials, endpoint=emulator.url, **kwargs)  # type: ignore[arg-type]


async def transcripts(
    recognizer: RecognitionClient,
    audio: AsyncIterator[bytes],
    settings: RecognitionSettings | None = None,
) -> list[Transcript]:
    return [item async for item in recognizer.transcribe(audio, settings or RecognitionSettings())]


async def test_own_speech_is_recognised_as_its_text(emulator: Emulator) -> None:
    results = await transcripts(client(emulator), chunks(speech()))
    assert results[-1] == Transcript(COMMAND, is_final=True, audio_milliseconds=900)
    assert all(not item.is_final for item in results[:-1])


async def test_partial_results_grow_while_audio_streams(emulator: Emulator) -> None:
    texts = [item.text for item in await transcripts(client(emulator), chunks(speech()))]
    partials = [text for text in texts[:-1] if text]
    assert partials == sorted(partials, key=len)
    assert COMMAND.startswith(partials[0])
    assert len(set(partials)) > 1


async def test_audio_goes_out_in_numbered_200_ms_packets_the_last_marked(
    emulator: Emulator,
) -> None:
    audio = speech()
    await transcripts(client(emulator), chunks(audio))
    received = emulator.recognitions[0]
    assert received.numbered is True
    assert received.compressed_audio is True
    full, rest = divmod(len(audio), PACKET_BYTES)
    assert received.packet_sizes == [PACKET_BYTES] * full + [rest]
    assert received.status_code == 20000000


async def test_packets_are_sent_before_the_audio_ends(emulator: Emulator) -> None:
    """Streaming, not buffering: the service hears the first packet while audio still flows."""
    audio = speech()

    async def live_source() -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in chunks(audio):
            yield chunk
            sent += len(chunk)
            if sent == PACKET_BYTES:
                # A client that buffered the utterance would never send: fail, don't hang.
                async with asyncio.timeout(5):
                    await emulator.wait_for_recognition_packets(1)

    results = await transcripts(client(emulator), live_source())
    assert results[-1].text == COMMAND


async def test_request_describes_16_khz_pcm_and_the_options(emulator: Emulator) -> None:
    settings = RecognitionSettings(
        language="zh-HK", punctuation=False, itn=False, hot_words=("客厅", "卧室")
    )
    await transcripts(client(emulator), chunks(speech()), settings)
    request = emulator.recognitions[0].request
    assert request["audio"] == {
        "format": "pcm",
        "codec": "raw",
        "rate": 16000,
        "bits": 16,
        "channel": 1,
    }
    assert request["request"]["model_name"] == "bigmodel"
    assert request["request"]["enable_punc"] is False
    assert request["request"]["enable_itn"] is False
    assert request["request"]["output_zh_variant"] == "hk"
    context = json.loads(request["request"]["corpus"]["context"])
    assert context == {"hotwords": [{"word": "客厅"}, {"word": "卧室"}]}


def test_defaults_turn_punctuation_and_itn_on_and_send_no_language() -> None:
    payload = request_payload(RecognitionSettings(), uid="u")
    assert payload["request"]["enable_punc"] is True
    assert payload["request"]["enable_itn"] is True
    assert "output_zh_variant" not in payload["request"]
    assert "corpus" not in payload["request"]
    assert "language" not in payload["audio"]


async def test_punctuation_off_drops_it_from_the_text(emulator: Emulator) -> None:
    results = await transcripts(
        client(emulator), chunks(speech("你好，世界。")), RecognitionSettings(punctuation=False)
    )
    assert results[-1].text == "你好世界"


async def test_other_audio_is_heard_as_the_control_transcript(emulator: Emulator) -> None:
    emulator.config.transcript = "今天天气怎么样"
    noise = bytes(range(256)) * 100
    results = await transcripts(client(emulator), chunks(noise))
    assert results[-1].text == "今天天气怎么样"


async def test_silence_ends_with_empty_text(emulator: Emulator) -> None:
    results = await transcripts(client(emulator), chunks(bytes(32000)))
    assert results[-1] == Transcript("", is_final=True, audio_milliseconds=1000)


async def test_no_audio_at_all_is_an_input_error(emulator: Emulator) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await transcripts(client(emulator), chunks(b""))
    assert caught.value.code == 45000002


async def test_the_connection_closes_after_the_final_result(emulator: Emulator) -> None:
    await transcripts(client(emulator), chunks(speech()))
    assert emulator.recognitions[0].status_code == 20000000
    assert emulator.connections == 1


@pytest.mark.parametrize("endpoint_path", ["bigmodel", "bigmodel_nostream"])
async def test_other_endpoints_answer_too(emulator: Emulator, endpoint_path: str) -> None:
    recognizer = client(emulator)
    recognizer.url = recognizer.url.replace("bigmodel_async", endpoint_path)
    results = await transcripts(recognizer, chunks(speech()))
    assert results[-1].text == COMMAND
    assert emulator.recognitions[0].endpoint == endpoint_path


@pytest.mark.parametrize(
    "emulator_config",
    [EmulatorConfig(gzip_recognition_responses=True, final_sequence_negative=True)],
)
async def test_gzipped_responses_and_a_negative_final_sequence_are_read(
    emulator: Emulator,
) -> None:
    results = await transcripts(client(emulator), chunks(speech()))
    assert results[-1].text == COMMAND


async def test_wrong_token_is_an_authentication_error(emulator: Emulator) -> None:
    with pytest.raises(AuthenticationError):
        await transcripts(
            client(emulator, credentials=Credentials(DEFAULT_APP_ID, "wrong")), chunks(speech())
        )


async def test_the_new_consoles_api_key_logs_in_too(emulator: Emulator) -> None:
    recognizer = client(emulator, credentials=ApiKeyCredentials(DEFAULT_API_KEY))
    results = await transcripts(recognizer, chunks(speech()))
    assert results[-1].text == COMMAND
    assert emulator.recognitions[-1].app_id == DEFAULT_APP_ID  # the key named its account


async def test_a_wrong_api_key_is_an_authentication_error(emulator: Emulator) -> None:
    with pytest.raises(AuthenticationError):
        await transcripts(
            client(emulator, credentials=ApiKeyCredentials("not-a-key")), chunks(speech())
        )


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            accounts={
                DEFAULT_APP_ID: Account(
                    DEFAULT_APP_ID, DEFAULT_TOKEN, resources=frozenset({"seed-tts-1.0"})
                )
            }
        )
    ],
)
async def test_account_without_the_recognition_resource_is_permission_denied(
    emulator: Emulator,
) -> None:
    with pytest.raises(PermissionDeniedError):
        await client(emulator).check_access()


async def test_unknown_resource_id_is_refused(emulator: Emulator) -> None:
    with pytest.raises(InvalidResourceError):
        await client(emulator, resource_id="seed-tts-1.0").check_access()


async def test_check_access_sends_the_request_but_no_audio(emulator: Emulator) -> None:
    await client(emulator).check_access()
    await emulator.wait_for_recognition_packets(1)
    recognition = emulator.recognitions[0]
    assert recognition.request["request"]["model_name"] == "bigmodel"
    assert recognition.packet_sizes == [0]  # one empty last packet: nothing to bill


async def test_check_access_with_a_wrong_api_key_is_an_authentication_error(
    emulator: Emulator,
) -> None:
    recognizer = client(emulator, credentials=ApiKeyCredentials("not-a-key"))
    with pytest.raises(AuthenticationError) as caught:
        await recognizer.check_access()
    assert caught.value.code == 45000010


async def test_check_access_with_the_right_api_key_passes(emulator: Emulator) -> None:
    await client(emulator, credentials=ApiKeyCredentials(DEFAULT_API_KEY)).check_access()
    await emulator.wait_for_recognitions(1)
    assert emulator.recognitions[0].app_id == DEFAULT_APP_ID


async def test_check_access_raises_the_services_first_error(emulator: Emulator) -> None:
    emulator.faults = Faults(error_code=55000031, error_message="server busy")
    with pytest.raises(RateLimitError):
        await client(emulator).check_access()


async def test_check_access_takes_no_audio_as_a_good_login() -> None:
    no_audio = (
        bytes.fromhex("11f01000") + (45000002).to_bytes(4) + (11).to_bytes(4) + b"empty audio"
    )
    await _check_access_with(_StubConnection(no_audio))


async def test_check_access_waits_for_the_first_answer_no_longer_than_the_timeout() -> None:
    with pytest.raises(VolcengineTimeoutError):
        await _check_access_with(_SilentConnection(None))


async def test_check_access_reads_a_refusal_after_the_server_closed() -> None:
    refused = VolcengineConnectionError("The connection to Volcengine closed while sending")
    invalid_key = bytes.fromhex("11f01000") + (45000010).to_bytes(4) + (7).to_bytes(4) + b"invalid"
    with pytest.raises(AuthenticationError):
        await _check_access_with(_StubConnection(invalid_key, send_error=refused))


async def test_error_code_fault_raises_the_typed_error(emulator: Emulator) -> None:
    emulator.faults = Faults(error_code=55000031, error_message="server busy")
    with pytest.raises(RateLimitError) as caught:
        await transcripts(client(emulator), chunks(speech()))
    assert caught.value.code == 55000031
    assert caught.value.server_message == "server busy"
    assert caught.value.log_id


async def test_too_many_sessions_are_rate_limited(emulator: Emulator) -> None:
    emulator.config.max_concurrency = 0
    with pytest.raises(RateLimitError):
        await transcripts(client(emulator), chunks(speech()))


async def test_dropped_connection_is_a_connection_error(emulator: Emulator) -> None:
    emulator.faults = Faults(drop_after_frames=1)
    with pytest.raises(VolcengineConnectionError):
        await transcripts(client(emulator), chunks(speech()))


async def test_malformed_response_is_a_protocol_error(emulator: Emulator) -> None:
    emulator.faults = Faults(malformed_after_frames=0)
    with pytest.raises(ProtocolError):
        await transcripts(client(emulator), chunks(speech()))


async def test_stalled_service_fails_within_the_receive_timeout(emulator: Emulator) -> None:
    emulator.faults = Faults(stall_after_frames=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(VolcengineTimeoutError):
        await transcripts(client(emulator, receive_timeout=0.2), chunks(speech()))
    assert loop.time() - started < 5


async def test_a_session_longer_than_the_cap_is_too_long_not_a_slow_service(
    emulator: Emulator,
) -> None:
    """Issue 17.5: audio still arriving at the cap is the utterance's fault, not a timeout."""
    endless = asyncio.Event()

    async def never_ending() -> AsyncIterator[bytes]:
        yield bytes(HA_CHUNK)
        await endless.wait()
        yield b""  # pragma: no cover - never reached

    with pytest.raises(AudioTooLongError):
        await transcripts(
            client(emulator, max_audio_seconds=0.1, receive_timeout=0.1), never_ending()
        )


async def test_audio_past_the_cap_is_refused_as_too_long_at_once(emulator: Emulator) -> None:
    """More than ``max_audio_seconds`` of samples is refused when they arrive, not after a wait."""
    one_second = bytes(SAMPLE_RATE * 2)
    with pytest.raises(AudioTooLongError, match="longer than 1 s"):
        await transcripts(client(emulator, max_audio_seconds=1), chunks(one_second + one_second))


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(packet_timeout=0.1)])
async def test_a_source_that_stops_feeding_gets_the_services_packet_timeout(
    emulator: Emulator,
) -> None:
    stuck = asyncio.Event()

    async def stuck_source() -> AsyncIterator[bytes]:
        yield bytes(HA_CHUNK)
        await stuck.wait()
        yield b""  # pragma: no cover - never reached

    with pytest.raises(TransientServerError) as caught:
        await transcripts(client(emulator), stuck_source())
    assert caught.value.code == 45000081


async def test_a_failing_audio_source_fails_the_recognition(emulator: Emulator) -> None:
    class MicrophoneGoneError(Exception):
        pass

    async def failing() -> AsyncIterator[bytes]:
        yield bytes(HA_CHUNK)
        raise MicrophoneGoneError

    with pytest.raises(AudioSourceError) as caught:
        await transcripts(client(emulator), failing())
    assert isinstance(caught.value.__cause__, MicrophoneGoneError)


def test_text_that_is_not_a_string_is_a_protocol_error() -> None:
    frame = ServerResponseFrame(b'{"result": {"text": 5}}', 1)
    with pytest.raises(ProtocolError):
        parse_response(frame)


def test_result_as_a_list_is_read_too() -> None:
    frame = ServerResponseFrame(b'{"result": [{"text": "hi"}]}', 2, is_last=True)
    assert parse_response(frame) == Transcript("hi", is_final=True)


@pytest.mark.parametrize(
    "payload", [b"[1]", b'{"result": 3}', b"not json", b'{"result": {"text": null}}']
)
def test_malformed_results_are_protocol_errors(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_response(ServerResponseFrame(payload, 1))


def test_an_ack_without_result_is_an_empty_transcript() -> None:
    assert parse_response(ServerResponseFrame(b"", 1)) == Transcript("", is_final=False)
    ack = b'{"result": {"additions": {"log_id": "x"}}, "audio_info": {"duration": true}}'
    assert parse_response(ServerResponseFrame(ack, None)) == Transcript("", is_final=False)


def test_packets_cut_any_chunking_into_whole_packets() -> None:
    packets = AudioPackets(4)
    assert packets.add(b"abc") == []
    assert packets.add(b"defghij") == [b"abcd", b"efgh"]
    assert packets.rest() == b"ij"
    assert packets.rest() == b""


def test_the_last_packet_is_gzip_and_negated() -> None:
    from custom_components.volcengine_tts.volcengine.recognition.client import (
        _audio_packet,
    )

    frame = _audio_packet(b"", 7, last=True)
    header, offset = decode_header(frame)
    assert frame[:4] == bytes.fromhex("11230100")
    assert int.from_bytes(frame[4:8], "big", signed=True) == -7
    assert gzip.decompress(frame[12:]) == b""
    assert header.flags == 0b0011
    assert offset == 4


async def test_the_token_never_reaches_the_logs(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await transcripts(client(emulator), chunks(speech()))
    with pytest.raises(AuthenticationError):
        await transcripts(
            client(emulator, credentials=Credentials(DEFAULT_APP_ID, "secret-token-xyz")),
            chunks(speech()),
        )
    ours = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components")  # the emulator's server logs its own
    )
    assert DEFAULT_TOKEN not in ours
    assert "secret-token-xyz" not in ours
    assert "X-Api-Access-Key: **REDACTED**" in ours  # the header was logged, redacted


async def _stripped(pieces: list[bytes]) -> bytes:
    async def source() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return b"".join([chunk async for chunk in without_wav_header(source())])


async def test_a_wav_header_is_dropped_even_when_split_into_tiny_chunks() -> None:
    wav = render_audio("好", "v", encoding="wav", sample_rate=16000)
    pieces = [wav[index : index + 3] for index in range(0, len(wav), 3)]
    assert await _stripped(pieces) == wav[44:]


async def test_chunks_before_the_data_chunk_are_skipped() -> None:
    wav = render_audio("好", "v", encoding="wav", sample_rate=16000)
    listed = wav[:36] + b"LIST" + (5).to_bytes(4, "little") + b"abcde\0" + wav[36:]
    assert await _stripped([listed]) == wav[44:]


@pytest.mark.parametrize("pcm", [b"", b"\x01", b"\x01\x02\x03\x04\x05"])
async def test_raw_pcm_passes_unchanged(pcm: bytes) -> None:
    assert await _stripped([pcm[:1], pcm[1:]]) == pcm


async def test_a_wav_without_data_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="no data chunk"):
        await _stripped([b"RIFF\0\0\0\0WAVEfmt "])


async def test_a_wav_without_format_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="no format chunk"):
        await _stripped([b"RIFF\0\0\0\0WAVEdata\0\0\0\0"])


async def test_a_stereo_wav_is_an_input_error() -> None:
    wav = bytearray(render_audio("好", "v", encoding="wav", sample_rate=16000))
    wav[22] = 2
    with pytest.raises(InvalidInputError, match="2 channel"):
        await _stripped([bytes(wav)])


class _StubConnection:
    """A connection whose answers the test decides: for what the emulator cannot send."""

    log_id = "stub-log-id"

    def __init__(self, answer: bytes | str | None, *, send_error: Exception | None = None) -> None:
        self._answer = answer
        self._send_error = send_error
        self.closed = asyncio.Event()

    async def send(self, message: bytes) -> None:
        if self._send_error is not None:
            raise self._send_error

    async def receive_unbounded(self) -> bytes | str:
        if self._answer is None:
            await self.closed.wait()
        assert self._answer is not None
        return self._answer

    async def receive(self) -> bytes | str:
        return await self.receive_unbounded()

    async def close(self) -> None:
        self.closed.set()


class _SilentConnection(_StubConnection):
    """Answers nothing: ``receive`` times out as the transport's would."""

    async def receive(self) -> bytes | str:
        raise VolcengineTimeoutError("Volcengine sent nothing for 10 s")


async def _check_access_with(stub: _StubConnection) -> None:
    recognizer = RecognitionClient(Credentials("app", "token"), endpoint="ws://127.0.0.1:9")

    async def connect_stub() -> _StubConnection:
        return stub

    recognizer._connect = connect_stub  # type: ignore[assignment,method-assign]
    try:
        await recognizer.check_access()
    finally:
        assert stub.closed.is_set()  # closed whatever the answer


async def _transcribe_with(stub: _StubConnection) -> list[Transcript]:
    recognizer = RecognitionClient(Credentials("app", "token"), endpoint="ws://127.0.0.1:9")

    async def connect_stub() -> _StubConnection:
        return stub

    recognizer._connect = connect_stub  # type: ignore[assignment,method-assign]
    return await transcripts(recognizer, chunks(speech()))


async def test_a_send_that_times_out_fails_the_recognition() -> None:
    stalled = VolcengineTimeoutError("Sending to Volcengine stalled for 10 s")
    with pytest.raises(VolcengineTimeoutError, match="Sending"):
        await _transcribe_with(_StubConnection(None, send_error=stalled))


async def test_a_text_frame_from_the_service_is_an_error() -> None:
    with pytest.raises(ProtocolError, match="text frame"):
        await _transcribe_with(_StubConnection("<html>bad gateway</html>"))


async def test_an_audio_frame_from_the_recognition_service_is_a_protocol_error() -> None:
    audio_frame = bytes.fromhex("11b10000") + (1).to_bytes(4) + (0).to_bytes(4)
    with pytest.raises(ProtocolError, match="AudioFrame") as caught:
        await _transcribe_with(_StubConnection(audio_frame))
    assert caught.value.log_id == "stub-log-id"


async def test_the_final_text_does_not_wait_for_the_close_handshake(emulator: Emulator) -> None:
    recognizer = client(emulator)
    results = await transcripts(recognizer, chunks(speech()))
    assert results[-1].is_final
    await recognizer.wait_closed()  # the close finished in the background
    await recognizer.wait_closed()  # and nothing is left to wait for


def test_client_frames_are_numbered_from_one() -> None:
    from custom_components.volcengine_tts.volcengine.wire.frames import (
        MessageType,
        encode_sequenced_request,
    )

    with pytest.raises(ValueError, match="numbered from 1"):
        encode_sequenced_request(MessageType.AUDIO_ONLY_CLIENT_REQUEST, b"", sequence=0)


async def test_a_caller_cancelled_while_the_sender_stops_stays_cancelled() -> None:
    reading = asyncio.Event()
    cleaning_up = asyncio.Event()
    finish_cleanup = asyncio.Event()

    async def slow_to_stop_audio() -> AsyncIterator[bytes]:
        try:
            reading.set()
            await asyncio.Event().wait()
            yield b""
        finally:
            cleaning_up.set()
            await finish_cleanup.wait()

    class _FailsOnceReading(_StubConnection):
        async def receive_unbounded(self) -> bytes | str:
            await reading.wait()
            return "<html>bad gateway</html>"  # fails the recognition: the sender is stopped

    recognizer = RecognitionClient(Credentials("app", "token"), endpoint="ws://127.0.0.1:9")
    stub = _FailsOnceReading(None)

    async def connect_stub() -> _StubConnection:
        return stub

    recognizer._connect = connect_stub  # type: ignore[assignment,method-assign]
    caller = asyncio.create_task(transcripts(recognizer, slow_to_stop_audio()))
    await cleaning_up.wait()
    caller.cancel()  # the caller itself is cancelled while the sender is being stopped
    finish_cleanup.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert stub.closed.is_set()  # and the connection is closed all the same
