"""Reporting periods: what a ward reports on.

A period is a span of LOCAL dates (the station's timezone), both ends
included.  The plan asks for reports of quarter I, 6 months, 9 months and the
year; in practice the radio also reports every month, so the parser accepts:

``2025-10`` a month · ``2025-Q3`` a quarter · ``2025-H1`` / ``2025-H2`` a half
year · ``2025-9M`` the first nine months · ``2025`` a year · or explicit
``from``/``to`` dates (``2025-10-01``).

``Period.previous()`` is the period of the same length just before it (used
for "so với kỳ trước").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..errors import ValidationError

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_RANGE_DAYS = 3 * 366 + 1
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

_PATTERNS = (
    ("month", re.compile(r"^(\d{4})-(\d{1,2})$")),
    ("quarter", re.compile(r"^(\d{4})-Q(\d+)$", re.I)),
    ("half", re.compile(r"^(\d{4})-H(\d+)$", re.I)),
    ("nine", re.compile(r"^(\d{4})-9M$", re.I)),
    ("year", re.compile(r"^(\d{4})$")),
)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Period:
    """A reporting period: ``start``..``end`` local dates, both included."""

    kind: str  # month | quarter | half | nine | year | months | range
    code: str
    label: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def month_aligned(self) -> bool:
        return self.start.day == 1 and self.end == _month_end(self.end.year, self.end.month)

    @property
    def months(self) -> float:
        """Length in months; partial months count their share of days (for scaling monthly targets)."""
        if self.month_aligned:
            return float((self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1)
        total, cursor = 0.0, self.start
        while cursor <= self.end:
            last = _month_end(cursor.year, cursor.month)
            chunk_end = min(last, self.end)
            total += ((chunk_end - cursor).days + 1) / last.day
            cursor = chunk_end + timedelta(days=1)
        return round(total, 4)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if self.month_aligned:
            n = int(self.months)
            y, m = _add_months(self.start.year, self.start.month, -n)
            start = date(y, m, 1)
            ey, em = _add_months(self.start.year, self.start.month, -1)
            return months_period(start, _month_end(ey, em))
        end = self.start - timedelta(days=1)
        return range_period(end - timedelta(days=self.days - 1), end)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "kind": self.kind,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "months": self.months,
        }


def month_period(year: int, month: int) -> Period:
    return Period(
        "month", f"{year:04d}-{month:02d}", f"Tháng {month:02d}/{year}", date(year, month, 1), _month_end(year, month)
    )


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(
        "quarter",
        f"{year:04d}-Q{quarter}",
        f"Quý {ROMAN[quarter]}/{year}",
        date(year, first, 1),
        _month_end(year, first + 2),
    )


def half_period(year: int, half: int) -> Period:
    if half == 1:
        return Period("half", f"{year:04d}-H1", f"6 tháng đầu năm {year}", date(year, 1, 1), date(year, 6, 30))
    return Period("half", f"{year:04d}-H2", f"6 tháng cuối năm {year}", date(year, 7, 1), date(year, 12, 31))


def nine_months_period(year: int) -> Period:
    return Period("nine", f"{year:04d}-9M", f"9 tháng năm {year}", date(year, 1, 1), date(year, 9, 30))


def year_period(year: int) -> Period:
    return Period("year", f"{year:04d}", f"Năm {year}", date(year, 1, 1), date(year, 12, 31))


def months_period(start: date, end: date) -> Period:
    """Whole months ``start``..``end``, named as the standard period when it is one."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    y = start.year
    if months == 1:
        return month_period(y, start.month)
    if months == 3 and start.month in (1, 4, 7, 10):
        return quarter_period(y, (start.month - 1) // 3 + 1)
    if months == 6 and start.month in (1, 7):
        return half_period(y, 1 if start.month == 1 else 2)
    if months == 9 and start.month == 1:
        return nine_months_period(y)
    if months == 12 and start.month == 1:
        return year_period(y)
    label = f"Từ tháng {start.month:02d}/{start.year} đến tháng {end.month:02d}/{end.year}"
    return Period("months", f"{start.isoformat()}..{end.isoformat()}", label, start, end)


def range_period(start: date, end: date) -> Period:
    if start.day == 1 and end == _month_end(end.year, end.month) and start <= end:
        return months_period(start, end)
    label = f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
    return Period("range", f"{start.isoformat()}..{end.isoformat()}", label, start, end)


def _check_year(year: int, field: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"Năm {year} nằm ngoài khoảng hỗ trợ ({MIN_YEAR}–{MAX_YEAR}).", field=field)


def parse_date(text: str | date, field: str = "from") -> date:
    """``2025-10-01`` (or ``01/10/2025``) -> date, or a ValidationError naming the field."""
    if isinstance(text, date):
        return text
    value = (text or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value) or None
    parts = None
    if m:
        parts = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if m:
            parts = int(m[3]), int(m[2]), int(m[1])
    if parts is None:
        raise ValidationError(f"Ngày {value!r} không hợp lệ: dùng dạng 2025-10-01.", field=field)
    try:
        result = date(*parts)
    except ValueError:
        raise ValidationError(f"Ngày {value!r} không tồn tại.", field=field) from None
    _check_year(result.year, field)
    return result


def parse_period(
    text: str | None = None, *, date_from: str | date | None = None, date_to: str | date | None = None
) -> Period:
    """Parse a period code, or ``date_from``/``date_to``; raise ValidationError with a Vietnamese message."""
    if text is not None and str(text).strip():
        if date_from or date_to:
            raise ValidationError("Chỉ chọn kỳ báo cáo hoặc khoảng ngày (từ/đến), không chọn cả hai.", field="period")
        value = str(text).strip()
        for kind, pattern in _PATTERNS:
            m = pattern.match(value)
            if not m:
                continue
            year = int(m[1])
            _check_year(year, "period")
            if kind == "month":
                month = int(m[2])
                if not 1 <= month <= 12:
                    raise ValidationError(f"Kỳ báo cáo {value!r} không hợp lệ: tháng phải từ 1 đến 12.", field="period")
                return month_period(year, month)
            if kind == "quarter":
                q = int(m[2])
                if not 1 <= q <= 4:
                    raise ValidationError(f"Kỳ báo cáo {value!r} không hợp lệ: quý phải từ 1 đến 4.", field="period")
                return quarter_period(year, q)
            if kind == "half":
                h = int(m[2])
                if h not in (1, 2):
                    raise ValidationError(f"Kỳ báo cáo {value!r} không hợp lệ: nửa năm là H1 hoặc H2.", field="period")
                return half_period(year, h)
            if kind == "nine":
                return nine_months_period(year)
            return year_period(year)
        raise ValidationError(
            f"Kỳ báo cáo {value!r} không hợp lệ: dùng 2025-10 (tháng), 2025-Q3 (quý), 2025-H1 (6 tháng), "
            "2025-9M (9 tháng) hoặc 2025 (năm).",
            field="period",
        )
    if not date_from and not date_to:
        raise ValidationError("Hãy chọn kỳ báo cáo (ví dụ 2025-10) hoặc khoảng ngày từ/đến.", field="period")
    if not date_from or not date_to:
        raise ValidationError(
            "Khoảng ngày cần cả ngày bắt đầu (từ) và ngày kết thúc (đến).", field="from" if not date_from else "to"
        )
    start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
    if start > end:
        raise ValidationError(f"Ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc {end:%d/%m/%Y}.", field="from")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError("Khoảng ngày dài quá 3 năm: hãy chia thành các kỳ ngắn hơn.", field="to")
    return range_period(start, end)


def period_containing(day: date, kind: str = "month") -> Period:
    if kind == "month":
        return month_period(day.year, day.month)
    if kind == "quarter":
        return quarter_period(day.year, (day.month - 1) // 3 + 1)
    if kind == "year":
        return year_period(day.year)
    raise ValueError(kind)
