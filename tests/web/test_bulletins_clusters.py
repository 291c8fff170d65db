"""Cluster targeting on the bulletin desk: the form's checkboxes, the detail page, and the JSON API's
``clusters`` (bad input: 400 with a Vietnamese message, nothing changed)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from broadcast.domain.models import Bulletin
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)
from tests.conftest import csrf_from
from tests.web.test_bulletins_api import api, payload  # noqa: F401  (api is a fixture)
from tests.web.test_bulletins_pages import form_data


def _codes(runtime, bid):
    with runtime.unit() as s:
        return [c.code for c in s.get(Bulletin, bid).clusters]


def test_the_form_targets_clusters_and_the_detail_page_shows_them(login_as, runtime):
    client = login_as("vanhoa")
    page = client.get("/bulletins/new").get_data(as_text=True)
    assert "Cụm loa (không chọn = cả đài)" in page
    assert '<input type="checkbox" name="clusters" value="TDP05" >' in page and "Tổ dân phố số 5 (TDP05)" in page
    r = client.post("/bulletins/new", data={**form_data(page), "clusters": ["TDP05", "TDP07"]})
    assert r.status_code == 302
    bid = int(re.search(r"/bulletins/(\d+)$", r.headers["Location"]).group(1))
    assert _codes(runtime, bid) == ["TDP05", "TDP07"]
    detail = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert "Tổ dân phố số 5 (TDP05), Tổ dân phố số 7 (TDP07)" in detail
    edit = client.get(f"/bulletins/{bid}/edit").get_data(as_text=True)
    assert 'value="TDP05" checked' in edit and 'value="TDP07" checked' in edit and 'value="TDP01" >' in edit
    # Unticking every cluster sends the bulletin to the whole station again.
    r = client.post(f"/bulletins/{bid}/edit", data=form_data(edit))
    assert r.status_code == 302 and _codes(runtime, bid) == []
    assert "Cả đài (mọi cụm loa)" in client.get(f"/bulletins/{bid}").get_data(as_text=True)


def test_an_unknown_cluster_on_the_form_is_explained_and_nothing_saved(login_as, runtime):
    client = login_as("vanhoa")
    page = client.get("/bulletins/new").get_data(as_text=True)
    with runtime.unit() as s:
        before = s.scalar(select(func.count(Bulletin.id)))
    r = client.post("/bulletins/new", data={**form_data(page), "clusters": ["TDP05", "TDP99"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'id="err-clusters">Không có cụm loa mã «TDP99».' in html
    assert 'value="TDP05" checked' in html  # the choice is kept for the next try
    with runtime.unit() as s:
        assert s.scalar(select(func.count(Bulletin.id))) == before
    assert csrf_from(html)


def test_the_api_reads_and_writes_clusters(api, runtime):  # noqa: F811  (the imported fixture)
    r = api("vanhoa").post("/bulletins", json=payload(clusters=["tdp07", "TDP05"]))
    assert r.status_code == 201 and r.json["clusters"] == ["TDP05", "TDP07"]
    bid = r.json["id"]
    assert api("vanhanh").get(f"/bulletins/{bid}").json["clusters"] == ["TDP05", "TDP07"]
    r = api("vanhoa").patch(f"/bulletins/{bid}", json={"clusters": []})
    assert r.status_code == 200 and r.json["clusters"] == [] and _codes(runtime, bid) == []


def test_bad_clusters_in_the_api_are_400_and_change_nothing(api, runtime):  # noqa: F811
    bid = api("vanhoa").post("/bulletins", json=payload(clusters=["TDP05"])).json["id"]
    cases = [
        ({"clusters": ["TDP99"]}, "unknown_cluster", "Không có cụm loa mã «TDP99»."),
        ({"clusters": "TDP05"}, "invalid", 'Cụm loa phải là danh sách mã cụm, ví dụ ["TDP05", "TDP07"].'),
        ({"clusters": [5]}, "invalid", 'Cụm loa phải là danh sách mã cụm, ví dụ ["TDP05", "TDP07"].'),
    ]
    for body, code, message in cases:
        r = api("vanhoa").patch(f"/bulletins/{bid}", json=body)
        assert r.status_code == 400, body
        assert r.json["error"]["field"] == "clusters" and r.json["error"]["message"] == message
        assert r.json["error"]["code"] == code
    assert _codes(runtime, bid) == ["TDP05"]
