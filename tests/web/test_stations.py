"""The stations page: the operator's output settings, holidays / extra sessions, quiet hours; admin-only fields."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import AuditLog, DateOverride, Programme, Setting, Station
from broadcast.domain.types import utcnow
from broadcast.programme.build import build_day, quiet_hours
from broadcast.programme.calendar import sessions_on
from broadcast.programme.templates import load_schedules
from tests.conftest import csrf_from
from tests.programme.conftest import TableRenderer, next_weekday


@pytest.fixture
def operator(login_as):
    client = login_as("vanhanh")
    client.token = csrf_from(client.get("/admin/stations").get_data(as_text=True))
    return client


def _station(session) -> Station:
    session.expire_all()
    return session.scalar(select(Station).where(Station.code == "MOLAO"))


def _today(settings):
    return utcnow().astimezone(settings.tz).date()


def _last_audit(session) -> AuditLog:
    return session.scalar(select(AuditLog).order_by(AuditLog.id.desc()))


def test_operator_sees_clusters_and_output_but_not_admin_fields(operator):
    html = operator.get("/admin/stations").get_data(as_text=True)
    assert "17 cụm loa" in html and "TDP17" in html and "Đổi đầu ra" in html and "Giờ yên tĩnh" in html
    assert 'name="description"' not in html  # name/description/on-off stay admin-only
    assert (
        operator.post("/admin/stations", data={"csrf_token": operator.token, "station_id": 1, "name": "X"}).status_code
        == 403
    )
    assert operator.get("/admin/users").status_code == 403
    assert operator.get("/admin/departments").status_code == 403
    assert 'href="/admin/stations"' in operator.get("/").get_data(as_text=True)  # in the operator's menu


def test_operator_changes_the_sink_and_the_password_never_shows(operator, session):
    st = _station(session)
    r = operator.post(
        f"/admin/stations/{st.id}/sink",
        data={"csrf_token": operator.token, "sink": "icecast://source:bimat123@10.0.0.5:8000/loa"},
    )
    assert r.status_code == 302
    assert _station(session).sink == "icecast://source:bimat123@10.0.0.5:8000/loa"
    row = _last_audit(session)
    assert row.action == "station.sink" and row.username == "vanhanh"
    assert row.detail["to"] == "icecast://10.0.0.5:8000/loa" and "bimat123" not in str(row.detail)
    html = operator.get("/admin/stations").get_data(as_text=True)
    assert "icecast://10.0.0.5:8000/loa" in html and "bimat123" not in html
    # empty keeps the current value
    operator.post(f"/admin/stations/{st.id}/sink", data={"csrf_token": operator.token, "sink": ""})
    assert _station(session).sink.endswith("@10.0.0.5:8000/loa")


def test_bad_sinks_are_refused_and_change_nothing(operator, session, settings):
    st = _station(session)
    before = st.sink
    for bad, words in (
        ("loa-phuong", "không hợp lệ"),
        ("file:/etc/passwd", "thư mục dữ liệu"),
        ("file:../../x.wav", "thư mục dữ liệu"),
        ("icecast://khong-co-cong/loa", "không hợp lệ"),
    ):
        r = operator.post(
            f"/admin/stations/{st.id}/sink", data={"csrf_token": operator.token, "sink": bad}, follow_redirects=True
        )
        assert words in r.get_data(as_text=True), bad
        assert _station(session).sink == before
    ok = f"file:{settings.data_dir}/luu-tru/"
    operator.post(f"/admin/stations/{st.id}/sink", data={"csrf_token": operator.token, "sink": ok})
    assert _station(session).sink == f"file:{settings.data_dir.resolve()}/luu-tru/"
    operator.post(f"/admin/stations/{st.id}/sink", data={"csrf_token": operator.token, "sink": "export"})
    assert _station(session).sink == "export"


def test_holiday_from_the_web_removes_unlocked_built_sessions_and_survives_a_reload(operator, session, settings):
    today = _today(settings)
    day = next_weekday(today + timedelta(days=1), 3)  # a Wednesday: sang + chieu
    build_day(session, settings, "MOLAO", day, renderer=TableRenderer(), today=today)
    session.commit()
    st = _station(session)
    locked = session.scalar(select(Programme).where(Programme.on_date == day, Programme.session_code == "chieu"))
    locked.locked = True
    session.commit()
    r = operator.post(
        f"/admin/stations/{st.id}/overrides",
        data={"csrf_token": operator.token, "date": day.isoformat(), "kind": "holiday", "note": "Nghỉ lễ"},
        follow_redirects=True,
    )
    html = r.get_data(as_text=True)
    assert "Đã đánh dấu nghỉ" in html and "đã khóa hoặc đã bắt đầu" in html
    session.expire_all()
    assert sessions_on(session, _station(session), day) == []
    codes = set(session.scalars(select(Programme.session_code).where(Programme.on_date == day)))
    assert codes == {"chieu"}  # the locked one is kept, with a message
    row = session.scalar(select(DateOverride).where(DateOverride.on_date == day))
    assert (row.kind, row.session_code, row.source, row.note) == ("holiday", None, "web", "Nghỉ lễ")
    assert _last_audit(session).action == "station.holiday_add"
    # reloading the station file replaces the file's overrides only
    session.add(DateOverride(station_id=st.id, on_date=day + timedelta(days=1), kind="holiday", source="file"))
    session.commit()
    load_schedules(session, settings.schedules_dir, settings.assets_dir, only="MOLAO")
    session.commit()
    left = session.scalars(select(DateOverride).where(DateOverride.station_id == st.id)).all()
    assert [(o.on_date, o.source) for o in left] == [(day, "web")]
    # twice the same holiday: a clear conflict
    r = operator.post(
        f"/admin/stations/{st.id}/overrides",
        data={"csrf_token": operator.token, "date": day.isoformat(), "kind": "holiday"},
        follow_redirects=True,
    )
    assert "đã được đánh dấu nghỉ" in r.get_data(as_text=True)


def test_extra_session_and_its_removal(operator, session, settings):
    today = _today(settings)
    sunday = next_weekday(today + timedelta(days=1), 7)
    st = _station(session)
    data = {
        "csrf_token": operator.token,
        "date": sunday.isoformat(),
        "kind": "extra",
        "session": "sang",
        "start": "07:30",
        "max_minutes": "20",
        "note": "Bầu cử",
    }
    r = operator.post(f"/admin/stations/{st.id}/overrides", data=data, follow_redirects=True)
    assert "Đã thêm buổi phát" in r.get_data(as_text=True)
    specs = sessions_on(session, _station(session), sunday)
    assert [(s.code, s.start.strftime("%H:%M"), s.max_duration_s, s.extra) for s in specs] == [
        ("sang", "07:30", 1200, True)
    ]
    # the same session on a day it already airs is refused
    monday = next_weekday(today + timedelta(days=1), 1)
    r = operator.post(
        f"/admin/stations/{st.id}/overrides", data=dict(data, date=monday.isoformat()), follow_redirects=True
    )
    assert "đã phát theo lịch" in r.get_data(as_text=True)
    for bad, words in (
        (dict(data, date=(today - timedelta(days=1)).isoformat()), "đã qua"),
        (dict(data, date="2025-02-30"), "Ngày không hợp lệ"),
        (dict(data, session="dem"), "không có buổi phát"),
        (dict(data, kind="party"), "Chọn: ngày nghỉ"),
        (dict(data, date=(sunday + timedelta(days=7)).isoformat(), max_minutes="999"), "Thời lượng"),
        (dict(data, date=(sunday + timedelta(days=7)).isoformat(), start="25:00"), "HH:MM"),
    ):
        r = operator.post(f"/admin/stations/{st.id}/overrides", data=bad, follow_redirects=True)
        assert words in r.get_data(as_text=True), bad
    assert session.scalar(select(DateOverride.id).where(DateOverride.on_date != sunday)) is None
    row_id = session.scalar(select(DateOverride.id).where(DateOverride.on_date == sunday))
    operator.post(f"/admin/stations/{st.id}/overrides/{row_id}/delete", data={"csrf_token": operator.token})
    session.expire_all()
    assert session.get(DateOverride, row_id) is None
    assert _last_audit(session).action == "station.extra_delete"
    # rows from the station file cannot be deleted from the web
    file_row = DateOverride(station_id=st.id, on_date=sunday, kind="holiday", source="file")
    session.add(file_row)
    session.commit()
    file_id = file_row.id
    r = operator.post(
        f"/admin/stations/{st.id}/overrides/{file_id}/delete",
        data={"csrf_token": operator.token},
        follow_redirects=True,
    )
    assert "khai báo trong tệp lịch" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(DateOverride, file_id) is not None


def test_quiet_hours_setting(operator, session, settings):
    r = operator.post(
        "/admin/quiet-hours",
        data={"csrf_token": operator.token, "start": "22:00", "end": "05:30"},
        follow_redirects=True,
    )
    assert "22:00-05:30" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Setting, "programme.quiet_hours").value == "22:00-05:30"
    assert [t.strftime("%H:%M") for t in quiet_hours(session, settings)] == ["22:00", "05:30"]
    audit = _last_audit(session)
    assert audit.action == "settings.quiet_hours" and audit.detail["to"] == "22:00-05:30"
    for start, end in (("22:00", "22:00"), ("ab", "05:00"), ("", "")):
        operator.post("/admin/quiet-hours", data={"csrf_token": operator.token, "start": start, "end": end})
        session.expire_all()
        assert session.get(Setting, "programme.quiet_hours").value == "22:00-05:30"


def test_admin_still_edits_name_and_state(login_as, session):
    client = login_as("admin")
    token = csrf_from(client.get("/admin/stations").get_data(as_text=True))
    st = _station(session)
    r = client.post(
        "/admin/stations",
        data={"csrf_token": token, "station_id": st.id, "name": "Đài Mộ Lao mới", "enabled": "1", "description": "ok"},
    )
    assert r.status_code == 302
    assert _station(session).name == "Đài Mộ Lao mới"
    assert _last_audit(session).action == "station.update"
    for role in ("lanhdao", "vanhoa", "xem"):
        assert login_as(role).get("/admin/stations").status_code == 403
