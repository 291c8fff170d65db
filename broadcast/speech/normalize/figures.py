"""Numbers inside running text: amounts, decimals, ranges, phones, codes.

Vietnamese writes "1.500.000" for one and a half million (dot = thousands)
and "2,5" for two and a half (comma = decimal point, read "phẩy").  A
figure with a leading zero and four or more digits is an identifier or a
phone number and is read digit by digit.
"""

from __future__ import annotations

import re

from .abbreviations import spell
from .numbers import DIGITS, digits_to_words, number_to_words, read_integer
from .units import UNIT_AFTER_NUMBER, unit_words

# One figure, Vietnamese style: 1.500.000 | 1.500.000,75 | 2,5 | 2024
NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\.?\d)|\d+,\d+|\d+"
_EDGE_L = r"(?<![\w.,])"
_EDGE_R = r"(?![\w]|[.,]\d)"

# English-style thousands with two or more comma groups ("1,500,000").
_EN_THOUSANDS = re.compile(rf"{_EDGE_L}\d{{1,3}}(?:,\d{{3}}){{2,}}{_EDGE_R}")

PHONE = re.compile(r"(?<![\w.,+])(?P<num>(?:\+84|\(0\d{1,3}\)|0)[ .-]?\d{2,4}(?:[ .-]?\d{2,4}){1,3})(?![\w]|[.,-]\d)")
HOTLINE = re.compile(r"(?<![\w.,])(?P<num>1[89]00[ .]?\d{3,4}(?:[ .]?\d{2,3})?)(?![\w]|[.,]\d)")

# Short service numbers (police 113, fire 114, ambulance 115, the public
# service hotline 1022...) are dialled, not counted: read digit by digit,
# but only where the sentence says they are called ("gọi 114", "đường dây
# nóng 1022", "Cảnh sát 113"), so "115 hộ" stays a quantity.
_SERVICE_NUM = r"(?:11[1-6]|1022|1080|1088)"
_SERVICE_LEAD = (
    r"(?:gọi|tổng đài|đường dây nóng|đường dây|hotline|quay|bấm|nhấn|liên hệ|"
    r"cấp cứu|cứu hỏa|cứu hoả|cứu nạn|cứu hộ|cảnh sát|công an|khẩn cấp|điện thoại)"
)
SERVICE = re.compile(
    rf"(?i)(?<![\w])(?P<lead>{_SERVICE_LEAD}(?:\s+(?:ngay|số|tới|đến|cho|theo)){{0,2}}\s*[:(]?\s*)"
    rf"(?P<nums>{_SERVICE_NUM}(?:\s*(?:,|/|hoặc|và)\s*{_SERVICE_NUM})*)(?![\w]|[.,]\d)"
    r"(?!\s+(?:người|hộ|bệnh nhân|ca|lượt|trường hợp|vụ|xe|cán bộ|chiến sĩ)\b)"
)


def _read_service(m: re.Match) -> str:
    nums = re.sub(r"\d+", lambda d: digits_to_words(d.group(0)), m["nums"])
    return m["lead"] + nums.replace("/", " hoặc ")


RANGE = re.compile(
    rf"{_EDGE_L}(?P<a>{NUMBER})(?:{UNIT_AFTER_NUMBER.replace('unit', 'unit_a')})?\s*[-–]\s*"
    rf"(?P<b>{NUMBER})(?:{UNIT_AFTER_NUMBER})?{_EDGE_R}"
)
WITH_UNIT = re.compile(rf"{_EDGE_L}(?P<neg>-)?(?P<n>{NUMBER}){UNIT_AFTER_NUMBER}")
SECTION = re.compile(r"(?<![\w.,])(?P<n>\d{1,2}(?:\.\d{1,2})+)(?=\.?(?:\s|$))")
NEGATIVE = re.compile(rf"(?:(?<=\s)|(?<=^)|(?<=\())-(?P<n>{NUMBER}){_EDGE_R}")
PLAIN = re.compile(rf"(?P<n>{NUMBER})")


def _fraction_words(digits: str) -> str:
    zeros = len(digits) - len(digits.lstrip("0"))
    rest = digits[zeros:]
    words = [DIGITS[0]] * zeros
    if rest:
        words.append(number_to_words(int(rest)) if len(rest) <= 3 else digits_to_words(rest))
    return " ".join(words)


def read_number(text: str) -> str:
    """Read one figure written the Vietnamese way."""
    integer, _, fraction = text.partition(",")
    integer = integer.replace(".", "")
    if integer.startswith("0") and len(integer) >= 4 and not fraction:
        return digits_to_words(integer)
    words = read_integer(integer)
    if fraction:
        words += " phẩy " + _fraction_words(fraction)
    return words


def read_phone(text: str) -> str:
    """Digit by digit, one pause (comma) per written group."""
    text = text.replace("+84", "+84 ")
    groups = [g for g in re.split(r"[ .()-]+", text) if g]
    spoken = []
    for g in groups:
        if g.startswith("+"):
            spoken.append("cộng " + digits_to_words(g[1:]))
        else:
            spoken.append(digits_to_words(g))
    return ", ".join(spoken)


def _phone_digits_ok(num: str) -> bool:
    digits = re.sub(r"\D", "", num)
    if num.startswith("+84"):
        return 10 <= len(digits) <= 12
    return 10 <= len(digits) <= 11


def expand_phones(text: str) -> str:
    text = HOTLINE.sub(lambda m: read_phone(m["num"]), text)
    text = SERVICE.sub(_read_service, text)
    return PHONE.sub(lambda m: read_phone(m["num"]) if _phone_digits_ok(m["num"]) else m.group(0), text)


def expand_ranges_and_units(text: str) -> str:
    text = _EN_THOUSANDS.sub(lambda m: m.group(0).replace(",", "."), text)

    def rng(m: re.Match) -> str:
        a = read_number(m["a"])
        if m["unit_a"]:
            a += " " + unit_words(m["unit_a"])
        b = read_number(m["b"])
        if m["unit"]:
            b += " " + unit_words(m["unit"])
        return f"{a} đến {b}"

    def unit(m: re.Match) -> str:
        sign = "âm " if m["neg"] and (m.start() == 0 or not m.string[m.start() - 1].isalnum()) else ""
        return f"{sign}{read_number(m['n'])} {unit_words(m['unit'])}"

    text = RANGE.sub(rng, text)
    return WITH_UNIT.sub(unit, text)


# House, plot and flat numbers with a letter: "số nhà 12A", "lô 5B",
# "căn hộ B12", "nhà 12A1".  The number is read as a quantity and the
# letter by its Vietnamese name ("mười hai a", "năm bê", "bê mười hai").
# Runs after units, so "220V" and "5m" are already read as units.
_LETTER = r"[A-ZĐa-zđ]"
HOUSE_NUMBER = re.compile(
    rf"(?<![\w.,/-])(?:(?P<n1>\d{{1,4}})(?P<l1>{_LETTER})(?P<n2>\d{{1,4}})?"
    rf"|(?P<l2>[A-ZĐ])(?P<n3>\d{{1,4}})(?P<l3>{_LETTER})?)(?![\w])"
)


def _read_house(m: re.Match) -> str:
    parts = []
    for name in ("n1", "l1", "n2", "l2", "n3", "l3"):
        piece = m[name]
        if piece:
            parts.append(read_integer(piece) if piece.isdigit() else spell(piece))
    return " ".join(parts)


def expand_house_numbers(text: str) -> str:
    return HOUSE_NUMBER.sub(_read_house, text)


# A slash between two counts that context says is not a date: a ratio
# ("đạt 45/50 hồ sơ": "bốn mươi lăm trên năm mươi") or a fraction ("1/3
# dân số": "một phần ba").  Real dates ("ngày 3/9", "12/5/2025", "Quốc
# khánh 2/9") are left to the date pass.
SLASH_PAIR = re.compile(r"(?<![\w/.,-])(?P<a>\d{1,4})/(?P<b>\d{1,4})(?![\w/]|[.,]\d)")
_COUNT_NOUNS = (
    "hồ sơ",
    "hộ",
    "người",
    "tổ dân phố",
    "tổ",
    "TDP",
    "chỉ tiêu",
    "tiêu chí",
    "xã",
    "phường",
    "đơn vị",
    "trường hợp",
    "lượt",
    "thủ tục",
    "cơ quan",
    "trường",
    "thôn",
    "khu",
    "ý kiến",
    "phiếu",
    "học sinh",
    "cán bộ",
    "thành viên",
    "đội",
    "nhiệm vụ",
    "câu",
    "điểm",
    "dịch vụ",
    "công trình",
    "dự án",
    "gia đình",
    "cháu",
    "em",
    "cụ",
    "hạng mục",
    "nội dung",
    "tuyến",
)
_FRACTION_NOUNS = (
    "dân số",
    "diện tích",
    "số",
    "tổng",
    "kinh phí",
    "thời gian",
    "lượng",
    "khối lượng",
    "ngân sách",
    "giá trị",
    "quãng",
    "chiều",
    "phần",
    "đất",
    "quỹ",
    "dân",
)
_AFTER_COUNT = re.compile(rf"\s*(?:{'|'.join(map(re.escape, _COUNT_NOUNS))})(?![^\W\d_])")
_AFTER_FRACTION = re.compile(rf"\s*(?:{'|'.join(map(re.escape, _FRACTION_NOUNS))})(?![^\W\d_])")
_BEFORE_DATE = re.compile(r"(?i)\b(?:ngày|tháng|hôm|sáng|trưa|chiều|tối|đêm|mồng|mùng)\s*$")
_BEFORE_RATIO = re.compile(r"(?i)\b(?:đạt|được|hoàn thành|giải quyết|tiếp nhận)\s*$")
_BEFORE_FRACTION = re.compile(r"(?i)\b(?:khoảng|gần|hơn|chiếm|bằng|còn|tới|mất)\s*$")


def expand_slash_counts(text: str) -> str:
    def sub(m: re.Match) -> str:
        a, b = int(m["a"]), int(m["b"])
        before, after = m.string[: m.start()], m.string[m.end() :]
        if _BEFORE_DATE.search(before) or b == 0:
            return m.group(0)
        ratio = f"{read_integer(m['a'])} trên {read_integer(m['b'])}"
        fraction = f"{read_integer(m['a'])} phần {read_integer(m['b'])}"
        if _AFTER_COUNT.match(after) or _BEFORE_RATIO.search(before):
            return ratio
        if _AFTER_FRACTION.match(after) or _BEFORE_FRACTION.search(before):
            return fraction if a < b else ratio
        could_be_date = (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and len(m["b"]) == 4)
        return m.group(0) if could_be_date else ratio

    return SLASH_PAIR.sub(sub, text)


def expand_numbers(text: str) -> str:
    """The remaining figures: section numbers, negatives, plain numbers."""
    text = SECTION.sub(lambda m: " chấm ".join(read_integer(p) for p in m["n"].split(".")), text)
    text = NEGATIVE.sub(lambda m: "âm " + read_number(m["n"]), text)
    return PLAIN.sub(lambda m: read_number(m["n"]), text)
