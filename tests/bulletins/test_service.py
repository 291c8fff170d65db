"""Validation, editing rules, visibility, queries and duration estimates."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from broadcast.bulletins import permissions, queries, service, workflow
from broadcast.domain.models import AuditLog, Bulletin
from broadcast.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .conftest import bulletin_data

BAD_INPUT = [
    ({"title": ""}, "title"),
    ({"title": "   \n\t "}, "title"),
    ({"body": ""}, "body"),
    ({"body": "  \n  "}, "body"),
    ({"body": "x" * (service.MAX_BODY + 1)}, "body"),
    ({"title": "x" * (service.MAX_TITLE + 1)}, "title"),
    ({"body": 42}, "body"),
    ({"body": "abc\x00def"}, "body"),
    ({"valid_from": "2025-02-30"}, "valid_from"),
    ({"valid_from": "hôm nay"}, "valid_from"),
    ({"valid_until": ""}, "valid_until"),
    ({"valid_from": "2025-10-10", "valid_until": "2025-10-09"}, "valid_until"),
    ({"category": "khong-co"}, "category"),
    ({"category": None}, "category"),
    ({"department": "XYZ"}, "department"),
    ({"stations": ["KHONGCO"]}, "stations"),
    ({"stations": "MOLAO"}, "stations"),
    ({"airings": 0}, "airings"),
    ({"airings": -3}, "airings"),
    ({"airings": "ba"}, "airings"),
    ({"airings": True}, "airings"),
    ({"airings": 2.5}, "airings"),
    ({"priority": "urgent"}, "priority"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize("override,field", BAD_INPUT, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_INPUT)])
def test_bad_input_is_refused_with_a_vietnamese_message_and_nothing_changes(session, users, override, field):
    before = session.scalar(select(func.count(Bulletin.id)))
    with pytest.raises(ValidationError) as info:
        service.create_bulletin(session, users["vanhoa"], bulletin_data(**override))
    assert info.value.field == field
    assert info.value.http_status == 400
    assert any(ch in info.value.message for ch in "ảạàáãăâêôơưđíìịốồộớờợ") or "không" in info.value.message
    assert session.scalar(select(func.count(Bulletin.id))) == before


def test_limit_is_inclusive(session, users):
    b = service.create_bulletin(session, users["vanhoa"], bulletin_data(body="a" * service.MAX_BODY))
    assert len(b.body) == service.MAX_BODY


def test_create_defaults_to_own_department_and_all_stations(session, users):
    data = bulletin_data()
    del data["department"]
    b = service.create_bulletin(session, users["tuphap"], data)
    assert b.department.code == "TP" and b.all_stations and b.status == "draft" and b.version == 1
    assert b.airings_wanted == b.airings_left == 3


def test_submitter_cannot_write_for_another_department(session, users):
    with pytest.raises(PermissionDenied):
        service.create_bulletin(session, users["vanhoa"], bulletin_data(department="TP"))


def test_viewer_cannot_create(session, users):
    with pytest.raises(PermissionDenied):
        service.create_bulletin(session, users["xem"], bulletin_data())


def test_create_with_submit_goes_to_review_and_is_audited(session, users):
    b = service.create_bulletin(session, users["vanhoa"], bulletin_data(submit=True, stations=["MOLAO"]))
    assert b.status == "submitted" and [s.code for s in b.stations] == ["MOLAO"] and not b.all_stations
    actions = [r.action for r in queries.history(session, b)]
    assert actions == ["bulletin.create", "bulletin.submit"]


def test_html_is_stored_as_text(session, users):
    b = service.create_bulletin(session, users["vanhoa"], bulletin_data(title="<script>alert(1)</script>"))
    assert b.title == "<script>alert(1)</script>"


def test_editing_approved_text_sends_it_back_to_review_and_bumps_version(session, users, make_bulletin):
    b = make_bulletin("approved")
    b.approved_by = users["lanhdao"]
    service.update_bulletin(session, users["lanhdao"], b, {"body": "Nội dung mới."})
    assert b.status == "submitted" and b.version == 2 and b.approved_by is None
    actions = [r.action for r in queries.history(session, b)]
    assert actions[-2:] == ["bulletin.update", "bulletin.requeue"]


def test_changing_dates_of_an_approved_bulletin_keeps_it_approved(session, users, make_bulletin):
    b = make_bulletin("approved")
    service.update_bulletin(session, users["vanhanh"], b, {"airings": 5})
    assert b.status == "approved" and b.version == 1 and b.airings_wanted == 5


def test_operator_edits_spoken_text_without_touching_body_or_state(session, users, make_bulletin):
    b = make_bulletin("approved")
    body = b.body
    service.update_bulletin(session, users["vanhanh"], b, {"spoken_text": "Trạm Y tế phường tổ chức tiêm chủng."})
    assert b.body == body and b.status == "approved" and b.version == 2
    assert b.text_to_speak == "Trạm Y tế phường tổ chức tiêm chủng."
    service.update_bulletin(session, users["vanhanh"], b, {"spoken_text": ""})
    assert b.spoken_text is None and b.version == 3


@pytest.mark.parametrize("who", ["vanhoa", "lanhdao", "xem"])
def test_only_operator_edits_spoken_text(session, users, make_bulletin, who):
    b = make_bulletin("submitted")
    with pytest.raises(PermissionDenied):
        service.update_bulletin(session, users[who], b, {"spoken_text": "khác"})
    assert b.spoken_text is None and b.version == 1


def test_submitter_cannot_edit_after_approval(session, users, make_bulletin):
    b = make_bulletin("approved")
    with pytest.raises(Conflict):
        service.update_bulletin(session, users["vanhoa"], b, {"body": "Sửa"})


def test_nobody_edits_completed(session, users, make_bulletin):
    b = make_bulletin("completed")
    with pytest.raises(Conflict):
        service.update_bulletin(session, users["admin"], b, {"title": "Sửa"})


def test_submitter_cannot_see_or_change_another_departments_draft(session, users, make_bulletin):
    b = make_bulletin("draft", author="tuphap", department="TP")
    with pytest.raises(NotFound):
        service.get_visible(session, users["vanhoa"], b.id)
    with pytest.raises(NotFound):
        service.update_bulletin(session, users["vanhoa"], b, {"title": "Của tôi"})
    with pytest.raises(NotFound):
        service.add_comment(session, users["vanhoa"], b, "xem được không?")
    page = queries.list_bulletins(session, users["vanhoa"])
    assert all(item.department.code == "VHTT" for item in page.items)
    assert b.id not in [i.id for i in queries.list_bulletins(session, users["lanhdao"]).items]
    assert b.id in [i.id for i in queries.list_bulletins(session, users["tuphap"]).items]


def test_list_filters_and_pagination(session, users, make_bulletin):
    for i in range(5):
        make_bulletin("submitted", title=f"Tin kiểm thử số {i}", category="thong-bao")
    page = queries.list_bulletins(session, users["admin"], status="submitted", category="thong-bao", per_page=2, page=2)
    assert page.total == 5 and len(page.items) == 2 and page.pages == 3 and page.has_next and page.has_prev
    found = queries.list_bulletins(session, users["admin"], q="KIỂM THỬ SỐ 3")
    assert [b.title for b in found.items] == ["Tin kiểm thử số 3"]
    assert queries.list_bulletins(session, users["admin"], q="100%").total == 1  # the demo's "100% hồ sơ"
    assert queries.list_bulletins(session, users["admin"], q="1_0%").total == 0  # LIKE wildcards are literal
    assert queries.list_bulletins(session, users["admin"], department="YTE").total == 2
    with pytest.raises(ValidationError):
        queries.list_bulletins(session, users["admin"], status="bogus")
    with pytest.raises(ValidationError):
        queries.list_bulletins(session, users["admin"], page="0")


def test_list_has_no_n_plus_one(session, users, make_bulletin):
    for _i in range(6):
        make_bulletin("submitted", stations=["MOLAO"])
    session.commit()
    session.expunge_all()
    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        admin = session.get(type(users["admin"]), users["admin"].id)
        page = queries.list_bulletins(session, admin, per_page=50)
        for b in page.items:
            _ = (
                b.category.name,
                b.department.name,
                b.author.full_name,
                [s.code for s in b.stations],
                b.approved_by and b.approved_by.username,
            )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(page.items) >= 18
    # user, count, page, then one select-in each for category, department, author, stations, approver
    assert len(statements) <= 8, len(statements)


def test_approval_queue_orders_emergency_first_and_hides_own(session, users, make_bulletin):
    normal = make_bulletin("submitted")
    urgent = make_bulletin("submitted", priority="emergency")
    own = make_bulletin("submitted", author="lanhdao", department="VP")
    queue = queries.approval_queue(session, users["lanhdao"]).items
    ids = [b.id for b in queue]
    assert ids[0] == urgent.id and normal.id in ids and own.id not in ids
    assert queries.queue_count(session, users["lanhdao"]) == len(ids)
    assert queries.queue_count(session, users["vanhanh"]) == 0
    permissions.set_setting(session, permissions.OPERATOR_MAY_APPROVE_NORMAL, True)
    op_queue = [b.id for b in queries.approval_queue(session, users["vanhanh"]).items]
    assert normal.id in op_queue and urgent.id not in op_queue


def test_comments_are_kept_and_audited(session, users, make_bulletin):
    b = make_bulletin("submitted")
    service.add_comment(session, users["lanhdao"], b, "  Thêm giờ cụ thể.  ")
    with pytest.raises(ValidationError):
        service.add_comment(session, users["lanhdao"], b, "   ")
    with pytest.raises(PermissionDenied):
        service.add_comment(session, users["xem"], b, "ý kiến")
    assert [c.body for c in queries.comments(session, b)] == ["Thêm giờ cụ thể."]
    assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "bulletin.comment"


@pytest.mark.parametrize("text,seconds", [("", 0), ("   ", 0), ("a" * 14, 1), ("a" * 15, 2), ("a" * 1400, 100)])
def test_estimated_duration(text, seconds):
    assert service.estimate_seconds(text) == seconds


def test_format_duration():
    assert service.format_duration(75) == "1 phút 15 giây" and service.format_duration(9) == "9 giây"


def test_status_labels_cover_every_state():
    from broadcast.domain.models import BulletinStatus

    assert set(workflow.STATUS_LABELS) == {s.value for s in BulletinStatus}
