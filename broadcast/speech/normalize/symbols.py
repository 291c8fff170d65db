"""Cleaning the raw text, web addresses, and the symbols left at the end.

Text arrives pasted from Word, PDF or Markdown: non-breaking spaces,
zero-width characters, control characters, emoji, "**bold**".  None of it
is speakable, and some of it (a stray control character) breaks engines.
"""

from __future__ import annotations

import re
import unicodedata

from .abbreviations import spell
from .numbers import DIGITS, digits_to_words

# Symbols that carry meaning and must survive cleaning.
_KEEP_SYMBOLS = set("%‰°$&+=<>≥≤~×@#/\\|")

URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]")
EMAIL = re.compile(r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_BARE_DOMAIN = re.compile(r"(?i)\b[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|gov\.vn|edu\.vn)\b(?:/[^\s]*[^\s.,;:!?)])?")

_WEB_WORDS = {
    "www": "vê kép vê kép vê kép",
    "vn": "vê en",
    "com": "com",
    "gov": "gốp",
    "org": "o rờ gờ",
    "net": "nét",
    "edu": "e đu",
    "http": "",
    "https": "",
}


def clean(line: str) -> str:
    """Unicode compatibility form, no control/format/emoji characters."""
    line = unicodedata.normalize("NFKC", line)
    out = []
    for ch in line:
        cat = unicodedata.category(ch)
        if (
            ch == "\t"
            or cat == "Zs"
            or cat in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")
            or (cat in ("So", "Sk", "Sm", "Sc") and ch not in _KEEP_SYMBOLS)
        ):
            out.append(" ")
        else:
            out.append(ch)
    line = "".join(out)
    # Markdown emphasis and heading marks, and the "./." end-of-document mark.
    line = re.sub(r"[*_`]+", " ", line)
    line = re.sub(r"^\s*#+\s*", "", line)
    line = line.replace("./.", ".")
    line = re.sub(r"[“”„‟«»]", '"', line)
    line = re.sub(r"[‘’‚‛]", "'", line)
    line = re.sub(r"[–—―−]", "-", line)
    return line


def _read_label(label: str) -> str:
    low = label.lower()
    if low in _WEB_WORDS:
        return _WEB_WORDS[low]
    if low.isdigit():
        return digits_to_words(low)
    pieces = re.findall(r"\d+|[^\W\d_]+", low)
    return " ".join(digits_to_words(p) if p.isdigit() else p for p in pieces)


def _read_address(address: str) -> str:
    address = re.sub(r"(?i)^https?://", "", address).rstrip("/")
    out: list[str] = []
    for token in re.split(r"([./@:_-])", address):
        if not token:
            continue
        sep = {".": "chấm", "/": "gạch chéo", "@": "a còng", ":": "hai chấm", "_": "gạch dưới", "-": "gạch ngang"}.get(
            token
        )
        words = sep if sep else _read_label(token)
        if words:
            out.append(words)
    return " ".join(out)


def expand_web(text: str) -> str:
    text = EMAIL.sub(lambda m: _read_address(m.group(0)), text)
    text = URL.sub(lambda m: _read_address(m.group(0)), text)
    return _BARE_DOMAIN.sub(lambda m: _read_address(m.group(0)), text)


_SYMBOL_WORDS = {
    "&": " và ",
    "+": " cộng ",
    "=": " bằng ",
    "≥": " lớn hơn hoặc bằng ",
    "≤": " nhỏ hơn hoặc bằng ",
    ">": " lớn hơn ",
    "<": " nhỏ hơn ",
    "~": " khoảng ",
    "×": " nhân ",
    "@": " a còng ",
    "%": " phần trăm ",
    "‰": " phần nghìn ",
    "°": " độ ",
    "$": " đô la ",
    "#": " ",
    "\\": " ",
    "|": ", ",
    "/": " ",
}


# "đồng/người/tháng" is "đồng một người một tháng"; after a currency, a
# counted unit or an amount read out ("25.000/hồ sơ", "đồng/lít",
# "người/hộ") any word after the slash is "per" too.
_PER = re.compile(r"(?<=\w)/(?=(?:người|hộ|tháng|năm|ngày|giờ|tuần|lượt|lần|suất|con|cái|chiếc|khẩu|ha|kg)\b)")
_PER_AFTER = re.compile(
    r"(?<![^\W\d_])(?P<left>đồng|đô la|đô la mỹ|nghìn|ngàn|triệu|tỷ|trăm|mươi|mười|một|hai|ba|bốn|"
    r"năm|sáu|bảy|tám|chín|mốt|tư|lăm|người|hộ|lượt|suất|lít|mét|gam|ki-lô-gam|tấn|khối|"
    r"vuông|héc-ta|chiếc|cái|con|phần|bộ|cuốn|gói|bao|thùng|kg)/(?=[a-zà-ỹđ])"
)


def finish(line: str) -> str:
    """Replace leftover symbols and any stray digit; tidy spaces."""
    line = _PER.sub(" một ", line)
    line = _PER_AFTER.sub(lambda m: m["left"] + " một ", line)
    # Bullets and dashes between words become a short pause.
    line = re.sub(r"^\s*[-+•·]\s*", "", line)
    line = re.sub(r"\s+-\s*|\s*-\s+", ", ", line)
    line = "".join(_SYMBOL_WORDS.get(ch, ch) for ch in line)
    # Safety net: no digit of any script may reach an engine.
    line = "".join(_stray_digit(ch) for ch in line)
    line = re.sub(r"\s+([,.;:!?)])", r"\1", line)
    line = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", line)
    line = re.sub(r"\(\s*\)", " ", line)
    line = re.sub(r"\s{2,}", " ", line)
    return line.strip().lstrip(",;:").strip()


def _stray_digit(ch: str) -> str:
    if not (ch.isdigit() or ch.isnumeric()):
        return ch
    value = unicodedata.digit(ch, None)
    if value is not None:
        return f" {DIGITS[value]} "
    return " "


def spell_initial(letter: str) -> str:
    return spell(letter)
