"""The publishing admin page: the ward's links, feeds and embed code, the embed origins (admin only,
checked, audited), and the QR posters (one per cluster, or the whole ward)."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select

from broadcast.domain.models import AuditLog, Ward
from tests.conftest import csrf_from

PAGE_URL = "http://localhost/nghe/MOLAO/"


def _origins(runtime):
    with runtime.unit() as s:
        return s.scalar(select(Ward).where(Ward.code == "MOLAO")).embed_origins


@pytest.mark.parametrize(
    "user,status", [("admin", 200), ("vanhanh", 200), ("lanhdao", 403), ("vanhoa", 403), ("xem", 403)]
)
def test_who_sees_the_page(login_as, user, status):
    assert login_as(user).get("/publishing").status_code == status


def test_the_page_lists_links_embed_code_and_posters(login_as):
    html = login_as("admin").get("/publishing").get_data(as_text=True)
    assert f'href="{PAGE_URL}"' in html
    assert "http://localhost/nghe/MOLAO/podcast.xml" in html
    assert "http://localhost/nghe/MOLAO/podcast/cchc.xml" in html
    assert "&lt;iframe src=&#34;http://localhost/nghe/MOLAO/nhung&#34;" in html
    assert html.count('href="/publishing/poster/MOLAO/TDP') == 17
    assert 'href="/publishing/posters/MOLAO.pdf"' in html
    assert 'name="embed_origins"' in html
    assert "Trang công khai" in html  # the menu entry


def test_an_operator_sees_the_origins_but_no_form(login_as, runtime):
    with runtime.unit() as s:
        s.scalar(select(Ward).where(Ward.code == "MOLAO")).embed_origins = ["https://molao.gov.vn"]
    html = login_as("vanhanh").get("/publishing").get_data(as_text=True)
    assert "<code>https://molao.gov.vn</code>" in html and 'name="embed_origins"' not in html


def test_unknown_ward_is_404(login_as):
    assert login_as("admin").get("/publishing?ward=NOWHERE").status_code == 404


def _save(client, origins: str):
    token = csrf_from(client.get("/publishing").get_data(as_text=True))
    return client.post("/publishing", data={"csrf_token": token, "ward": "MOLAO", "embed_origins": origins})


def test_admin_saves_origins_audited(login_as, runtime):
    client = login_as("admin")
    r = _save(client, "https://MoLao.gov.vn/\nhttps://hadong.hanoi.gov.vn")
    assert r.status_code == 302 and r.headers["Location"].endswith("/publishing?ward=MOLAO#embed")
    assert _origins(runtime) == ["https://molao.gov.vn", "https://hadong.hanoi.gov.vn"]
    html = client.get("/publishing").get_data(as_text=True)
    assert "Đã lưu các địa chỉ được nhúng." in html and "https://molao.gov.vn\nhttps://hadong.hanoi.gov.vn" in html
    with runtime.unit() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "ward.embed_origins"))
        assert row.username == "admin" and row.detail["from"] == [] and len(row.detail["to"]) == 2


def test_a_bad_origin_is_refused_and_nothing_changes(login_as, runtime):
    client = login_as("admin")
    _save(client, "https://molao.gov.vn")
    r = _save(client, "https://ok.gov.vn\nhttps://*.gov.vn")
    assert r.status_code == 302
    html = client.get("/publishing").get_data(as_text=True)
    assert "«https://*.gov.vn»" in html and "flash-error" in html
    assert _origins(runtime) == ["https://molao.gov.vn"]


def test_the_embed_page_follows_saved_origins_at_once(login_as, client, runtime):
    admin = login_as("admin")
    _save(admin, "https://molao.gov.vn")
    first = client.get("/nghe/MOLAO/nhung")
    assert "https://molao.gov.vn" in first.headers["Content-Security-Policy"]
    _save(admin, "https://other.gov.vn")
    assert "https://other.gov.vn" in client.get("/nghe/MOLAO/nhung").headers["Content-Security-Policy"]


@pytest.mark.parametrize("user", ["vanhanh", "lanhdao", "vanhoa"])
def test_only_the_admin_saves_origins(login_as, runtime, user):
    client = login_as(user)
    token = csrf_from(client.get("/bulletins").get_data(as_text=True))
    r = client.post("/publishing", data={"csrf_token": token, "ward": "MOLAO", "embed_origins": "https://x.gov.vn"})
    assert r.status_code == 403 and _origins(runtime) is None


def test_saving_without_csrf_is_refused(login_as, runtime):
    r = login_as("admin").post("/publishing", data={"ward": "MOLAO", "embed_origins": "https://x.gov.vn"})
    assert r.status_code == 400 and _origins(runtime) is None


def _codes(pdf: bytes) -> list[list[str]]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [[b.text for b in zxingcpp.read_barcodes(page.render(scale=2).to_pil())] for page in doc]
    finally:
        doc.close()


@pytest.mark.parametrize("user", ["admin", "vanhanh"])
def test_poster_download(login_as, user):
    r = login_as(user).get("/publishing/poster/MOLAO/TDP05.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert (
        "attachment" in r.headers["Content-Disposition"] and "ma-qr-MOLAO-TDP05.pdf" in r.headers["Content-Disposition"]
    )
    assert _codes(r.data) == [[PAGE_URL]]


def test_all_posters_of_the_ward(login_as):
    r = login_as("vanhanh").get("/publishing/posters/MOLAO.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert len(pypdfium2.PdfDocument(r.data)) == 17


@pytest.mark.parametrize(
    "path", ["/publishing/poster/MOLAO/TDP99.pdf", "/publishing/poster/NOPE/TDP01.pdf", "/publishing/posters/NOPE.pdf"]
)
def test_unknown_station_cluster_or_ward_is_404(login_as, path):
    assert login_as("admin").get(path).status_code == 404


def test_a_poster_is_not_for_submitters(login_as):
    assert login_as("vanhoa").get("/publishing/poster/MOLAO/TDP05.pdf").status_code == 403
