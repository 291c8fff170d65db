"""The programme pages: timeline, edits through the forms, preview, export, week, dashboard widget."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import Programme
from broadcast.programme.build import build_day
from tests.conftest import csrf_from

from .conftest import TableRenderer, next_weekday


def test_day_page_shows_the_timeline_and_edits(session, settings, login_as, today, runtime):
    on = next_weekday(today + timedelta(days=1), 2)
    build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    session.commit()
    client = login_as("vanhanh")
    page = client.get(f"/programmes?station=MOLAO&date={on}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Buổi sáng" in html and "06:00:00" in html and 'class="seg kind-asset' in html
    assert "cat-cchc-" in html and "data-pct=" in html and "Chuyên mục Cải cách hành chính" in html
    assert "style=" not in html and "<script>" not in html  # CSP: no inline style or script
    token = csrf_from(html)
    p = session.scalar(select(Programme).where(Programme.on_date == on, Programme.session_code == "sang"))
    second_id = p.items[1].id
    r = client.post(f"/programmes/{p.id}/items/{second_id}/move", data={"csrf_token": token, "direction": "up"})
    assert r.status_code == 302
    session.expire_all()
    p = session.get(Programme, p.id)
    assert p.items[0].id == second_id
    r = client.post(f"/programmes/{p.id}/items/{second_id}/remove", data={"csrf_token": token})
    session.expire_all()
    assert second_id not in [i.id for i in session.get(Programme, p.id).items]
    r = client.post(f"/programmes/{p.id}/lock", data={"csrf_token": token, "locked": "1"})
    session.expire_all()
    assert session.get(Programme, p.id).locked
    html = client.get(f"/programmes?station=MOLAO&date={on}").get_data(as_text=True)
    assert "Đã khóa" in html and "Mở khóa" in html
    # a locked session refuses edits with a message
    r = client.post(
        f"/programmes/{p.id}/items/{p.items[0].id}/remove", data={"csrf_token": token}, follow_redirects=True
    )
    assert "đã khóa" in r.get_data(as_text=True)


def test_build_button_and_week_view(login_as, today):
    on = next_weekday(today + timedelta(days=1), 6)  # Saturday: no session, fast
    client = login_as("vanhanh")
    token = csrf_from(client.get(f"/programmes?station=MOLAO&date={on}").get_data(as_text=True))
    r = client.post(
        "/programmes/build",
        data={"csrf_token": token, "station": "MOLAO", "date": on.isoformat()},
        follow_redirects=True,
    )
    assert "không có buổi phát" in r.get_data(as_text=True)
    week = client.get(f"/programmes/week?station=MOLAO&date={on}").get_data(as_text=True)
    assert week.count('class="card week-day') == 7 and "Chưa dựng" in week and "Chủ nhật" in week


def test_viewers_read_but_do_not_edit(session, settings, login_as, today):
    on = next_weekday(today + timedelta(days=1), 1)
    build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    session.commit()
    client = login_as("xem")
    html = client.get(f"/programmes?station=MOLAO&date={on}").get_data(as_text=True)
    assert "Nhạc hiệu" in html and "Dựng" not in html and "direction" not in html
    p = session.scalar(select(Programme).where(Programme.on_date == on))
    token = csrf_from(html)
    assert client.post(f"/programmes/{p.id}/lock", data={"csrf_token": token}).status_code == 403
    assert client.post("/programmes/build", data={"csrf_token": token, "station": "MOLAO"}).status_code == 403
    assert client.get(f"/programmes/export?station=MOLAO&date={on}").status_code == 403


def test_bad_station_or_date_is_a_message(login_as):
    client = login_as("vanhanh")
    r = client.get("/programmes?station=NOPE&date=2025-10-01")
    assert r.status_code == 200 and "Không có đài" in r.get_data(as_text=True)
    r = client.get("/programmes?station=MOLAO&date=1/10/2025")
    assert r.status_code == 200 and "YYYY-MM-DD" in r.get_data(as_text=True)


def test_audio_preview_and_export(login_as, rendered_day, session):
    on, progs = rendered_day
    client = login_as("vanhanh")
    html = client.get(f"/programmes?station=MOLAO&date={on}").get_data(as_text=True)
    src = re.search(r'src="(/programmes/items/\d+/audio)"', html).group(1)
    r = client.get(src)
    assert r.status_code == 200 and r.mimetype == "audio/mpeg" and len(r.data) > 1000
    r.close()
    preview = client.get(f"/programmes/{progs[0].id}/preview")
    assert preview.status_code == 200 and preview.mimetype == "audio/mpeg"
    preview.close()
    z = client.get(f"/programmes/export?station=MOLAO&date={on}")
    assert z.status_code == 200 and z.mimetype == "application/zip"
    z.close()


def test_dashboard_widget_lists_todays_sessions(login_as, session, settings, today):
    client = login_as("vanhanh")
    html = client.get("/").get_data(as_text=True)
    assert "Buổi phát hôm nay" in html
    if today.isoweekday() <= 5:
        assert "Buổi sáng" in html and "Chưa dựng" in html
    else:
        assert "không có buổi phát" in html


def test_move_to_a_position_as_drag_and_drop_posts_it(session, settings, login_as, today):
    on = next_weekday(today + timedelta(days=1), 4)
    build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    session.commit()
    client = login_as("vanhanh")
    html = client.get(f"/programmes?station=MOLAO&date={on}").get_data(as_text=True)
    assert 'draggable="true"' in html and "data-move=" in html
    p = session.scalar(select(Programme).where(Programme.on_date == on, Programme.session_code == "sang"))
    first_id = p.items[0].id
    r = client.post(f"/programmes/{p.id}/items/{first_id}/move", data={"csrf_token": csrf_from(html), "position": "3"})
    assert r.status_code == 302
    session.expire_all()
    assert [i.id for i in session.get(Programme, p.id).items].index(first_id) == 2


def test_insert_a_relay_from_the_day_page(session, settings, login_as, today):
    from broadcast.domain.models import UpstreamSource

    on = next_weekday(today + timedelta(days=1), 2)
    build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    session.add(UpstreamSource(code="TINH", name="Đài tỉnh", url="http://127.0.0.1:9/tinh", category="province"))
    session.commit()
    client = login_as("vanhanh")
    html = client.get(f"/programmes?station=MOLAO&date={on}").get_data(as_text=True)
    assert "Chèn tiếp sóng" in html and 'value="TINH"' in html and 'value="nhac-nen.mp3"' in html
    p = session.scalar(select(Programme).where(Programme.on_date == on, Programme.session_code == "sang"))
    form = {"csrf_token": csrf_from(html), "source": "TINH", "minutes": "10", "fallback": "skip", "position": "1"}
    r = client.post(f"/programmes/{p.id}/insert-relay", data=form, follow_redirects=True)
    assert "Đã chèn tiếp sóng vào buổi." in r.get_data(as_text=True)
    session.expire_all()
    first = min(session.get(Programme, p.id).items, key=lambda i: i.position)
    assert (first.kind, first.duration_ms, first.relay["upstream"]) == ("relay", 600_000, "Đài tỉnh")
    bad = client.post(f"/programmes/{p.id}/insert-relay", data={**form, "minutes": "900"}, follow_redirects=True)
    assert "Tiếp sóng: phải là số phút trong khoảng (0, 240]." in bad.get_data(as_text=True)
