"""The report filtered by cluster: only the rows heard in it (data and figures: ``conftest.py``)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from broadcast.errors import ValidationError
from broadcast.reports.airtime import airtime_report
from broadcast.reports.formats import render
from broadcast.reports.periods import parse_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _report(session, cluster, station=None, period="2025-10"):
    # the demo ward's report: the demo's other wards have clusters TDP01 too
    return airtime_report(session, parse_period(period), station=station, cluster=cluster, tz=TZ, wards=["MOLAO"])


def _titles(report):
    return sorted(b["title"] for b in report["by_bulletin"])


@pytest.mark.parametrize(
    "cluster, station, titles, seconds",
    [
        pytest.param("TDP01", None, ["R1", "R3", "R4", "R8", "X1"], 520, id="TDP01 of both stations"),
        pytest.param(" tdp01 ", "MOLAO", ["R1", "R3", "R4", "R8"], 450, id="TDP01 of MOLAO, any case"),
        pytest.param("TDP01", "XA2", ["X1"], 70, id="TDP01 of XA2"),
        pytest.param("TDP05", None, ["R1", "R2", "R8", "R9"], 420, id="TDP05: LOA01 does not serve it"),
        pytest.param("TDP02", None, ["R1", "R3", "R7", "R8"], 470, id="TDP02: an item for two clusters"),
        pytest.param("TDP03", None, ["R1", "R8"], 320, id="TDP03: only what the whole station heard"),
        pytest.param("TD_01", None, ["R1", "R8"], 320, id="an underscore is no wildcard (R10 is for TDX01)"),
        pytest.param(None, None, ["R1", "R10", "R2", "R3", "R4", "R7", "R8", "R9", "X1"], 680, id="no filter"),
        pytest.param("", "MOLAO", ["R1", "R10", "R2", "R3", "R4", "R7", "R8", "R9"], 610, id="empty: no filter"),
    ],
)
def test_rows_heard_in_the_cluster(session, network_log, cluster, station, titles, seconds):
    report = _report(session, cluster, station)
    assert _titles(report) == titles
    assert report["totals"]["duration_s"] == seconds
    assert sum(s["duration_s"] for s in report["by_station"]) == seconds
    assert sum(d["duration_s"] for d in report["by_day"]) == seconds


def test_filtered_sections(session, network_log):
    report = _report(session, "TDP01")
    assert report["cluster"] == {"code": "TDP01", "name": "Tổ dân phố số 1"}
    assert [s["code"] for s in report["by_station"]] == ["MOLAO", "XA2"]
    assert report["totals"]["not_aired"] == 1  # R6, LOA01's missed row (R5 was for TDP05)
    assert report["totals"]["sessions_missed"] == 1
    assert [d["code"] for d in report["devices"]] == ["LOA01", "LOA02"]  # LOA05 serves TDP05 only
    assert (report["devices"][0]["airings"], report["devices"][0]["duration_s"]) == (2, 130)
    tdp05 = _report(session, "TDP05", "MOLAO")
    assert [(d["code"], d["airings"], d["duration_s"]) for d in tdp05["devices"]] == [
        ("LOA02", 2, 240),
        ("LOA05", 0, 0),
    ]
    xa2 = _report(session, "TDP01", "XA2")
    assert [s["code"] for s in xa2["by_station"]] == ["XA2"] and "devices" not in xa2


def test_the_previous_period_is_filtered_too(session, network_log):
    report = _report(session, "TDP05", period="2025-11")
    assert report["change"]["duration_s"]["previous"] == 420


def test_header_says_which_cluster(session, network_log):
    report = _report(session, "TDP05", "MOLAO")
    assert "riêng cụm loa TDP05 – Tổ dân phố số 5" in report["narrative"]
    assert render(report, "csv").filename == "bao-cao-thoi-luong-2025-10-MOLAO-TDP05.csv"
    csv_head = render(report, "csv").content.decode("utf-8-sig").splitlines()[0]
    assert "Cụm loa TDP05 (Tổ dân phố số 5)" in csv_head
    assert "Cụm loa TDP05 (Tổ dân phố số 5)" in render(report, "html").content.decode()
    assert "cluster" not in _report(session, None) and "cụm loa" not in _report(session, None)["narrative"]


@pytest.mark.parametrize(
    "cluster, station, message",
    [
        ("TDP99", None, "Không có cụm loa mã 'TDP99' ở đài nào của phường."),
        ("TDP05", "XA2", "Không có cụm loa mã 'TDP05' ở đài XA2."),
        ('TDP01"%', None, "Không có cụm loa mã 'TDP01\"%' ở đài nào của phường."),
    ],
)
def test_unknown_cluster_refused(session, network_log, cluster, station, message):
    with pytest.raises(ValidationError) as err:
        _report(session, cluster, station)
    assert err.value.field == "cluster" and err.value.message == message


def test_api(client, api_token, network_log):
    h = {"Authorization": f"Bearer {api_token('xem')}"}
    r = client.get("/api/v1/reports/airtime?period=2025-10&cluster=TDP05", headers=h)
    assert r.status_code == 200 and r.json["totals"]["duration_s"] == 420 and r.json["cluster"]["code"] == "TDP05"
    csv_file = client.get("/api/v1/reports/airtime?period=2025-10&cluster=TDP05&format=csv", headers=h)
    assert (
        "MOLAO" not in csv_file.headers["Content-Disposition"]
        and "tat-ca-TDP05" in csv_file.headers["Content-Disposition"]
    )
    bad = client.get("/api/v1/reports/airtime?period=2025-10&cluster=TDP99", headers=h)
    assert bad.status_code == 400
    assert bad.json["error"]["field"] == "cluster" and "TDP99" in bad.json["error"]["message"]


def test_openapi_declares_the_filter(client):
    doc = client.get("/api/v1/openapi.json").json
    params = [p["name"] for p in doc["paths"]["/reports/airtime"]["get"]["parameters"]]
    assert "cluster" in params
    assert "devices" in doc["components"]["schemas"]["AirtimeReport"]["properties"]


def test_page(login_as, network_log):
    client = login_as("xem")
    page = client.get("/reports/airtime?period=2025-10&cluster=TDP05")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<option value="TDP05" selected>MOLAO · TDP05 – Tổ dân phố số 5</option>' in html
    assert "Chỉ tính các lượt phát nghe được ở cụm loa" in html and "cluster=TDP05" in html  # downloads keep it
    chart = client.get("/reports/airtime/chart/days.png?period=2025-10&cluster=TDP05")
    assert chart.status_code == 200
    bad = client.get("/reports/airtime?period=2025-10&cluster=TDP99")
    assert bad.status_code == 400 and "Không có cụm loa mã &#39;TDP99&#39;" in bad.get_data(as_text=True)
    dl = client.get("/reports/airtime/download?period=2025-10&cluster=TDP99&format=csv", follow_redirects=True)
    assert "Không có cụm loa mã &#39;TDP99&#39;" in dl.get_data(as_text=True)


def test_cli(cli_env, network_log):
    from broadcast.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["report", "airtime", "--period", "2025-10", "--cluster", "TDP05"], env=cli_env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["totals"]["duration_s"] == 420 and data["cluster"]["code"] == "TDP05"
    assert [d["code"] for d in data["devices"]] == ["LOA02", "LOA05"]
    bad = runner.invoke(main, ["report", "airtime", "--period", "2025-10", "--cluster", "TDP99"], env=cli_env)
    assert bad.exit_code == 1 and "Không có cụm loa mã 'TDP99'" in bad.output and "Traceback" not in bad.output
