"""The upward export: its content against the airtime report, the schema, the adapters, the CLI and the API."""

from __future__ import annotations

import json
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from broadcast import tenancy, upward
from broadcast.cli import main
from broadcast.domain.models import User
from broadcast.errors import ValidationError
from broadcast.reports.airtime import airtime_report
from broadcast.reports.periods import parse_period
from broadcast.security import create_token
from broadcast.upward import Adapter, build_payload, get_adapter, register
from broadcast.upward.registry import ADAPTERS
from tests.upward.province_world import EXPECTED, ISSUER, build
from tests.upward.schema_check import errors

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q3 = parse_period("2026-Q3")
SUMMED = ("airings", "duration_s", "cchc_airings", "cchc_duration_s", "sessions_aired", "sessions_missed")


@pytest.fixture
def world(runtime):
    return build(runtime)


def test_schema_is_draft_2020_12_version_1_0():
    schema = upward.schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"]["const"] == upward.SCHEMA_VERSION == "1.0"
    assert errors({"schema_version": "1.0"}, schema)  # the check does reject an incomplete document


def test_payload_validates_and_matches_the_report(session, world):
    payload = build_payload(session, Q3, tz=TZ)
    assert errors(payload, upward.schema()) == []
    assert payload["province"] == {"code": "TINHTHU", "name": "Tỉnh Thử", "issuer": ISSUER}
    assert payload["period"]["code"] == "2026-Q3"
    report = airtime_report(session, Q3, tz=TZ)
    by_ward = {w["code"]: w for w in report["by_ward"]}
    assert [w["code"] for w in payload["wards"]] == ["PA", "PB", "PC"]
    for ward in payload["wards"]:
        for key in SUMMED:
            assert ward["totals"][key] == by_ward[ward["code"]][key], (ward["code"], key)
            assert ward["totals"][key] == sum(s[key] for s in ward["stations"])
        for key, value in EXPECTED[ward["code"]].items():
            assert ward["totals"][key] == value
    assert payload["totals"]["airings"] == report["totals"]["airings"] == 6
    assert payload["totals"]["duration_s"] == sum(s["duration_s"] for s in report["by_station"])
    pa1 = payload["wards"][0]["stations"][0]
    assert pa1["code"] == "PA1" and pa1["devices"] is None
    assert [(c["code"], c["is_cchc"], c["duration_s"]) for c in pa1["categories"]] == [
        ("cchc-tthc", True, 1200),
        ("van-hoa", False, 300),
    ]
    broken = json.loads(json.dumps(payload))
    broken["wards"][0]["stations"][0]["categories"][0]["is_cchc"] = "yes"
    assert errors(broken, upward.schema())  # nested rows are checked too
    pc1 = payload["wards"][2]["stations"][0]["devices"]
    assert pc1["devices"] == 1 and pc1["offline_s"] >= 86_400 and 0 < pc1["availability_percent"] < 100


def test_deliveries_of_province_bulletins(session, world):
    (delivery,) = build_payload(session, Q3, tz=TZ)["deliveries"]
    assert delivery["bulletin_id"] == world["bulletin_id"] and delivery["department"] == "SVHTT"
    states = {s["station"]: (s["ward"], s["state"], s["reason"]) for s in delivery["stations"]}
    assert states == {
        "PA1": ("PA", "aired", None),
        "PB1": ("PB", "declined", "Trùng lịch phát"),
        "PC1": ("PC", "accepted", None),
    }
    assert delivery["totals"]["stations"] == 3 and delivery["totals"]["aired"] == 1


def test_chosen_wards_and_ward_scope(session, world):
    two = build_payload(session, Q3, tz=TZ, wards=["PB", "PC"])
    assert [w["code"] for w in two["wards"]] == ["PB", "PC"]
    assert {s["station"] for s in two["deliveries"][0]["stations"]} == {"PB1", "PC1"}
    tenancy.apply(session, session.scalar(select(User).where(User.username == "pa.xem")))
    own = build_payload(session, Q3, tz=TZ)
    assert [w["code"] for w in own["wards"]] == ["PA"] and own["totals"]["airings"] == 4
    assert {s["station"] for s in own["deliveries"][0]["stations"]} == {"PA1"}
    with pytest.raises(ValidationError):
        build_payload(session, Q3, tz=TZ, wards=["PB"])


class Recorder(Adapter):
    name = "ghi"
    sent: ClassVar[list] = []

    def _write(self, payload: dict) -> bytes:
        Recorder.sent.append(payload["period"]["code"])
        return b"ok"


def test_adapters(session, world):
    payload = build_payload(session, Q3, tz=TZ)
    assert json.loads(get_adapter("JSON").export(payload)) == json.loads(json.dumps(payload))
    with pytest.raises(ValidationError) as bad:
        get_adapter("xml")
    assert bad.value.field == "format" and "json" in bad.value.message
    with pytest.raises(ValidationError):
        get_adapter("json").export({**payload, "schema_version": "2.0"})
    register("ghi", Recorder)
    try:
        assert get_adapter("ghi").export(payload) == b"ok" and Recorder.sent == ["2026-Q3"]
    finally:
        ADAPTERS.pop("ghi")


def test_cli_export(cli_env, world, tmp_path):
    runner = CliRunner()
    out = tmp_path / "q3.json"
    done = runner.invoke(main, ["export", "province", "--period", "2026-Q3", "-o", str(out)], env=cli_env)
    assert done.exit_code == 0, done.output
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert errors(payload, upward.schema()) == [] and len(payload["wards"]) == 3
    one = runner.invoke(main, ["export", "province", "--period", "2026-09", "--ward", "PC"], env=cli_env)
    assert [w["code"] for w in json.loads(one.stdout)["wards"]] == ["PC"]
    for args, words in (
        (["--period", "2026-Q3", "--ward", "NOPE"], "Không có phường, xã mã 'NOPE'"),
        (["--period", "2026-Q5"], "Lỗi:"),
        (["--period", "2026", "--format", "xml"], "Không có bộ xuất dữ liệu"),
    ):
        bad = runner.invoke(main, ["export", "province", *args], env=cli_env)
        assert bad.exit_code == 1 and words in bad.output


def _h(runtime, username):
    with runtime.unit() as s:
        user = s.scalar(select(User).where(User.username == username))
        return {"Authorization": f"Bearer {create_token(s, user, 'test')}"}


def test_api_export(client, runtime, world):
    url = "/api/v1/export/province?period=2026-Q3"
    r = client.get(url, headers=_h(runtime, "tinh.xem"))
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert errors(r.json, upward.schema()) == [] and r.json["totals"]["airings"] == 6
    assert [w["code"] for w in client.get(url + "&ward=PA,PB", headers=_h(runtime, "tinh.xem")).json["wards"]] == [
        "PA",
        "PB",
    ]
    bad = client.get(url + "&ward=NOPE", headers=_h(runtime, "tinh.xem"))
    assert bad.status_code == 400 and bad.json["error"]["field"] == "ward"
    assert client.get("/api/v1/export/province?period=2026-Q9", headers=_h(runtime, "tinh.xem")).status_code == 400
    ward_user = _h(runtime, "pa.xem")  # a ward user's export is their own ward's
    own = client.get(url, headers=ward_user).json
    assert [w["code"] for w in own["wards"]] == ["PA"] and own["totals"]["airings"] == 4
    assert {s["station"] for d in own["deliveries"] for s in d["stations"]} == {"PA1"}
    other, missing = (client.get(f"{url}&ward={code}", headers=ward_user) for code in ("PB", "ZZ"))
    assert other.status_code == missing.status_code == 400
    assert other.json["error"]["message"].replace("PB", "X") == missing.json["error"]["message"].replace("ZZ", "X")
    assert client.get(url, headers=_h(runtime, "tinh.vanhanh")).status_code == 403
    assert client.get(url).status_code == 401
