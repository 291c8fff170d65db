"""Whatever the input, normalize returns speakable text line for line."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from broadcast.speech.normalize import has_speech, normalize, problems, split_sentences
from broadcast.speech.normalize.sentences import breath_groups, with_pauses

DIGIT = re.compile(r"\d")
# A leftover initialism: a word with two or more capitals.
INITIALISM = re.compile(r"\b\w*[A-ZĐ]\w*[A-ZĐ]\w*\b")

ADMIN_BITS = st.sampled_from(
    [
        "UBND",
        "HĐND",
        "CCHC",
        "TTHC",
        "TDP",
        "QĐ",
        "NQ",
        "6830/QĐ-UBND",
        "57-NQ/TW",
        "114/2024/NĐ-CP",
        "31/12/2024",
        "Quý II",
        "100%",
        "1.500.000",
        "2,5",
        "6h30",
        "0912 345 678",
        "35°C",
        "ha",
        "m²",
        "2021 - 2030",
        "XIII",
        "ABCXYZ",
        "/",
        "-",
        ",",
        ".",
        "\t",
        " ",
        "😀",
        "\x00",
        "\u200b",
        "ngày",
    ]
)
TEXTS = st.one_of(st.text(max_size=200), st.lists(ADMIN_BITS, max_size=30).map(" ".join))


@given(TEXTS)
@settings(max_examples=400)
def test_never_crashes_no_digits_same_line_count(text):
    out = normalize(text)
    assert not DIGIT.search(out)
    assert not any(ch.isdigit() for ch in out)
    assert out.count("\n") == text.replace("\r\n", "\n").count("\n")


@given(st.lists(ADMIN_BITS, max_size=30).map(" ".join))
@settings(max_examples=300)
def test_no_initialism_survives(text):
    assert not INITIALISM.search(normalize(text))


def test_one_line_per_line_including_empty_ones():
    text = "UBND\n\n17 TDP\r\nQuý II"
    assert normalize(text).split("\n") == ["ủy ban nhân dân", "", "mười bảy tổ dân phố", "Quý hai"]


def test_operator_lexicon_extends_and_overrides():
    assert normalize("chỉ số SIPAS", {"SIPAS": "xíp pát"}) == "chỉ số xíp pát"
    assert normalize("sản phẩm ABC", {"ABC": "a bê xê đặc biệt"}) == "sản phẩm a bê xê đặc biệt"
    assert normalize("Quyết định 5/QĐ-UBND", {"UBND": "ủy ban"}) == "Quyết định số năm, ủy ban"
    assert normalize("Công văn 5/QĐ-UBND", {"UBND": "ủy ban"}) == "Công văn số năm, quyết định, ủy ban"


def test_bad_input_is_read_sensibly():
    assert normalize("") == ""
    assert not has_speech(normalize("!!! ... ???"))
    assert normalize("😀😀👍") == ""
    assert normalize("Thông\x07báo\x00 khẩn\u200b") == "Thông báo khẩn"
    forty = normalize("mã số 1234567890123456789012345678901234567890")
    assert not DIGIT.search(forty) and len(forty.split()) == 42
    assert normalize("x" * 10000) == "x" * 10000


def test_impossible_date_is_read_and_reported():
    assert "ba mươi mốt tháng hai" in normalize("ngày 31/02/2025")
    assert problems("ngày 31/02/2025") == ["Ngày không có thật trong lịch: 31/02/2025"]
    assert problems("ngày 29/02/2024") == []


def test_sentence_splitting():
    text = "Ủy ban nhân dân phường thông báo. Đề nghị bà con chú ý! Xin cảm ơn?\nDòng mới"
    assert split_sentences(text) == [
        "Ủy ban nhân dân phường thông báo.",
        "Đề nghị bà con chú ý!",
        "Xin cảm ơn?",
        "Dòng mới",
    ]


def test_long_sentences_are_cut_at_clauses():
    sentence = "; ".join(["tuyên truyền cải cách hành chính trên địa bàn phường"] * 8) + "."
    groups = breath_groups(sentence, limit=120)
    assert len(groups) > 1 and all(len(g) <= 120 for g in groups)
    assert " ".join(groups) == sentence
    no_punct = " ".join(["chữ"] * 200)
    assert all(len(g) <= 180 for g in breath_groups(no_punct))
    assert with_pauses("Câu một. Câu hai.") == "Câu một.\nCâu hai."
