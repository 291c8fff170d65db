"""API, CLI, pages and plans on the fixed log."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from broadcast.domain.models import Plan
from broadcast.errors import ValidationError
from broadcast.reports import plans as plan_service


def _h(token):
    return {"Authorization": f"Bearer {token}"}


def test_api_json_and_files(client, api_token, asrun_log):
    h = _h(api_token("xem"))  # the viewer role may read reports
    r = client.get("/api/v1/reports/airtime?period=2025-10&format=json", headers=h)
    assert r.status_code == 200
    assert r.json["totals"]["duration_s"] == 720 and r.json["period"]["label"] == "Tháng 10/2025"
    one = client.get("/api/v1/reports/airtime?period=2025-10&station=XA2", headers=h).json
    assert one["totals"]["duration_s"] == 240
    ranged = client.get("/api/v1/reports/airtime?from=2025-10-01&to=2025-10-01", headers=h).json
    assert ranged["totals"]["duration_s"] == 180
    x = client.get("/api/v1/reports/airtime?period=2025-10&format=xlsx", headers=h)
    assert x.status_code == 200 and "attachment" in x.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(x.data)).sheetnames
    c = client.get("/api/v1/reports/airtime?period=2025-10&format=csv", headers=h)
    assert c.mimetype == "text/csv" and "TỔNG CỘNG" in c.get_data(as_text=True)
    html = client.get("/api/v1/reports/airtime?period=2025-10&format=html", headers=h)
    assert (
        "unsafe-inline" in html.headers["Content-Security-Policy"]
        and "script-src" not in html.headers["Content-Security-Policy"]
    )
    pdf = client.get("/api/v1/reports/airtime?period=2025-10&format=pdf", headers=h)
    assert pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    "query, field",
    [
        ("period=2025-13", "period"),
        ("period=2025-Q5", "period"),
        ("from=2025-10-31&to=2025-10-01", "from"),
        ("period=2025-10&station=KHONGCO", "station"),
        ("period=2025-10&format=docx", "format"),
        ("", "period"),
    ],
)
def test_api_bad_input_is_400(client, api_token, asrun_log, query, field):
    r = client.get(f"/api/v1/reports/airtime?{query}", headers=_h(api_token("vanhanh")))
    assert r.status_code == 400
    assert r.json["error"]["field"] == field and r.json["error"]["message"]


def test_api_empty_period(client, api_token, asrun_log):
    r = client.get("/api/v1/reports/airtime?period=2019-05", headers=_h(api_token("vanhanh")))
    assert r.status_code == 200 and r.json["totals"]["airings"] == 0


def test_api_submitter_refused_and_plans(client, api_token, asrun_log):
    assert client.get("/api/v1/reports/airtime?period=2025-10", headers=_h(api_token("vanhoa"))).status_code == 403
    plans = client.get("/api/v1/plans", headers=_h(api_token("xem"))).json
    assert any(p["number"] == "28/KH-UBND" and len(p["targets"]) == 5 for p in plans["items"])


def test_openapi_declares_reports(client):
    doc = client.get("/api/v1/openapi.json").json
    assert "/reports/airtime" in doc["paths"] and "AirtimeReport" in doc["components"]["schemas"]


def test_cli(cli_env, asrun_log, tmp_path):
    from broadcast.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["report", "airtime", "--period", "2025-10", "--format", "json"], env=cli_env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["totals"]["cchc_duration_s"] == 300
    target = tmp_path / "bc.pdf"
    out = runner.invoke(
        main,
        ["report", "airtime", "--period", "2025-Q4", "--station", "MOLAO", "--format", "pdf", "--out", str(target)],
        env=cli_env,
    )
    assert out.exit_code == 0 and target.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(main, ["report", "airtime", "--period", "2025-13"], env=cli_env)
    assert bad.exit_code == 1 and "tháng phải từ 1 đến 12" in bad.output and "Traceback" not in bad.output


def test_report_page_for_viewer(login_as, asrun_log):
    client = login_as("xem")
    page = client.get("/reports/airtime?period=2025-10")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Tháng 10/2025" in html and "/reports/airtime/chart/categories.png" in html
    chart = client.get("/reports/airtime/chart/days.png?period=2025-10")
    assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG")
    dl = client.get("/reports/airtime/download?period=2025-10&format=xlsx")
    assert dl.status_code == 200 and dl.data[:2] == b"PK"
    bad = client.get("/reports/airtime?period=2025-Q5")
    assert bad.status_code == 400 and "quý phải từ 1 đến 4" in bad.get_data(as_text=True)
    assert client.get("/plans").status_code == 200


def test_dashboard_widget(login_as, asrun_log):
    html = login_as("vanhanh").get("/").get_data(as_text=True)
    assert "Tiến độ kế hoạch tuyên truyền" in html


def test_plan_pages_edit_targets(login_as, asrun_log, session):
    from tests.conftest import csrf_from

    client = login_as("vanhanh")
    page = client.get("/plans")
    token = csrf_from(page.get_data(as_text=True))
    r = client.post(
        "/plans",
        data={
            "csrf_token": token,
            "title": "Kế hoạch 2026",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "report_due_day": "10",
        },
    )
    assert r.status_code == 302
    plan_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    r = client.post(
        f"/plans/{plan_id}",
        data={
            "csrf_token": token,
            "action": "add_target",
            "metric": "minutes",
            "category_code": "cchc",
            "value": "90",
            "per": "month",
        },
    )
    assert r.status_code == 302
    plan = session.get(Plan, plan_id)
    assert [(t.metric, t.category_code, t.value) for t in plan.targets] == [("minutes", "cchc", 90.0)]
    r = client.post(
        f"/plans/{plan_id}", data={"csrf_token": token, "action": "add_target", "metric": "nope", "value": "1"}
    )
    assert r.status_code == 200 and "Chỉ tiêu phải là" in r.get_data(as_text=True)
    assert login_as("xem").post(f"/plans/{plan_id}", data={"csrf_token": token}).status_code == 403


def test_plan_validation_and_deadlines(session, asrun_log):
    with pytest.raises(ValidationError):
        plan_service.clean_plan({"title": "x", "period_start": "2025-12-31", "period_end": "2025-01-01"})
    with pytest.raises(ValidationError):
        plan_service.clean_target({"metric": "minutes", "category_code": "khong-co", "value": "5"})
    with pytest.raises(ValidationError):
        plan_service.clean_target({"metric": "minutes", "value": "-1"})
    plan = session.scalar(select(Plan).where(Plan.title == "Kế hoạch tuyên truyền CCHC năm 2025"))
    due = [(d["code"], d["due"]) for d in plan_service.reporting_deadlines(plan)]
    assert due == [
        ("2025-Q1", date(2025, 3, 10)),
        ("2025-H1", date(2025, 6, 10)),
        ("2025-9M", date(2025, 9, 10)),
        ("2025", date(2025, 12, 10)),
    ]
    nxt = plan_service.next_report_deadline(session, date(2025, 6, 11))
    assert nxt["code"] == "2025-9M" and nxt["days_left"] == 91
    assert plan_service.current_plan(session, date(2025, 10, 5)).id == plan.id
