"""Bulletin desk pages: list, form, detail, queue, escaping, per-role navigation, English.
(Users and departments: test_users.py, test_departments.py.)"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import Bulletin
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)
from tests.conftest import csrf_from, login

# an airing window that is still open whenever the suite runs (nobody submits an ended one)
_START = date.today() + timedelta(days=1)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def form_data(page_html: str, **over) -> dict:
    data = {
        "csrf_token": csrf_from(page_html),
        "title": "Thông báo thu gom rác",
        "body": "Từ ngày 1/12, xe thu gom rác đến các tổ dân phố lúc 18h00 hằng ngày.",
        "category": "thong-bao",
        "priority": "normal",
        "valid_from": _START.isoformat(),
        "valid_until": (_START + timedelta(days=30)).isoformat(),
        "airings": "4",
        "action": "save",
    }
    data.update(over)
    return data


def create(client, **over) -> int:
    page = client.get("/bulletins/new").get_data(as_text=True)
    r = client.post("/bulletins/new", data=form_data(page, **over))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(re.search(r"/bulletins/(\d+)$", r.headers["Location"]).group(1))


def post_action(client, bid, name, **data):
    page = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    return client.post(f"/bulletins/{bid}/action/{name}", data={"csrf_token": csrf_from(page), **data})


def switch(client, username, password="loaphuong2025"):
    page = client.get("/").get_data(as_text=True)
    if "csrf_token" in page:
        client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert login(client, username, password).status_code == 302


def test_submitter_writes_saves_and_submits(login_as, session):
    client = login_as("vanhoa")
    form = client.get("/bulletins/new")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "10.000" in html and 'id="body-count"' in html
    assert "bulletins.js" in html and "<script>" not in html.replace("<script src", "")
    bid = create(client, action="submit")
    b = session.get(Bulletin, bid)
    assert b.status == "submitted" and b.department.code == "VHTT" and b.airings_wanted == 4
    detail = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert "Chờ duyệt" in detail and "Gửi duyệt" in detail  # history row


def test_form_errors_are_shown_and_nothing_saved(login_as, session):
    client = login_as("vanhoa")
    before = session.scalar(select(func.count(Bulletin.id)))
    page = client.get("/bulletins/new").get_data(as_text=True)
    for over, text in [
        ({"body": "   "}, "Nội dung không được để trống"),
        ({"valid_until": (_START - timedelta(days=1)).isoformat()}, "không được trước ngày bắt đầu"),
        ({"airings": "0"}, "Số lượt phát phải từ 1"),
        ({"body": "x" * 10001}, "vượt giới hạn 10.000"),
        ({"valid_from": "2025-02-30"}, "không phải ngày hợp lệ"),
    ]:
        r = client.post("/bulletins/new", data=form_data(page, **over))
        assert r.status_code == 400 and text in r.get_data(as_text=True), text
    session.expire_all()
    assert session.scalar(select(func.count(Bulletin.id))) == before


def test_html_in_fields_is_escaped_everywhere(login_as, client):
    login_as("vanhoa")
    bid = create(client, title=XSS, body=XSS, action="submit")
    page = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert XSS not in page and "&lt;script&gt;alert(" in page
    assert XSS not in client.get("/bulletins").get_data(as_text=True)
    post = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    client.post(f"/bulletins/{bid}/comment", data={"csrf_token": csrf_from(post), "comment": XSS})
    assert XSS not in client.get(f"/bulletins/{bid}").get_data(as_text=True)
    switch(client, "lanhdao")
    assert XSS not in client.get("/bulletins/queue").get_data(as_text=True)


def test_approver_approves_from_queue_and_history_shows_it(login_as, client, session):
    login_as("vanhoa")
    bid = create(client, action="submit", title="Tin cần duyệt gấp")
    switch(client, "lanhdao")
    queue = client.get("/bulletins/queue").get_data(as_text=True)
    assert "Tin cần duyệt gấp" in queue
    r = client.post(f"/bulletins/{bid}/action/approve", data={"csrf_token": csrf_from(queue), "back": "queue"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/bulletins/queue")
    assert "Tin cần duyệt gấp" not in client.get("/bulletins/queue").get_data(as_text=True)
    session.expire_all()
    assert session.get(Bulletin, bid).status == "approved"
    detail = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert "Trần Thị Lan" in detail and "Chờ duyệt → Đã duyệt" in detail


def test_reject_needs_reason_and_is_shown_to_submitter(login_as, client, session):
    login_as("vanhoa")
    bid = create(client, action="submit")
    switch(client, "lanhdao")
    r = post_action(client, bid, "reject", reason="")
    assert "Cần ghi lý do" in client.get(r.headers["Location"]).get_data(as_text=True)
    post_action(client, bid, "reject", reason="Thiếu địa điểm.")
    switch(client, "vanhoa")
    page = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert "Bị trả lại" in page and "Thiếu địa điểm." in page


def test_submitter_cannot_approve_own_or_see_other_departments_drafts(login_as, client, session):
    login_as("tuphap")
    other = create(client, title="Nháp của Tư pháp")
    switch(client, "vanhoa")
    assert client.get(f"/bulletins/{other}").status_code == 404
    assert client.get(f"/bulletins/{other}/edit").status_code == 404
    assert "Nháp của Tư pháp" not in client.get("/bulletins?per_page=100").get_data(as_text=True)
    mine = create(client, action="submit")
    assert client.get("/bulletins/queue").status_code == 403
    r = post_action(client, mine, "approve")
    session.expire_all()
    assert session.get(Bulletin, mine).status == "submitted"
    r = client.post(
        f"/bulletins/{other}/action/withdraw",
        data={"csrf_token": csrf_from(client.get("/bulletins").get_data(as_text=True))},
    )
    assert r.status_code == 404


def test_list_filters_and_pagination(login_as):
    client = login_as("admin")
    page = client.get("/bulletins?status=approved").get_data(as_text=True)
    assert page.count('class="bulletin-item"') == 9
    for i in range(22):
        create(client, title=f"Tin số {i:02d}", department="VP")
    first = client.get("/bulletins").get_data(as_text=True)
    assert first.count('class="bulletin-item"') == 20 and "Trang 1 / 2" in first and 'rel="next"' in first
    second = client.get("/bulletins?page=2").get_data(as_text=True)
    assert second.count('class="bulletin-item"') == 14
    assert client.get("/bulletins?q=T%C3%ADn%20s%E1%BB%91%2007").get_data(as_text=True).count(
        'class="bulletin-item"'
    ) in (0, 1)
    assert "Tin số 07" in client.get("/bulletins?q=s%E1%BB%91+07").get_data(as_text=True)
    assert client.get("/bulletins?status=bogus").status_code == 400


def test_edit_approved_goes_back_to_review(login_as, client, session):
    login_as("vanhoa")
    bid = create(client, action="submit")
    switch(client, "lanhdao")
    post_action(client, bid, "approve")
    form = client.get(f"/bulletins/{bid}/edit").get_data(as_text=True)
    assert "đưa tin về chờ duyệt" in form
    client.post(f"/bulletins/{bid}/edit", data=form_data(form, body="Nội dung đã sửa lại."))
    session.expire_all()
    b = session.get(Bulletin, bid)
    assert b.status == "submitted" and b.version == 2 and b.body == "Nội dung đã sửa lại."


def test_operator_edits_spoken_text_only(login_as, client, session):
    login_as("vanhoa")
    bid = create(client, action="submit")
    switch(client, "lanhdao")
    post_action(client, bid, "approve")
    switch(client, "vanhanh")
    form = client.get(f"/bulletins/{bid}/edit").get_data(as_text=True)
    assert 'name="spoken_text"' in form
    data = form_data(form, spoken_text="Từ ngày mùng một tháng mười hai.")
    client.post(f"/bulletins/{bid}/edit", data=data)
    session.expire_all()
    b = session.get(Bulletin, bid)
    assert b.spoken_text == "Từ ngày mùng một tháng mười hai." and b.status == "approved" and b.version == 2


def test_recording_upload_and_preview(login_as, client, tmp_path):
    login_as("vanhoa")
    bid = create(client)
    wav = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=1", str(wav)], check=True)
    page = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert 'id="recorder"' in page and "recorder.js" in page
    assert f"/bulletins/{bid}/preview?v=1" in page  # TTS preview through broadcast.speech.store
    preview = client.get(f"/bulletins/{bid}/preview?v=1")
    assert preview.status_code == 200 and preview.mimetype == "audio/mpeg"
    r = client.post(
        f"/bulletins/{bid}/recording",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(wav.read_bytes()), "doc.wav")},
    )
    assert r.status_code == 302
    page = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert f"/bulletins/{bid}/recording?v=2" in page
    audio = client.get(f"/bulletins/{bid}/recording?v=2")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    bad = client.post(
        f"/bulletins/{bid}/recording",
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(b"not audio at all"), "x.webm")},
    )
    assert bad.status_code == 400 and bad.json["error"]["code"] == "not_audio"
    without_csrf = client.post(
        f"/bulletins/{bid}/recording",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(wav.read_bytes()), "doc.wav")},
    )
    assert without_csrf.status_code == 400


ROUTES = [
    ("/bulletins", {"admin", "operator", "approver", "submitter", "viewer"}),
    ("/bulletins/new", {"admin", "operator", "approver", "submitter"}),
    ("/bulletins/queue", {"admin", "operator", "approver"}),
    ("/admin/users", {"admin"}),
    ("/admin/departments", {"admin"}),
    ("/admin/stations", {"admin", "operator"}),
]
USERS = {"admin": "admin", "operator": "vanhanh", "approver": "lanhdao", "submitter": "vanhoa", "viewer": "xem"}


@pytest.mark.parametrize("role", list(USERS))
def test_route_permissions(login_as, role):
    client = login_as(USERS[role])
    for path, allowed in ROUTES:
        assert client.get(path).status_code == (200 if role in allowed else 403), (path, role)


def test_pages_require_login(client):
    for path, _ in ROUTES:
        assert client.get(path).status_code == 302


def test_english_locale(login_as):
    client = login_as("vanhoa")
    html = client.get("/bulletins/new?lang=en").get_data(as_text=True)
    assert "Write a bulletin" in html and "Save draft" in html and "Bulletins" in html
    assert "Write a bulletin" in client.get("/bulletins/new").get_data(as_text=True)  # the choice sticks
    assert "Viết tin" in client.get("/bulletins/new?lang=vi").get_data(as_text=True)
