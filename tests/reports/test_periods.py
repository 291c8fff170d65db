"""The period parser: fixed examples, bad input, and properties with hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadcast.errors import ValidationError
from broadcast.reports.periods import parse_period


@pytest.mark.parametrize(
    "text, label, start, end",
    [
        ("2025-10", "Tháng 10/2025", date(2025, 10, 1), date(2025, 10, 31)),
        ("2024-02", "Tháng 02/2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-Q3", "Quý III/2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-q1", "Quý I/2025", date(2025, 1, 1), date(2025, 3, 31)),
        ("2025-H1", "6 tháng đầu năm 2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("2025-H2", "6 tháng cuối năm 2025", date(2025, 7, 1), date(2025, 12, 31)),
        ("2025-9M", "9 tháng năm 2025", date(2025, 1, 1), date(2025, 9, 30)),
        ("2025", "Năm 2025", date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_codes(text, label, start, end):
    p = parse_period(text)
    assert (p.label, p.start, p.end) == (label, start, end)


def test_previous_periods():
    assert parse_period("2025-01").previous().code == "2024-12"
    assert parse_period("2025-Q1").previous().code == "2024-Q4"
    assert parse_period("2025-H2").previous().code == "2025-H1"
    nine = parse_period("2025-9M").previous()
    assert (nine.start, nine.end) == (date(2024, 4, 1), date(2024, 12, 31))
    assert parse_period("2025").previous().code == "2024"
    r = parse_period(date_from="2025-10-05", date_to="2025-10-14").previous()
    assert (r.start, r.end) == (date(2025, 9, 25), date(2025, 10, 4))


def test_from_to():
    p = parse_period(date_from="2025-10-01", date_to="2025-10-15")
    assert p.label == "Từ ngày 01/10/2025 đến ngày 15/10/2025" and p.days == 15
    assert p.months == pytest.approx(15 / 31, abs=1e-3)
    assert parse_period(date_from="2025-07-01", date_to="2025-09-30").code == "2025-Q3"


@pytest.mark.parametrize(
    "text",
    ["2025-13", "2025-00", "2025-Q5", "2025-Q0", "2025-H3", "25-10", "2025/10", "tháng 10", "1999", "2025-10-01"],
)
def test_bad_codes(text):
    with pytest.raises(ValidationError) as err:
        parse_period(text)
    assert err.value.field == "period" and err.value.message


def test_bad_ranges():
    with pytest.raises(ValidationError, match="sau ngày kết thúc"):
        parse_period(date_from="2025-10-31", date_to="2025-10-01")
    with pytest.raises(ValidationError):
        parse_period(date_from="2025-10-01")
    with pytest.raises(ValidationError):
        parse_period(date_from="2025-02-30", date_to="2025-03-01")
    with pytest.raises(ValidationError):
        parse_period()
    with pytest.raises(ValidationError):
        parse_period("2025-10", date_from="2025-10-01", date_to="2025-10-02")


years = st.integers(2000, 2100)


@given(years, st.integers(1, 12))
def test_month_property(year, month):
    p = parse_period(f"{year}-{month:02d}")
    assert p.start == date(year, month, 1) and (p.end + timedelta(days=1)).day == 1
    assert p.previous().end + timedelta(days=1) == p.start
    assert p.months == 1


@given(years, st.sampled_from(["Q1", "Q2", "Q3", "Q4", "H1", "H2", "9M", ""]))
def test_standard_periods_are_whole_months_and_previous_adjoins(year, suffix):
    p = parse_period(f"{year}-{suffix}" if suffix else str(year))
    prev = p.previous()
    assert p.start.day == 1 and (p.end + timedelta(days=1)).day == 1
    assert prev.end + timedelta(days=1) == p.start and prev.months == p.months
    assert parse_period(date_from=p.start.isoformat(), date_to=p.end.isoformat()).code == p.code


@settings(max_examples=200)
@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(0, 800))
def test_ranges(start, length):
    end = start + timedelta(days=length)
    if end.year > 2100:
        return
    p = parse_period(date_from=start.isoformat(), date_to=end.isoformat())
    assert (p.start, p.end, p.days) == (start, end, length + 1)
    assert p.previous().end == start - timedelta(days=1)
    if p.kind != "range":  # whole months (a month, quarter, half, 9 months, year or a run of months)
        assert p.previous().months == p.months
    else:  # a free range: the previous period has as many days
        assert p.previous().days == p.days
    if length:
        with pytest.raises(ValidationError):
            parse_period(date_from=end.isoformat(), date_to=start.isoformat())


@given(st.text(max_size=12))
def test_garbage_never_crashes(text):
    try:
        p = parse_period(text)
    except ValidationError as exc:
        assert exc.message
    else:
        assert p.start <= p.end
