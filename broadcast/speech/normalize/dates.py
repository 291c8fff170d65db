"""Dates and clock times.

"31/12/2024" is read "ngày ba mươi mốt tháng mười hai năm hai nghìn không
trăm hai mươi tư"; days 1-10 take "mồng" as announcers do ("ngày mồng
một tháng mười"); month 4 is "tháng tư".  A day/month that does not exist
in the calendar (31/02) is still read as written: the listener hears what
the document says, and :func:`broadcast.speech.normalize.problems` reports
it so the editor can fix the source.
"""

from __future__ import annotations

import calendar
import re

from .numbers import number_to_words

_SEP = r"[/.-]"
# Negative look-arounds keep us off document numbers ("16/KH"), decimal
# numbers and longer digit runs.
DATE_DMY = re.compile(
    rf"(?<![\d/.,-])(?P<d>\d{{1,2}})(?P<s>{_SEP})(?P<m>\d{{1,2}})(?P=s)(?P<y>\d{{4}})(?![\d/]|[.,-]\d)"
)
DATE_DM = re.compile(r"(?<![\d/.,-])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?![\d/%]|[.,-]\d)")
DATE_MY = re.compile(r"(?<![\d/.,-])(?P<m>\d{1,2})/(?P<y>\d{4})(?![\d/]|[.,-]\d)")
# "6h30", "17h00", "06h", "6h30'", "6:30"
TIME_H = re.compile(r"(?<![\w.,])(?P<h>\d{1,2})\s?[hH](?P<min>\d{2})?'?(?![^\W\d_])")
TIME_COLON = re.compile(r"(?<![\d.,:])(?P<h>\d{1,2}):(?P<min>\d{2})(?![\d:])")

_NGAY_BEFORE = re.compile(r"(ngày|Ngày|NGÀY)\s*$")
_THANG_BEFORE = re.compile(r"(tháng|Tháng|THÁNG)\s*$")


def month_words(month: int) -> str:
    return "tư" if month == 4 else number_to_words(month)


def day_words(day: int) -> str:
    return ("mồng " if 1 <= day <= 10 else "") + number_to_words(day)


def is_valid_date(day: int, month: int, year: int | None = None) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    last = calendar.monthrange(year or 2024, month)[1]  # 2024: allow 29/2
    return day <= last


def _plausible(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _day_prefix(text: str, start: int) -> str:
    return "" if _NGAY_BEFORE.search(text[:start]) else "ngày "


def expand_dates(text: str) -> str:
    def dmy(m: re.Match) -> str:
        d, mo, y = int(m["d"]), int(m["m"]), int(m["y"])
        if not _plausible(d, mo):
            return m.group(0)
        return f"{_day_prefix(m.string, m.start())}{day_words(d)} tháng {month_words(mo)} năm {number_to_words(y)}"

    def my(m: re.Match) -> str:
        mo, y = int(m["m"]), int(m["y"])
        if not 1 <= mo <= 12:
            return m.group(0)
        prefix = "" if _THANG_BEFORE.search(m.string[: m.start()]) else "tháng "
        return f"{prefix}{month_words(mo)} năm {number_to_words(y)}"

    def dm(m: re.Match) -> str:
        d, mo = int(m["d"]), int(m["m"])
        if not _plausible(d, mo):
            return m.group(0)
        return f"{_day_prefix(m.string, m.start())}{day_words(d)} tháng {month_words(mo)}"

    text = DATE_DMY.sub(dmy, text)
    text = DATE_MY.sub(my, text)
    text = DATE_DM.sub(dm, text)
    # "tháng 4" written out in words keeps the Vietnamese month name.
    text = re.sub(r"(?<=\btháng )0?4\b", "tư", text)
    text = re.sub(r"(?<=\bTháng )0?4\b", "tư", text)
    return text


def _time_words(hour: int, minute: int | None) -> str | None:
    if hour > 24 or (minute is not None and minute > 59):
        return None
    words = f"{number_to_words(hour)} giờ"
    if minute:
        words += f" {number_to_words(minute)} phút"
    return words


def expand_times(text: str) -> str:
    def sub(m: re.Match) -> str:
        minute = int(m["min"]) if m["min"] else None
        return _time_words(int(m["h"]), minute) or m.group(0)

    text = TIME_H.sub(sub, text)
    text = TIME_COLON.sub(sub, text)
    # "6h30 - 7h30": a dash between two clock times is "đến".
    return re.sub(r"(giờ|phút)\s*-\s*(?=(?:\w+ )+giờ\b)", r"\1 đến ", text)


def find_invalid_dates(text: str) -> list[str]:
    """Dates written in the text that do not exist in the calendar."""
    bad = []
    for m in DATE_DMY.finditer(text):
        d, mo, y = int(m["d"]), int(m["m"]), int(m["y"])
        if not is_valid_date(d, mo, y):
            bad.append(m.group(0))
    return bad
