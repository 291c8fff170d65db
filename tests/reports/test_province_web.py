"""Province reports over the API, the report page and the CLI: ward users see their ward only."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from broadcast.cli import main
from broadcast.domain.models import User
from broadcast.security import create_token
from tests.conftest import login
from tests.upward.province_world import PASSWORD, build


@pytest.fixture
def world(runtime):
    return build(runtime)


@pytest.fixture
def token(runtime, world):
    def _token(username: str) -> dict:
        with runtime.unit() as s:
            user = s.scalar(select(User).where(User.username == username))
            return {"Authorization": f"Bearer {create_token(s, user, 'test')}"}

    return _token


def _get(client, headers, query):
    return client.get(f"/api/v1/reports/airtime?period=2026-Q3&{query}", headers=headers)


def test_api_province_user_gets_wards_and_compliance(client, token):
    h = token("tinh.xem")
    r = _get(client, h, "").json
    assert [w["code"] for w in r["by_ward"]] == ["PA", "PB", "PC"]
    assert [c["code"] for c in r["compliance"]] == ["PB", "PA", "PC"]
    assert [w["code"] for w in _get(client, h, "ward=PA&ward=pc").json["by_ward"]] == ["PA", "PC"]
    assert [w["code"] for w in _get(client, h, "ward=PB,PC").json["by_ward"]] == ["PB", "PC"]
    one = _get(client, h, "ward=PB").json
    assert "by_ward" not in one and one["totals"]["duration_s"] == 240
    bad = _get(client, h, "ward=NOPE")
    assert bad.status_code == 400 and bad.json["error"]["field"] == "ward"
    assert "NOPE" in bad.json["error"]["message"]


def test_api_ward_user_gets_only_their_ward(client, token):
    h = token("pa.xem")
    r = _get(client, h, "").json
    assert "by_ward" not in r and r["ward"]["code"] == "PA" and r["totals"]["airings"] == 4
    assert {s["code"] for s in r["by_station"]} == {"PA1", "PA2"}
    other, missing = _get(client, h, "station=PB1"), _get(client, h, "station=ZZ9")
    assert other.status_code == missing.status_code == 400
    assert other.json["error"]["message"].replace("PB1", "X") == missing.json["error"]["message"].replace("ZZ9", "X")
    other, missing = _get(client, h, "ward=PB"), _get(client, h, "ward=ZZ")
    assert other.status_code == missing.status_code == 400 and other.json["error"]["field"] == "ward"
    assert other.json["error"]["message"].replace("PB", "X") == missing.json["error"]["message"].replace("ZZ", "X")
    for fmt in ("csv", "html"):
        text = _get(client, h, f"format={fmt}").get_data(as_text=True)
        assert "Phường Bình" not in text and "PB1" not in text


def test_report_page(client, world):
    assert login(client, "pa.xem", PASSWORD).status_code == 302
    page = client.get("/reports/airtime?period=2026-Q3").get_data(as_text=True)
    assert "Đài PA1" in page and "Phường Bình" not in page and "Đài PB1" not in page
    assert "Theo phường, xã" not in page
    bad = client.get("/reports/airtime?period=2026-Q3&ward=PB")
    assert bad.status_code == 400 and "Phường Bình" not in bad.get_data(as_text=True)
    client.get("/logout")
    assert login(client, "tinh.xem", PASSWORD).status_code == 302
    page = client.get("/reports/airtime?period=2026-Q3").get_data(as_text=True)
    assert "Theo phường, xã" in page and "Thực hiện kế hoạch của các phường, xã" in page
    assert "Chưa có kế hoạch" in page and 'name="ward" multiple' in page
    chosen = client.get("/reports/airtime?period=2026-Q3&ward=PA&ward=PB").get_data(as_text=True)
    assert "<td>Đài PB1</td>" in chosen and "<td>Đài PC1</td>" not in chosen
    pdf = client.get("/reports/airtime/download?period=2026-Q3&ward=PA,PB&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_cli_ward_option(cli_env, world):
    runner = CliRunner()
    out = runner.invoke(main, ["report", "airtime", "--period", "2026-Q3", "--ward", "PA"], env=cli_env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert {s["code"] for s in data["by_station"]} == {"PA1", "PA2"} and "by_ward" not in data
    out = runner.invoke(main, ["report", "airtime", "--period", "2026-Q3", "--ward", "PA,PB"], env=cli_env)
    assert [w["code"] for w in json.loads(out.stdout)["by_ward"]] == ["PA", "PB"]
    bad = runner.invoke(main, ["report", "airtime", "--period", "2026-Q3", "--ward", "NOPE"], env=cli_env)
    assert bad.exit_code == 1 and "Không có phường, xã mã 'NOPE'" in bad.output
