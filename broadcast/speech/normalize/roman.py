"""Roman numerals and ordinals, read only where the context says so.

A capital "I", "V" or "X" is usually a letter, and "CD" or "MC" are
initialisms; Roman numerals are read as numbers only after words that take
them in administrative text ("Quý II", "khóa XII", "Chương III", "Đại hội
XIII", "giai đoạn II") and as section headings at the start of a line
("II. NỘI DUNG TUYÊN TRUYỀN").
"""

from __future__ import annotations

import re

from .numbers import number_to_words, read_integer

_ROMAN_VALID = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
ROMAN = r"[IVXLCDM]+"

_TRIGGERS = (
    r"quý|khóa|khoá|chương|phần|mục|kỳ|kì|đại hội|hội nghị|giai đoạn|thế kỷ|thế kỉ"
    r"|phụ lục|tập|lớp|vòng|đợt|cấp|loại|hạng|nhóm|khu vực|vùng|tiết|bài"
)
_CONTEXT = re.compile(
    rf"(?P<trig>\b(?i:{_TRIGGERS}))\s+(?P<list>{ROMAN}(?:\s*(?:,|và|-|–)\s*{ROMAN})*)"
    rf"(?:/(?P<year>\d{{4}}))?(?![\w])"
)
_QUARTER_ARABIC = re.compile(r"(?P<trig>\b(?i:quý))\s+(?P<q>[1-4])/(?P<year>\d{4})(?!\d)")
_HEADING = re.compile(rf"^(?P<lead>\s*)(?P<r>{ROMAN})\.(?=\s)")
_ORDINAL = re.compile(rf"(?P<thu>\b(?i:thứ))\s+(?P<n>\d+|{ROMAN})(?![\w])")


def roman_to_int(text: str) -> int | None:
    """Value of a valid Roman numeral, else None."""
    if not text or not _ROMAN_VALID.match(text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _VALUES[ch]
        if i + 1 < len(text) and _VALUES[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


def _roman_ok(text: str) -> int | None:
    # A lone C/D/L/M is far more often a letter ("Phần C") than a number.
    if len(text) == 1 and text not in "IVX":
        return None
    return roman_to_int(text)


def ordinal_words(n: int) -> str:
    return {1: "nhất", 4: "tư"}.get(n) or number_to_words(n)


def expand_roman(text: str) -> str:
    def quarter(m: re.Match) -> str:
        return f"{m['trig']} {number_to_words(int(m['q']))} năm {read_integer(m['year'])}"

    def context(m: re.Match) -> str:
        parts = re.split(r"(\s*(?:,|và|-|–)\s*)", m["list"])
        values = [_roman_ok(p) for p in parts[::2]]
        if any(v is None for v in values):
            return m.group(0)
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(number_to_words(values[i // 2]))
            else:
                out.append(" đến " if part.strip() in "-–" else part)
        words = f"{m['trig']} {''.join(out)}"
        if m["year"]:
            words += f" năm {read_integer(m['year'])}"
        return words

    def heading(m: re.Match) -> str:
        value = _roman_ok(m["r"])
        return m.group(0) if value is None else f"{m['lead']}{number_to_words(value)}."

    def ordinal(m: re.Match) -> str:
        raw = m["n"]
        value = int(raw) if raw.isdigit() else _roman_ok(raw)
        if value is None or len(raw) > 6:
            return m.group(0)
        return f"{m['thu']} {ordinal_words(value)}"

    text = _QUARTER_ARABIC.sub(quarter, text)
    text = _CONTEXT.sub(context, text)
    text = _HEADING.sub(heading, text)
    return _ORDINAL.sub(ordinal, text)
