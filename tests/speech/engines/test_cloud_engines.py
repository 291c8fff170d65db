"""The cloud voices against their local stand-ins: requests, speed, chunks, polling, errors, fallback."""

import pytest

from broadcast.config import read_tts_providers
from broadcast.speech.engines import EngineError, get_engine, synthesize_with_fallback
from broadcast.speech.engines.base import EngineUnavailable
from broadcast.speech.engines.cloud import split_text
from broadcast.speech.engines.fpt import FptEngine

from .conftest import config_for, engine_for
from .standin import LIMITS

SENTENCE = "Ủy ban nhân dân phường thông báo lịch tiêm chủng cho trẻ em dưới năm tuổi tại trạm y tế."
FAST_FPT = {"first_poll_s": 0.02, "max_poll_s": 0.05}


def long_text(chars: int) -> str:
    lines, n = [], 0
    while n < chars:
        lines.append(f"Câu số {len(lines) + 1}. {SENTENCE}")
        n += len(lines[-1]) + 1
    return "\n".join(lines)


def engine(stand, **kwargs):
    return engine_for(stand, **({**FAST_FPT, **kwargs} if stand.provider == "fpt" else kwargs))


# ---------------------------------------------------------------- configuration and voices


def test_keys_and_endpoints_come_from_config():
    env = {
        "BROADCAST_FPT_API_KEY": "k1",
        "BROADCAST_ZALO_URL": "http://127.0.0.1:9/x",
        "BROADCAST_VIETTEL_API_KEY": " ",
    }
    providers = read_tts_providers(env)
    assert providers["fpt"].api_key == "k1" and providers["fpt"].url is None
    assert providers["zalo"].url == "http://127.0.0.1:9/x"
    assert providers["viettel"].api_key is None
    assert get_engine("fpt", config_for("/tmp", fpt=("k1", None))).url == "https://api.fpt.ai/hmi/tts/v5"


@pytest.mark.parametrize("name", ["fpt", "viettel", "zalo"])
def test_voices_have_accent_and_gender(name):
    voices = get_engine(name).voice_list()
    assert voices and {v["accent"] for v in voices} <= {"north", "central", "south"}
    assert {v["gender"] for v in voices} <= {"female", "male"}
    assert {"north", "south"} <= {v["accent"] for v in voices}


# ---------------------------------------------------------------- chunking


@pytest.mark.parametrize("limit", [40, 300, 1000, 2000, 5000])
def test_split_text_keeps_limit_and_words_and_cuts_at_sentences(limit):
    text = long_text(12_000)
    chunks = split_text(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert " ".join(chunks).split() == text.split()
    if limit >= 300:  # every chunk ends at a sentence end when sentences fit
        assert all(c.rstrip().endswith(".") for c in chunks)


def test_split_text_cuts_an_overlong_word():
    assert split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


@pytest.mark.parametrize("provider", ["fpt", "viettel", "zalo"])
def test_long_text_goes_in_chunks_within_the_limit_four_at_a_time(stand_in, provider, tmp_path):
    stand = stand_in(provider, latency=0.05)
    text = long_text(LIMITS[provider] * 5 + 100)
    out = engine(stand).synthesize(text, None, tmp_path / "speech", {})
    texts = [r["text"] if provider == "fpt" else r.get("input", r.get("text")) for r in stand.requests]
    assert len(texts) >= 6 and all(len(t) <= LIMITS[provider] for t in texts)
    assert 1 < stand.max_in_flight <= 4
    assert out.suffix == ".wav" and out.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # chunk files removed


# ---------------------------------------------------------------- speed

SPEEDS = [
    ("fpt", 0.8, "-3"),
    ("fpt", 0.9, "-2"),
    ("fpt", 1.0, "0"),
    ("fpt", 1.1, "2"),
    ("fpt", 1.2, "3"),
    ("viettel", 0.8, 0.7),
    ("viettel", 0.9, 0.85),
    ("viettel", 1.0, 1.0),
    ("viettel", 1.1, 1.15),
    ("viettel", 1.2, 1.3),
    ("zalo", 0.8, "0.8"),
    ("zalo", 1.0, "1"),
    ("zalo", 1.2, "1.2"),
]


@pytest.mark.parametrize("provider,speed,sent", SPEEDS)
def test_speed_is_mapped_onto_the_provider_scale(stand_in, provider, speed, sent, tmp_path):
    stand = stand_in(provider)
    engine(stand).synthesize(SENTENCE, None, tmp_path / "s", {"speed": speed})
    assert stand.requests[-1]["speed"] == sent


@pytest.mark.parametrize("provider", ["fpt", "viettel", "zalo"])
@pytest.mark.parametrize("speed", [0.5, 1.3, "nhanh"])
def test_speed_out_of_range_is_refused_before_any_request(stand_in, provider, speed, tmp_path):
    stand = stand_in(provider)
    with pytest.raises(EngineError, match="Tốc độ đọc"):
        engine(stand).synthesize(SENTENCE, None, tmp_path / "s", {"speed": speed})
    assert stand.requests == []


# ---------------------------------------------------------------- FPT.AI's async link


def test_fpt_polls_the_async_link_until_the_file_appears(stand_in, tmp_path):
    stand = stand_in("fpt", ready_after=0.3)
    out = engine(stand).synthesize(SENTENCE, "leminh", tmp_path / "s", {})
    assert out.is_file() and stand.requests[0]["voice"] == "leminh" and stand.requests[0]["format"] == "mp3"


def test_fpt_gives_up_at_the_deadline(stand_in, tmp_path):
    stand = stand_in("fpt")
    stand.fail = "never_ready"
    eng = engine(stand, deadline_s=0.3)
    with pytest.raises(EngineError, match=r"chưa trả âm thanh sau 0\.3 giây"):
        eng.synthesize(SENTENCE, None, tmp_path / "s", {})
    assert list(tmp_path.iterdir()) == []


def test_fpt_backoff_grows_and_respects_the_deadline():
    waits, now = [], [0.0]

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    eng = FptEngine(
        api_key="k",
        url="http://127.0.0.1:9",
        first_poll_s=1,
        max_poll_s=4,
        deadline_s=10,
        sleep=sleep,
        clock=lambda: now[0],
    )

    class Never:
        def get(self, url, timeout):
            return type("R", (), {"status_code": 404})()

    with pytest.raises(EngineError):
        eng._poll(Never(), "http://127.0.0.1:9/f.mp3")
    assert waits[:4] == [1, 1.5, 2.25, 3.375] and max(waits) <= 4
    assert sum(waits) == pytest.approx(10)  # the last wait is cut to the deadline


# ---------------------------------------------------------------- provider errors

ERRORS = [
    ("bad_key", "từ chối khóa API"),
    ("quota", "hết hạn mức"),
    ("rate", "giới hạn số yêu cầu"),
    ("html", "HTML|văn bản thay vì âm thanh"),
    ("empty", "rỗng"),
    ("truncated", "tải dở"),
    ("nonaudio", "không phải âm thanh|văn bản thay vì âm thanh"),
]


@pytest.mark.parametrize("provider", ["fpt", "viettel", "zalo"])
@pytest.mark.parametrize("fail,message", ERRORS)
def test_provider_errors_are_one_vietnamese_sentence_and_leave_nothing(stand_in, provider, fail, message, tmp_path):
    stand = stand_in(provider)
    key = "sai-khoa" if fail == "bad_key" else None
    if fail != "bad_key":
        stand.fail = fail
    eng = engine(stand, **({"key": key} if key else {}))
    with pytest.raises(EngineError, match=message) as err:
        eng.synthesize(long_text(LIMITS[provider] + 500), None, tmp_path / "s", {})
    assert err.value.message.endswith(".") and "\n" not in err.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("provider", ["fpt", "viettel", "zalo"])
def test_text_over_the_provider_limit_is_reported(stand_in, provider, tmp_path):
    stand = stand_in(provider)
    eng = engine(stand)
    eng.limit = LIMITS[provider] + 1000  # as if we had the limit wrong: the provider refuses
    with pytest.raises(EngineError, match=r"quá dài|text length"):
        eng.synthesize(long_text(LIMITS[provider] + 900), None, tmp_path / "s", {})


@pytest.mark.parametrize("provider", ["fpt", "viettel", "zalo"])
def test_unknown_voice_and_missing_key(stand_in, provider, tmp_path):
    stand = stand_in(provider)
    with pytest.raises(EngineError, match="không có giọng “ai-do”"):
        engine(stand).synthesize(SENTENCE, "ai-do", tmp_path / "s", {})
    with pytest.raises(EngineUnavailable, match=rf"BROADCAST_{provider.upper()}_API_KEY"):
        engine(stand, key="").synthesize(SENTENCE, None, tmp_path / "s", {})
    assert stand.requests == []


def test_unreachable_provider_is_a_sentence(tmp_path):
    eng = FptEngine(api_key="k", url="http://127.0.0.1:9/hmi/tts/v5", timeout=2)
    with pytest.raises(EngineError, match=r"Không kết nối được tới FPT\.AI"):
        eng.synthesize(SENTENCE, None, tmp_path / "s", {})


# ---------------------------------------------------------------- the chain


@pytest.mark.parametrize("provider", ["fpt", "viettel", "zalo"])
def test_chain_falls_back_to_the_next_engine(stand_in, provider, tmp_path):
    stand = stand_in(provider)
    stand.fail = "quota"
    config = config_for(tmp_path, **{provider: ("test-key-123", stand.url)})
    synth = synthesize_with_fallback(SENTENCE, [provider, "espeak"], None, tmp_path / "speech", {}, config=config)
    assert synth.engine == "espeak"
    assert synth.failures[0][0] == provider and "hết hạn mức" in synth.failures[0][1]


def test_rendition_records_the_cloud_engine_and_voice(stand_in, tmp_path):
    from broadcast.speech.render import render_text

    stand = stand_in("zalo")
    config = config_for(tmp_path, zalo=("test-key-123", stand.url))
    r = render_text(
        SENTENCE,
        engine_names=["zalo", "espeak"],
        voice="4",
        config=config,
        cache_dir=tmp_path / "cache",
        settings={"speed": 1.1},
    )
    assert (r.engine, r.voice, r.failures) == ("zalo", "4", ())
    assert stand.requests[0]["speaker_id"] == "4" and stand.requests[0]["speed"] == "1.1"
    again = render_text(
        SENTENCE,
        engine_names=["zalo", "espeak"],
        voice="4",
        config=config,
        cache_dir=tmp_path / "cache",
        settings={"speed": 1.1},
    )
    assert again.cached and len(stand.requests) == 1


def test_a_failure_stops_the_chunks_not_yet_sent(stand_in, tmp_path):
    stand = stand_in("viettel", latency=0.05)
    stand.fail = "quota"
    eng = engine(stand)
    with pytest.raises(EngineError, match="hết hạn mức"):
        eng.synthesize(long_text(20_000), None, tmp_path / "s", {})
    assert len(split_text(long_text(20_000), eng.limit)) >= 20
    assert eng.chars_sent <= 8 * eng.limit  # at most two rounds of four went out, not twenty
    assert list(tmp_path.iterdir()) == []


def test_chars_sent_counts_what_the_provider_received(stand_in, tmp_path):
    stand = stand_in("zalo")
    eng = engine(stand)
    eng.synthesize(long_text(5000), None, tmp_path / "s", {})
    assert eng.chars_sent == sum(len(r["input"]) for r in stand.requests)


def test_speak_command_uses_a_cloud_engine(stand_in, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from broadcast.cli.speech import speak_cmd

    stand = stand_in("fpt")
    monkeypatch.setenv("BROADCAST_FPT_API_KEY", "test-key-123")
    monkeypatch.setenv("BROADCAST_FPT_URL", stand.url)
    out = tmp_path / "a.mp3"
    result = CliRunner().invoke(
        speak_cmd, ["--engine", "fpt", "--voice", "myan", "--speed", "1.2", "--out", str(out), SENTENCE]
    )
    assert result.exit_code == 0, result.output
    assert "bộ đọc fpt (myan)" in result.output and out.stat().st_size > 1000
    assert stand.requests[0]["speed"] == "3"
