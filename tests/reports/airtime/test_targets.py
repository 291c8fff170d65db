"""The plan's targets: scaling to the period, what counts as achieved, the rows."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from broadcast.reports.airtime.targets import (
    achievements,
    column_session_codes,
    default_target_label,
    scale,
    target_rows,
)
from broadcast.reports.periods import parse_period

TOTALS = {
    "airings": 10,
    "minutes": 30.5,
    "cchc_airings": 4,
    "cchc_minutes": 12.0,
    "sessions_aired": 8,
    "cchc_sessions": 3,
}
BY_CATEGORY = [{"code": "cchc-tthc", "airings": 3, "minutes": 9.0}, {"code": "y-te", "airings": 0, "minutes": 0.0}]


@pytest.mark.parametrize(
    "per, period, factor",
    [
        ("day", "2025-10", 31),
        ("week", "2025-10", 31 / 7),
        ("month", "2025-10", 1.0),
        ("month", "2025-Q3", 3.0),
        ("quarter", "2025-Q3", 1.0),
        ("quarter", "2025", 4.0),
        ("year", "2025-H1", 0.5),
        ("odd", "2025-Q3", 3.0),
    ],
)
def test_scale(per, period, factor):
    assert scale(per, parse_period(period)) == pytest.approx(factor)


@pytest.mark.parametrize(
    "metric, code, achieved",
    [
        ("airings", None, 10),
        ("minutes", None, 30.5),
        ("airings", "cchc", 4),
        ("minutes", "cchc", 12.0),
        ("airings", "cchc-tthc", 3),
        ("minutes", "cchc-tthc", 9.0),
        ("minutes", "khong-co", 0.0),
        ("airings", "khong-co", 0),
        ("column_sessions", None, 8),
        ("column_sessions", "cchc", 3),
        ("column_sessions", "cchc-tthc", 2),
        ("column_sessions", "y-te", 0),
        ("unknown", None, 0),
    ],
)
def test_achievements(metric, code, achieved):
    assert achievements(TOTALS, BY_CATEGORY, {"cchc-tthc": 2})(metric, code) == achieved


def _target(id_, metric, code, value, per="month", label=None):
    return NS(id=id_, metric=metric, category_code=code, value=value, per=per, label=label)


def test_column_session_codes_single_categories_once():
    plan = NS(
        targets=[
            _target(1, "column_sessions", "cchc-tthc", 4),
            _target(2, "column_sessions", "cchc", 8),
            _target(3, "column_sessions", None, 8),
            _target(4, "minutes", "y-te", 5),
            _target(5, "column_sessions", "cchc-tthc", 2, "quarter"),
        ]
    )
    assert column_session_codes(plan) == ("cchc-tthc",)
    assert column_session_codes(None) == ()


@pytest.mark.parametrize(
    "metric, code, label",
    [
        ("minutes", None, "Số phút (tất cả chuyên mục)"),
        ("airings", "cchc", "Số lượt phát (tin CCHC)"),
        ("column_sessions", "khong-co", "Số buổi có chuyên mục (khong-co)"),
        ("other", "cchc", "other (tin CCHC)"),
    ],
)
def test_default_target_label(metric, code, label):
    assert default_target_label(metric, code) == label


def test_target_rows():
    plan = NS(
        targets=[
            _target(1, "minutes", "cchc", 60, label="Phút CCHC"),
            _target(2, "airings", None, 0),
            _target(3, "column_sessions", "cchc", 1, "week"),
        ]
    )
    rows = target_rows(plan, parse_period("2025-10"), achievements(TOTALS, BY_CATEGORY, {}))
    first, zero, weekly = rows
    assert (first["label"], first["unit"], first["target"], first["achieved"], first["percent"], first["met"]) == (
        "Phút CCHC",
        "phút",
        60.0,
        12.0,
        20.0,
        False,
    )
    assert (zero["label"], zero["target"], zero["percent"], zero["met"]) == (
        "Số lượt phát (tất cả chuyên mục)",
        0.0,
        None,
        False,
    )
    assert (weekly["target"], weekly["achieved"], weekly["met"]) == (4.4, 3, False)
    assert target_rows(None, parse_period("2025-10"), achievements(TOTALS, [], {})) == []
