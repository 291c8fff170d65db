"""Upstream sources in a province: a ward operator's new source belongs to their ward, a province operator's is
shared (ward NULL); a ward sees its own and the province's, never another ward's; it may use and check the
province's but not change or disable them (a Vietnamese 403, nothing changed); codes stay unique in the whole
installation; the province changes any ward's."""

from __future__ import annotations

import html as htmllib

import pytest
from sqlalchemy import select

from broadcast.domain.models import UpstreamSource, Ward

from .ops_fixtures import (  # noqa: F401
    PROVINCE_SOURCE,
    api,
    flashes,
    ops_browser_fixture,
    ops_token_fixture,
    ops_world_fixture,
    snapshot,
)


def _owner(runtime, code: str) -> str | None:
    with runtime.unit() as s:
        source = s.scalar(select(UpstreamSource).where(UpstreamSource.code == code))
        return None if source.ward_id is None else s.get(Ward, source.ward_id).code


@pytest.mark.parametrize(
    "username,ward", [("vanhanh", "MOLAO"), ("dx.vanhanh", "DONGXA"), ("tp.vanhanh", None), ("dx.admin", "DONGXA")]
)
def test_a_new_source_belongs_to_the_adders_ward_or_to_the_province(
    runtime, app, ops_world, ops_browser, ops_token, username, ward
):
    client = ops_browser(username)
    body = {"code": "MOI1", "name": "Nguồn mới", "url": "http://moi.example/1", "csrf_token": client.token}
    assert client.post("/sources", data=body).status_code == 302
    assert _owner(runtime, "MOI1") == ward
    response = api(app.test_client(), ops_token(username), "POST", "/sources", body | {"code": "MOI2"})
    assert response.status_code == 201 and response.get_json()["shared"] is (ward is None)
    assert _owner(runtime, "MOI2") == ward


@pytest.mark.parametrize("me,other", [("A", "B"), ("B", "A")])
def test_a_ward_sees_its_own_and_the_provinces_sources(app, ops_world, ops_browser, ops_token, me, other):
    own, theirs = ops_world[me], ops_world[other]
    html = ops_browser(own.viewer).get("/sources").get_data(as_text=True)
    assert f'data-source="{own.source}"' in html and f'data-source="{PROVINCE_SOURCE}"' in html
    assert theirs.source not in html
    items = api(app.test_client(), ops_token(own.viewer), "GET", "/sources").get_json()["items"]
    assert {i["code"]: i["shared"] for i in items} == {own.source: False, PROVINCE_SOURCE: True}
    # the operator is offered no change of the province's source on the page
    row = htmllib.unescape(ops_browser(own.operator).get("/sources").get_data(as_text=True))
    row = row.split(f'data-source="{PROVINCE_SOURCE}"')[1].split("</tr>")[0]
    assert "chỉ cán bộ cấp tỉnh sửa hoặc tắt" in row and "source_enabled" not in row and "/enabled" not in row


PROVINCE_CHANGES = [
    ("POST", f"/sources/{PROVINCE_SOURCE}", {"name": "Đổi tên"}),
    ("POST", f"/sources/{PROVINCE_SOURCE}", {"url": "http://khac.example/x"}),
    ("POST", f"/sources/{PROVINCE_SOURCE}/enabled", {"enabled": "0"}),
]


@pytest.mark.parametrize("method,url,form", PROVINCE_CHANGES)
@pytest.mark.parametrize("username", ["vanhanh", "dx.vanhanh", "dx.admin"])
def test_a_ward_may_not_change_the_provinces_source_on_the_page(
    runtime, ops_world, ops_browser, username, method, url, form
):
    client = ops_browser(username)
    before = snapshot(runtime)
    response = client.post(url, data=form | {"csrf_token": client.token}, follow_redirects=True)
    assert response.status_code == 200
    said = flashes(response.get_data(as_text=True))
    assert any("nguồn dùng chung của tỉnh" in m for m in said), said
    assert snapshot(runtime) == before


@pytest.mark.parametrize(
    "body", [{"name": "Đổi tên"}, {"enabled": False}, {"url": "http://khac.example/x"}, {"category": "other"}]
)
def test_a_ward_may_not_change_the_provinces_source_over_the_api(runtime, app, ops_world, ops_token, body):
    before = snapshot(runtime)
    response = api(app.test_client(), ops_token("dx.vanhanh"), "PATCH", f"/sources/{PROVINCE_SOURCE}", body)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "province_source" and "dùng chung của tỉnh" in error["message"]
    assert snapshot(runtime) == before


def test_a_ward_may_check_the_provinces_source_and_the_province_changes_any(
    runtime, app, ops_world, ops_token, monkeypatch
):
    from broadcast.relay import sources as service

    monkeypatch.setattr(service, "probe_stream", lambda url, *, timeout_s: {"ok": False, "error": "thử"})
    client = app.test_client()
    checked = api(client, ops_token("dx.vanhanh"), "POST", f"/sources/{PROVINCE_SOURCE}/check")
    assert checked.status_code == 200 and checked.get_json()["state"] == "failed"
    province = ops_token("tp.vanhanh")
    for code in ("SRCDX", "SRCMOLAO", PROVINCE_SOURCE):
        response = api(client, province, "PATCH", f"/sources/{code}", {"name": f"Tên mới {code}", "enabled": False})
        assert response.status_code == 200, response.get_json()
    with runtime.unit() as s:
        rows = s.scalars(select(UpstreamSource).where(UpstreamSource.code.in_(["SRCDX", "SRCMOLAO", PROVINCE_SOURCE])))
        assert {(r.name, r.enabled) for r in rows} == {
            (f"Tên mới {c}", False) for c in ("SRCDX", "SRCMOLAO", PROVINCE_SOURCE)
        }


@pytest.mark.parametrize("code", ["SRCDX", PROVINCE_SOURCE])
def test_codes_stay_unique_in_the_installation(runtime, app, ops_world, ops_token, code):
    before = snapshot(runtime)
    body = {"code": code, "name": "Trùng mã", "url": "http://trung.example/1"}
    response = api(app.test_client(), ops_token("vanhanh"), "POST", "/sources", body)
    assert response.status_code == 409 and "đã có" in response.get_json()["error"]["message"]
    assert snapshot(runtime) == before


@pytest.mark.parametrize(
    "ward,owner,words", [("dongxa", "DONGXA", "của Xã Đông Thử"), (None, None, "dùng chung cả tỉnh")]
)
def test_the_cli_adds_a_wards_source_or_the_provinces(runtime, cli_env, ops_world, ward, owner, words):
    from click.testing import CliRunner

    from broadcast.cli import main

    args = ["source", "add", "cli1", "--name", "Nguồn CLI", "--url", "http://cli.example/1"]
    result = CliRunner().invoke(main, args + (["--ward", ward] if ward else []), env=cli_env)
    assert result.exit_code == 0 and words in result.output, result.output
    assert _owner(runtime, "CLI1") == owner


def test_the_cli_refuses_an_unknown_ward_and_adds_nothing(runtime, cli_env, ops_world):
    from click.testing import CliRunner

    from broadcast.cli import main

    before = snapshot(runtime)
    args = ["source", "add", "cli1", "--name", "Nguồn CLI", "--url", "http://cli.example/1", "--ward", "KHONGCO"]
    result = CliRunner().invoke(main, args, env=cli_env)
    assert result.exit_code != 0 and "Không có phường, xã mã 'KHONGCO'." in result.output
    assert snapshot(runtime) == before
