"""Province reports in the core: which wards a report covers, ``by_ward``, the compliance table, the formats."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from broadcast import tenancy
from broadcast.domain.models import Province, User
from broadcast.errors import ValidationError
from broadcast.reports.airtime import airtime_report
from broadcast.reports.formats import render
from broadcast.reports.periods import parse_period
from tests.upward.province_world import EXPECTED, ISSUER, build

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q3 = parse_period("2026-Q3")
SUMMED = ("airings", "duration_s", "cchc_airings", "cchc_duration_s", "sessions_aired", "sessions_missed")


@pytest.fixture
def world(runtime):
    return build(runtime)


def _report(session, **kw):
    return airtime_report(session, Q3, tz=TZ, **kw)


def _pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_by_ward_is_the_sum_of_its_stations(session, world):
    r = _report(session)
    assert [w["code"] for w in r["by_ward"]] == ["PA", "PB", "PC"]
    assert r["ward"] is None and r["province"] == {"code": "TINHTHU", "name": "Tỉnh Thử", "issuer": ISSUER}
    station_ward = {"PA1": "PA", "PA2": "PA", "PB1": "PB", "PC1": "PC"}
    for w in r["by_ward"]:
        lines = [s for s in r["by_station"] if station_ward[s["code"]] == w["code"]]
        for key in SUMMED:
            assert w[key] == sum(s[key] for s in lines), (w["code"], key)
        for key, value in EXPECTED[w["code"]].items():
            assert w[key] == value, (w["code"], key)
        assert sum(c["duration_s"] for c in w["by_category"]) == w["duration_s"]
    pa = r["by_ward"][0]
    assert pa["stations"] == 2 and pa["cchc_share_percent"] == round(1320 * 100 / 1620, 1)
    assert {c["code"]: c["duration_s"] for c in pa["by_category"]} == {
        "cchc-tthc": 1200,
        "cchc-chung": 120,
        "van-hoa": 300,
    }
    assert r["totals"]["airings"] == sum(w["airings"] for w in r["by_ward"]) == 6
    # list(r) is the JSON's key order: by_ward right after by_station, compliance after targets
    keys = list(r)
    assert keys.index("by_ward") == keys.index("by_station") + 1
    assert keys.index("compliance") == keys.index("targets") + 1


def test_device_availability_per_ward(session, world):
    pc = _report(session)["by_ward"][2]["devices"]
    assert pc["devices"] == 1 and pc["offline_s"] >= 86_400
    assert pc["availability_percent"] == round((pc["window_s"] - pc["offline_s"]) * 100 / pc["window_s"], 1)
    assert _report(session)["by_ward"][0]["devices"]["devices"] == 0


def test_compliance_each_ward_against_its_own_plan(session, world):
    rows = _report(session)["compliance"]
    assert [(c["code"], c["status"]) for c in rows] == [("PB", "behind"), ("PA", "met"), ("PC", "no_plan")]
    pb, pa, pc = rows
    assert pb["achievement_percent"] == 0.0 and pb["report_due"] == "2026-09-15"
    assert pb["targets"][0]["target"] == 10.0 and pb["targets"][0]["achieved"] == 0
    assert pa["report_due"] == "2026-09-10" and pa["targets_met"] == pa["targets_total"] == 2
    assert [t["achieved"] for t in pa["targets"]] == [22.0, 3]
    assert pc["plan"] is None and pc["report_due"] is None and pc["targets"] == []


def test_chosen_wards(session, world):
    two = _report(session, wards="pb, PA")
    assert [w["code"] for w in two["by_ward"]] == ["PA", "PB"]
    assert {s["code"] for s in two["by_station"]} == {"PA1", "PA2", "PB1"}
    assert [w["code"] for w in _report(session, wards=["PA", "PC"])["by_ward"]] == ["PA", "PC"]
    one = _report(session, wards=["PA"])
    assert "by_ward" not in one and "compliance" not in one and one["ward"]["code"] == "PA"
    assert one["totals"]["duration_s"] == 1620 and [t["met"] for t in one["targets"]] == [True, True]
    with pytest.raises(ValidationError) as bad:
        _report(session, wards=["PA", "KHONGCO"])
    assert bad.value.field == "ward" and "KHONGCO" in bad.value.message


def test_ward_user_sees_only_their_ward(session, world):
    tenancy.apply(session, session.scalar(select(User).where(User.username == "pa.xem")))
    r = _report(session)
    assert "by_ward" not in r and r["ward"]["code"] == "PA"
    assert [s["code"] for s in r["by_station"]] == ["PA1", "PA2"] and r["totals"]["airings"] == 4
    answers = []
    for kw in ({"station": "PB1"}, {"station": "KHONGCO"}, {"wards": ["PB"]}, {"wards": ["KHONGCO"]}):
        with pytest.raises(ValidationError) as exc:
            _report(session, **kw)
        code = (kw.get("station") or kw["wards"][0]).strip()
        answers.append((exc.value.field, exc.value.message.replace(code, "X")))
    assert answers[0] == answers[1] and answers[2] == answers[3]
    assert _report(session, wards=["pa"])["totals"]["airings"] == 4


def test_formats_carry_the_wards_and_the_province_layout(session, world):
    r = _report(session)
    csv = render(r, "csv").content.decode("utf-8-sig")
    assert "## Theo phường, xã" in csv and "## Thực hiện kế hoạch của các phường, xã" in csv
    html = render(r, "html").content.decode()
    assert "Chưa có kế hoạch" in csv and ISSUER in html and "KT. GIÁM ĐỐC<br>PHÓ GIÁM ĐỐC" in html
    ward_html = render(_report(session, wards=["PA"]), "html").content.decode()
    assert "PHƯỜNG AN" in ward_html and "TM. ỦY BAN NHÂN DÂN<br>KT. CHỦ TỊCH<br>PHÓ CHỦ TỊCH" in ward_html
    book = load_workbook(io.BytesIO(render(r, "xlsx").content))
    rows = [row for row in book["Phuong xa"].iter_rows(values_only=True) if row and row[0] in EXPECTED]
    assert [(row[0], row[3]) for row in rows[:3]] == [("PA", 4), ("PB", 1), ("PC", 1)]
    assert ISSUER in book["Phuong xa"]["A2"].value
    compliance = [row[0] for row in book["Thuc hien ke hoach"].iter_rows(min_row=5, values_only=True)]
    assert compliance == ["PB", "PA", "PC"]
    text = _pdf_text(render(r, "pdf").content)
    assert ISSUER in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Theo phường, xã" in text
    assert "KT. GIÁM ĐỐC" in text and "UBND các phường, xã" in text  # a department signs as one
    ward_text = _pdf_text(render(_report(session, wards=["PA"]), "pdf").content)
    assert "PHƯỜNG AN" in ward_text and ISSUER not in ward_text


def test_province_without_issuer_heads_with_its_committee(session, world):
    session.scalar(select(Province)).issuer = None
    session.flush()
    text = _pdf_text(render(_report(session), "pdf").content)
    assert "UBND TỈNH/THÀNH PHỐ TỈNH THỬ" in text and "TM. ỦY BAN NHÂN DÂN" in text
