"""The approver's per-bulletin "public" choice: the category default, who may choose, the audit row, the
detail page's box, the API's ``public`` / ``public_choice`` and the public page following at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast.bulletins import service
from broadcast.domain.categories import CATEGORY_CODES
from broadcast.domain.models import AuditLog, Bulletin, User
from broadcast.errors import BroadcastError, PermissionDenied, ValidationError
from broadcast.publishing.visibility import is_public
from tests.conftest import csrf_from

VI = set("ảạàáãăâêôơưđíìịốồộớờợệểếềễụủứừửữựýỳỷỹỵ")

# Written out, not derived: notices and "other" often name private persons.
DEFAULT_BY_CATEGORY = {
    "cchc-the-che": True,
    "cchc-tthc": True,
    "cchc-bo-may": True,
    "cchc-cong-vu": True,
    "cchc-tai-chinh": True,
    "cchc-chinh-quyen-so": True,
    "cchc-chung": True,
    "thoi-su": True,
    "thong-bao": False,
    "phap-luat": True,
    "thien-tai": True,
    "y-te": True,
    "van-hoa": True,
    "khac": False,
}


def test_the_table_covers_every_category():
    assert set(DEFAULT_BY_CATEGORY) == set(CATEGORY_CODES)


@pytest.mark.parametrize("category,expected", sorted(DEFAULT_BY_CATEGORY.items()))
def test_default_by_category(make_bulletin, category, expected):
    b = make_bulletin("submitted", category=category)
    assert b.public is None
    assert service.public_state(b) == {"public": expected, "choice": None, "default": expected}
    assert is_public(b) is expected


def _audit_rows(session, bulletin):
    return list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "bulletin.public", AuditLog.object_id == str(bulletin.id))
            .order_by(AuditLog.id)
        )
    )


def test_approver_sets_and_clears_the_choice_with_audit_rows(session, users, make_bulletin):
    b = make_bulletin("approved", category="thong-bao")
    assert service.set_public(session, users["lanhdao"], b, True) is True
    assert b.public is True and is_public(b)
    assert service.set_public(session, users["lanhdao"], b, True) is False  # unchanged: no second row
    assert service.set_public(session, users["admin"], b, None) is True
    assert b.public is None and not is_public(b)
    rows = _audit_rows(session, b)
    assert [(r.username, r.detail) for r in rows] == [
        ("lanhdao", {"from": None, "to": True, "public": True}),
        ("admin", {"from": True, "to": None, "public": False}),
    ]


# The author's submitter, the viewer, an operator (not allowed to approve here): 403; a submitter of
# another department does not see the bulletin at all: 404.
@pytest.mark.parametrize("who,status", [("vanhoa", 403), ("xem", 403), ("vanhanh", 403), ("tuphap", 404)])
def test_who_may_not_choose_is_refused_and_nothing_changes(session, users, make_bulletin, who, status):
    b = make_bulletin("approved", category="phap-luat")
    with pytest.raises(BroadcastError) as caught:
        service.set_public(session, users[who], b, False)
    assert caught.value.http_status == status and VI & set(caught.value.message.lower())
    assert b.public is None and not _audit_rows(session, b)


def test_nobody_chooses_for_their_own_bulletin_but_the_admin(session, users, make_bulletin):
    own = make_bulletin("approved", author="lanhdao", category="phap-luat", department="VP")
    with pytest.raises(PermissionDenied):
        service.set_public(session, users["lanhdao"], own, False)
    assert service.set_public(session, users["admin"], own, False) and own.public is False


@pytest.mark.parametrize("value", ["true", 1, 0, [], {}, "null"])
def test_a_choice_that_is_not_true_false_or_null_is_refused(session, users, make_bulletin, value):
    b = make_bulletin("approved")
    with pytest.raises(ValidationError) as caught:
        service.set_public(session, users["lanhdao"], b, value)
    assert caught.value.field == "public_choice" and b.public is None


# --- the detail page ---------------------------------------------------------------------------------


def _committed(runtime, status="approved", category="thong-bao", author="vanhoa") -> int:
    from tests.bulletins.conftest import bulletin_data

    with runtime.unit() as s:
        user = s.scalar(select(User).where(User.username == author))
        b = service.create_bulletin(s, user, bulletin_data(category=category))
        b.status = status
        s.flush()
        return b.id


def _stored(runtime, bid):
    with runtime.unit() as s:
        return s.get(Bulletin, bid).public


def test_the_detail_page_shows_the_box_to_the_approver_only(runtime, login_as, demo):
    bid = _committed(runtime)
    page = login_as("lanhdao").get(f"/bulletins/{bid}").get_data(as_text=True)
    assert "Đăng lên trang nghe công khai" in page and 'name="public"' in page
    assert "theo mặc định của chuyên mục" in page and 'data-public="off"' in page
    page = login_as("vanhoa").get(f"/bulletins/{bid}").get_data(as_text=True)
    assert 'data-public="off"' in page and 'name="public"' not in page


def test_the_approver_ticks_the_box_then_goes_back_to_the_default(runtime, login_as, demo):
    bid = _committed(runtime)
    client = login_as("lanhdao")
    token = csrf_from(client.get(f"/bulletins/{bid}").get_data(as_text=True))
    r = client.post(f"/bulletins/{bid}/public", data={"csrf_token": token, "public": "1", "action": "save"})
    assert r.status_code == 302 and _stored(runtime, bid) is True
    page = client.get(f"/bulletins/{bid}").get_data(as_text=True)
    assert 'data-public="on"' in page and "do người duyệt chọn" in page
    assert "Chọn đăng lên trang nghe công khai" in page  # the history line
    client.post(f"/bulletins/{bid}/public", data={"csrf_token": token, "action": "default"})
    assert _stored(runtime, bid) is None


def test_ticking_what_the_category_gives_keeps_following_the_category(runtime, login_as, demo):
    bid = _committed(runtime, category="y-te")
    client = login_as("lanhdao")
    token = csrf_from(client.get(f"/bulletins/{bid}").get_data(as_text=True))
    client.post(f"/bulletins/{bid}/public", data={"csrf_token": token, "public": "1"})
    assert _stored(runtime, bid) is None
    client.post(f"/bulletins/{bid}/public", data={"csrf_token": token})  # unticked: a choice
    assert _stored(runtime, bid) is False


def test_a_submitter_cannot_post_the_choice(runtime, login_as, demo):
    bid = _committed(runtime)
    client = login_as("vanhoa")
    token = csrf_from(client.get(f"/bulletins/{bid}").get_data(as_text=True))
    r = client.post(f"/bulletins/{bid}/public", data={"csrf_token": token, "public": "1"})
    assert r.status_code == 403 and _stored(runtime, bid) is None


# --- the API -------------------------------------------------------------------------------------------


@pytest.fixture
def api(client, api_token):
    def call(username, method, path, **kw):
        headers = {"Authorization": f"Bearer {api_token(username)}"}
        return getattr(client, method)("/api/v1" + path, headers=headers, **kw)

    return call


def _error(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert VI & set(error["message"].lower()), error
    if field:
        assert error.get("field") == field, error
    return error


def test_api_shows_the_effective_value_and_the_choice(runtime, api):
    bid = _committed(runtime, category="khac")
    b = api("lanhdao", "get", f"/bulletins/{bid}").json
    assert b["public"] is False and b["public_choice"] is None
    b = api("lanhdao", "patch", f"/bulletins/{bid}", json={"public_choice": True}).json
    assert b["public"] is True and b["public_choice"] is True
    b = api("lanhdao", "patch", f"/bulletins/{bid}", json={"public_choice": None}).json
    assert b["public"] is False and b["public_choice"] is None
    assert _stored(runtime, bid) is None


@pytest.mark.parametrize("value", ["true", 1, [True], {"on": True}])
def test_api_refuses_a_choice_of_the_wrong_type(runtime, api, value):
    bid = _committed(runtime)
    _error(api("lanhdao", "patch", f"/bulletins/{bid}", json={"public_choice": value}), 400, "public_choice")
    assert _stored(runtime, bid) is None


def test_api_refuses_a_submitter_and_changes_nothing_else(runtime, api):
    bid = _committed(runtime, status="draft")
    r = api("vanhoa", "patch", f"/bulletins/{bid}", json={"public_choice": True, "title": "Tiêu đề mới hẳn"})
    error = _error(r, 403, "public_choice")
    assert "lãnh đạo" in error["message"].lower()
    assert api("vanhoa", "get", f"/bulletins/{bid}").json["title"] != "Tiêu đề mới hẳn"
    assert _stored(runtime, bid) is None


def test_api_public_itself_is_read_only(runtime, api):
    bid = _committed(runtime)
    error = _error(api("lanhdao", "patch", f"/bulletins/{bid}", json={"public": True}), 400, "public")
    assert "public_choice" in error["message"]


def test_the_public_page_follows_a_change_at_once(client, api, request):
    bid = request.getfixturevalue("published")["public"][0]  # the fixture imported above
    title = "Thủ tục cấp căn cước trực tuyến"
    assert title in client.get("/nghe/MOLAO/").get_data(as_text=True)  # now kept in the page cache
    r = api("lanhdao", "patch", f"/bulletins/{bid}", json={"public_choice": False})
    assert r.status_code == 200 and r.json["public"] is False
    assert title not in client.get("/nghe/MOLAO/").get_data(as_text=True)
    assert client.get(f"/nghe/MOLAO/tin/{bid}").status_code == 404
