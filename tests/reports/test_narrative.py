"""Vietnamese number formatting and the report's narrative paragraph."""

from __future__ import annotations

import pytest

from broadcast.reports.narrative import (
    in_period,
    lower_first,
    lower_label,
    narrative,
    vn_date,
    vn_minutes,
    vn_number,
    vn_percent,
)


@pytest.mark.parametrize(
    "value, decimals, text",
    [
        (1234.5, 1, "1.234,5"),
        (1234567, 0, "1.234.567"),
        (0, 0, "0"),
        (12.0, 1, "12,0"),
        (None, 0, "–"),
        (2.5, 0, "2"),
        (-1500, 0, "-1.500"),
    ],
)
def test_vn_number(value, decimals, text):
    assert vn_number(value, decimals) == text


@pytest.mark.parametrize(
    "fn, arg, text",
    [
        (vn_minutes, 90, "1,5"),
        (vn_percent, 41.66, "41,7%"),
        (vn_percent, None, "–"),
        (vn_date, "2025-10-01", "01/10/2025"),
        (lower_first, "Phút tin CCHC", "phút tin CCHC"),
        (lower_first, "CCHC", "CCHC"),
        (lower_first, "A", "a"),
        (lower_label, "Tháng 10/2025", "tháng 10/2025"),
        (lower_label, "Quý III/2025", "Quý III/2025"),
        (in_period, "Tháng 10/2025", "Trong tháng 10/2025"),
        (in_period, "Từ 01/10/2025 đến 05/10/2025", "Trong khoảng thời gian từ 01/10/2025 đến 05/10/2025"),
    ],
)
def test_formatting(fn, arg, text):
    assert fn(arg) == text


def _report(**totals):
    t = {
        "airings": 3,
        "duration_s": 600,
        "cchc_airings": 1,
        "cchc_duration_s": 120,
        "cchc_share_percent": 20.0,
        "sessions_aired": 2,
        "cchc_sessions": 1,
        "sessions_missed": 0,
        "manual_airings": 0,
        "interrupted": 0,
    }
    t.update(totals)
    return {
        "totals": t,
        "period": {"label": "Tháng 10/2025"},
        "station": None,
        "ward": {"name": "Phường Mộ Lao"},
        "by_category": [],
        "targets": [],
        "change": None,
    }


@pytest.mark.parametrize(
    "totals, present, absent",
    [
        ({"airings": 0}, ["chưa ghi nhận"], ["đã phát"]),
        (
            {},
            [
                "Trong tháng 10/2025, hệ thống đài truyền thanh phường Mộ Lao đã phát 3 lượt",
                "10,0 phút",
                "(chiếm 20,0% thời lượng)",
                "2 buổi phát thanh, trong đó 1 buổi có tin CCHC.",
            ],
            ["thủ công", "ngắt giữa chừng", "không phát được"],
        ),
        (
            {"sessions_missed": 1, "manual_airings": 2, "interrupted": 1},
            ["1 buổi không phát được", "Có 2 lượt phát do cán bộ đài xác nhận thủ công.", "1 lượt bị ngắt"],
            [],
        ),
    ],
)
def test_narrative(totals, present, absent):
    text = narrative(_report(**totals))
    assert all(p in text for p in present), text
    assert not any(a in text for a in absent), text
