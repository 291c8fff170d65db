"""The text check: damaged words and unknown all-caps runs are warned about, real text is not."""

from __future__ import annotations

import pytest

from broadcast.speech import textcheck
from broadcast.speech.textcheck import check_text

needs_wordlist = pytest.mark.skipif(
    textcheck.syllables() is None, reason="hunspell-vi is not installed (make system-deps installs it)"
)

CLEAN = [
    "Ủy ban nhân dân phường Mộ Lao thông báo lịch tiếp công dân tháng 12.",
    "KẾ HOẠCH Tuyên truyền cải cách hành chính năm 2025",
    "Chỉ số SIPAS và PAR INDEX của UBND phường tăng hai bậc.",
    "Nộp hồ sơ trực tuyến tại https://dichvucong.gov.vn hoặc gửi thư tới ubnd@molao.gov.vn.",
    "Mục II. Đường dài 5 km, hạn chót ngày 31/12/2025.",
    "Áp dụng TCVN ISO 9001:2015 tại bộ phận một cửa.",
    "a) Cải cách thể chế; b) Cải cách thủ tục hành chính.\nNơi nhận: UBND quận (b/c); các tổ dân phố (t/h).",
    "Uỷ ban thông báo: hoà giải ở cơ sở, thuỷ lợi, khoẻ mạnh",  # the older tone placement is not damage
]


@pytest.mark.parametrize("text", CLEAN)
def test_real_text_gives_no_warning(text):
    assert check_text(text) == []


@needs_wordlist
@pytest.mark.parametrize(
    "text,words",
    [
        ("Kết quả đư c công nhận.", ["đư", "c"]),
        ("ết quả giải quyết hồ sơ đúng hạn", ["ết"]),
        ("Tuyên truyền tromg toàn phường", ["tromg"]),
        ("Người dân có thể tra cứu trạng thái hồ sơ tr n cổng dịch vụ công", ["tr", "n"]),
    ],
)
def test_text_damaged_by_pdf_copy_is_flagged(text, words):
    found = check_text(text)
    assert [w.word for w in found] == words and {w.kind for w in found} == {"syllable"}
    assert "mất chữ" in found[0].message


def test_lone_consonant_is_flagged_even_without_the_word_list(monkeypatch):
    monkeypatch.setattr(textcheck, "syllables", lambda: None)
    assert [w.word for w in check_text("Kết quả đư c công nhận.")] == ["c"]


def test_unknown_caps_are_flagged_once_with_their_count_until_the_lexicon_knows_them():
    text = "Triển khai phần mềm HCCVN; HCCVN giúp tra cứu."
    (warning,) = check_text(text)
    assert (warning.kind, warning.word, warning.count) == ("caps", "HCCVN", 2)
    assert "đánh vần" in warning.message
    assert check_text(text, {"HCCVN": "hát xê xê vê en"}) == []


def test_a_page_of_damage_gives_a_bounded_list():
    damaged = " ".join(f"x{'q' * n}" for n in range(1, 80))
    assert len(check_text(damaged)) == textcheck.MAX_WARNINGS
