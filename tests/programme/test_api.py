"""API contract: build, read, export; roles; bad input leaves the previous programme."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest

from .conftest import next_weekday

ITEM_KEYS = {
    "position",
    "kind",
    "bulletin_id",
    "title",
    "category",
    "planned_start",
    "duration_ms",
    "clusters",
    "relay",
}


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_build_then_read_has_exactly_the_contract(client, api_token, rendered_day):
    on, _ = rendered_day
    op = auth(api_token("vanhanh"))
    built = client.post(f"/api/v1/stations/MOLAO/programmes/{on}/build", headers=op)
    assert built.status_code == 200, built.json
    got = client.get(f"/api/v1/stations/MOLAO/programmes/{on}", headers=auth(api_token("xem")))
    assert got.status_code == 200
    body = got.json
    assert body == built.json
    assert (
        set(body) == {"station", "date", "sessions"} and body["station"] == "MOLAO" and body["date"] == on.isoformat()
    )
    assert [s["code"] for s in body["sessions"]] == ["sang", "chieu"]
    for s in body["sessions"]:
        assert set(s) == {"code", "starts_at", "duration_ms", "items"}
        assert s["starts_at"].startswith(f"{on.isoformat()}T") and s["starts_at"].endswith("+07:00")
        assert s["duration_ms"] == sum(i["duration_ms"] for i in s["items"]) > 0
        for it in s["items"]:
            assert set(it) == ITEM_KEYS
            assert it["kind"] in {"asset", "announcement", "bulletin", "filler"}
            assert (it["bulletin_id"] is not None) == (it["kind"] == "bulletin")
        assert [i["position"] for i in s["items"]] == list(range(1, len(s["items"]) + 1))


def test_export_returns_the_zip(client, api_token, rendered_day):
    on, _ = rendered_day
    response = client.get(f"/api/v1/stations/MOLAO/programmes/{on}/export", headers=auth(api_token("vanhanh")))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert f"MOLAO_{on}/cue_sheet.json" in names and any(n.endswith("_MOLAO_sang.mp3") for n in names)


@pytest.mark.parametrize("user", ["xem", "vanhoa", "lanhdao"])
def test_only_operators_build_and_export(client, api_token, demo, today, user):
    on = next_weekday(today + timedelta(days=1), 1)
    h = auth(api_token(user))
    for method, path in (
        ("post", f"/api/v1/stations/MOLAO/programmes/{on}/build"),
        ("get", f"/api/v1/stations/MOLAO/programmes/{on}/export"),
    ):
        r = getattr(client, method)(path, headers=h)
        assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert client.get(f"/api/v1/stations/MOLAO/programmes/{on}", headers=h).status_code == 200


def test_requires_a_token(client, demo):
    assert client.get("/api/v1/stations/MOLAO/programmes/2025-10-01").status_code == 401


@pytest.mark.parametrize(
    "method, path, status, code, field",
    [
        ("get", "/api/v1/stations/NOPE/programmes/2025-10-01", 404, "not_found", "station"),
        ("post", "/api/v1/stations/NOPE/programmes/2025-10-01/build", 404, "not_found", "station"),
        ("get", "/api/v1/stations/MOLAO/programmes/01-10-2025", 400, "invalid", "date"),
        ("post", "/api/v1/stations/MOLAO/programmes/2025-13-01/build", 400, "invalid", "date"),
        ("get", "/api/v1/stations/MOLAO/programmes/2025-10-01/export", 400, "invalid", None),
    ],
)
def test_bad_input_errors(client, api_token, demo, method, path, status, code, field):
    r = getattr(client, method)(path, headers=auth(api_token("vanhanh")))
    assert r.status_code == status, r.json
    assert r.json["error"]["code"] == code and r.json["error"]["message"]
    assert r.json["error"].get("field") == field


def test_failed_rebuild_keeps_the_previous_programme(client, api_token, rendered_day, runtime):
    from sqlalchemy import select

    from broadcast.domain.models import SessionTemplate

    on, _ = rendered_day
    h = auth(api_token("vanhanh"))
    before = client.get(f"/api/v1/stations/MOLAO/programmes/{on}", headers=h).json
    with runtime.unit() as s:
        s.scalar(select(SessionTemplate).where(SessionTemplate.code == "sang")).max_duration_s = 10
    r = client.post(f"/api/v1/stations/MOLAO/programmes/{on}/build", headers=h)
    assert r.status_code == 400 and "max_minutes" in r.json["error"]["message"]
    assert r.json["error"]["field"] == "max_minutes"
    assert client.get(f"/api/v1/stations/MOLAO/programmes/{on}", headers=h).json == before


def test_openapi_declares_the_programme_paths(client):
    doc = client.get("/api/v1/openapi.json").json
    assert {
        "/stations/{code}/programmes/{date}",
        "/stations/{code}/programmes/{date}/build",
        "/stations/{code}/programmes/{date}/export",
    } <= set(doc["paths"])
    item = doc["components"]["schemas"]["ProgrammeDay"]["properties"]["sessions"]["items"]["properties"]["items"]
    assert set(item["items"]["required"]) == ITEM_KEYS
