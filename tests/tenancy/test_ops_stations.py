"""Stations and the publishing page in a province: a ward admin's new station belongs to their ward (naming
another ward is "no such ward", as a missing one), a province admin must choose the ward; codes stay unique in
the installation; the province's station list labels each station with its ward; the publishing page opens on
the user's own ward and a province user picks one with ?ward=CODE."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast.domain.models import AuditLog, Station

from .ops_fixtures import flashes, ops_browser_fixture, ops_world_fixture, snapshot  # noqa: F401


def _add(client, **form):
    response = client.post("/admin/stations/new", data=form | {"csrf_token": client.token}, follow_redirects=True)
    return response.status_code, flashes(response.get_data(as_text=True))


def _ward_of(runtime, code: str) -> str | None:
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == code))
        return None if station is None else station.ward.code


@pytest.mark.parametrize(
    "username,ward,expected",
    [("admin", "", "MOLAO"), ("admin", "molao", "MOLAO"), ("dx.admin", "", "DONGXA"), ("tp.admin", "DONGXA", "DONGXA")],
)
def test_a_new_station_belongs_to_the_right_ward(runtime, ops_world, ops_browser, username, ward, expected):
    status, said = _add(ops_browser(username), code="moi1", name="Đài mới", ward=ward)
    assert status == 200 and any("Đã thêm đài MOI1" in m for m in said), said
    assert _ward_of(runtime, "MOI1") == expected
    with runtime.unit() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "station.create"))
        assert row.detail == {"code": "MOI1", "ward": expected}


@pytest.mark.parametrize(
    "username,form,words",
    [
        ("admin", {"ward": "DONGXA"}, "Không có phường, xã mã §"),
        ("dx.admin", {"ward": "MOLAO"}, "Không có phường, xã mã §"),
        ("tp.admin", {}, "Chọn phường, xã của đài mới."),
        ("tp.admin", {"ward": "KHONGCO"}, "Không có phường, xã mã §"),
        ("admin", {"code": "DONGXA1"}, "Mã đài DONGXA1 đã có."),
        ("admin", {"code": "mã sai"}, "Mã đài chỉ gồm chữ in hoa"),
        ("dx.admin", {"name": ""}, "Tên đài không được để trống"),
    ],
)
def test_bad_new_stations_are_refused_in_vietnamese_and_change_nothing(
    runtime, ops_world, ops_browser, username, form, words
):
    client = ops_browser(username)
    before = snapshot(runtime)
    status, said = _add(client, **({"code": "MOI2", "name": "Đài mới"} | form))
    said = [m.replace("'DONGXA'", "§").replace("'MOLAO'", "§").replace("'KHONGCO'", "§") for m in said]
    assert status == 200 and any(words in m for m in said), said
    assert snapshot(runtime) == before


def test_only_admins_add_stations(ops_world, ops_browser):
    client = ops_browser("dx.vanhanh")
    assert (
        client.post("/admin/stations/new", data={"code": "X", "name": "X", "csrf_token": client.token}).status_code
        == 403
    )


def test_the_province_list_labels_each_station_with_its_ward_and_offers_the_wards(ops_world, ops_browser):
    html = ops_browser("tp.admin").get("/admin/stations?page=1").get_data(as_text=True)
    assert 'data-ward="MOLAO"' in html and 'name="ward"' in html and '<option value="DONGXA">' in html
    own = ops_browser("dx.admin").get("/admin/stations").get_data(as_text=True)
    assert "data-ward=" not in own and 'name="ward"' not in own and "DONGXA1" in own


@pytest.mark.parametrize("username,ward", [("vanhanh", "MOLAO"), ("dx.vanhanh", "DONGXA"), ("dx.admin", "DONGXA")])
def test_publishing_opens_on_the_users_own_ward(ops_world, ops_browser, username, ward):
    html = ops_browser(username).get("/publishing").get_data(as_text=True)
    assert f'id="links" data-ward="{ward}"' in html and '<select id="ward"' not in html


def test_a_province_user_picks_the_ward_of_the_publishing_page(ops_world, ops_browser):
    client = ops_browser("tp.vanhanh")
    assert 'id="links" data-ward="DONGXA"' in client.get("/publishing?ward=dongxa").get_data(as_text=True)
    assert 'id="links" data-ward="MOLAO"' in client.get("/publishing?ward=MOLAO").get_data(as_text=True)
    assert client.get("/publishing?ward=KHONGCO").status_code == 404
    assert client.get("/publishing/posters/DONGXA.pdf").status_code in (200, 302)
