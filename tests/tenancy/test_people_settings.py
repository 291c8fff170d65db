"""Settings per ward: a ward's own value (ward_settings) over the installation's (settings), for the
operator-approval setting and the document-symbols reading (broadcast/bulletins/permissions.py
get_setting/set_setting, broadcast/users.py, broadcast/speech/store.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast import tenancy
from broadcast.bulletins import permissions as perm
from broadcast.domain.models import Bulletin, Category, Department, Setting, User, Ward, WardSetting
from broadcast.domain.types import utcnow
from broadcast.speech import store
from tests.conftest import csrf_from

KEY = perm.OPERATOR_MAY_APPROVE_NORMAL


def _ward(session, code: str) -> int:
    return session.scalar(select(Ward.id).where(Ward.code == code))


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize(
    ("installation", "own", "other"),
    [
        (None, None, None),
        (True, None, True),
        (None, False, None),
        (True, False, True),
        (False, True, False),
    ],
)
def test_a_wards_own_value_overrides_the_installations(session, demo, installation, own, other):
    molao, vanphuc = _ward(session, "MOLAO"), _ward(session, "VANPHUC")
    if installation is not None:
        perm.set_setting(session, KEY, installation, ward_id=None)
    if own is not None:
        perm.set_setting(session, KEY, own, ward_id=molao)
    expect_own = own if own is not None else installation
    assert perm.get_setting(session, KEY, "défaut", ward_id=molao) == (
        expect_own if expect_own is not None else "défaut"
    )
    assert perm.get_setting(session, KEY, "défaut", ward_id=vanphuc) == (other if other is not None else "défaut")
    assert perm.get_setting(session, KEY, "défaut", ward_id=None) == (
        installation if installation is not None else "défaut"
    )


def test_the_default_ward_is_the_sessions(runtime, demo):
    with runtime.unit() as s:
        perm.set_setting(s, KEY, True, ward_id=_ward(s, "MOLAO"))
    with runtime.unit() as s:
        tenancy.apply(s, _user(s, "vanhanh"))
        assert perm.get_setting(s, KEY) is True
        perm.set_setting(s, "zz.key", 7)  # a ward user's session writes the ward's own row
    with runtime.unit() as s:
        tenancy.apply(s, _user(s, "vanphuc.vanhanh"))
        assert perm.get_setting(s, KEY) is None and perm.get_setting(s, "zz.key") is None
    with runtime.unit() as s:
        assert s.get(Setting, "zz.key") is None
        assert s.get(WardSetting, (_ward(s, "MOLAO"), "zz.key")).value == 7


def _normal_bulletin(session, dept_code: str, author: str) -> Bulletin:
    today = utcnow().date()
    b = Bulletin(
        title=f"Tin thường {dept_code}",
        body="Nội dung.",
        category=session.scalar(select(Category).where(Category.code == "cchc-tthc")),
        department=session.scalar(select(Department).where(Department.code == dept_code)),
        author=_user(session, author),
        priority="normal",
        status="submitted",
        valid_from=today,
        valid_until=today + timedelta(days=5),
        airings_wanted=1,
        airings_left=1,
        all_stations=True,
    )
    session.add(b)
    session.flush()
    return b


@pytest.mark.parametrize(
    ("installation", "molao_own", "molao_may", "vanphuc_may"),
    [
        (None, None, False, False),
        (None, True, True, False),
        (True, None, True, True),
        (True, False, False, True),
    ],
)
def test_an_operator_approves_by_the_setting_of_the_bulletins_ward(
    session, demo, installation, molao_own, molao_may, vanphuc_may
):
    if installation is not None:
        perm.set_setting(session, KEY, installation, ward_id=None)
    if molao_own is not None:
        perm.set_setting(session, KEY, molao_own, ward_id=_ward(session, "MOLAO"))
    molao_b = _normal_bulletin(session, "VHTT", "vanhoa")
    vanphuc_b = _normal_bulletin(session, "VANPHUC-VP", "vanphuc.vanphong")
    assert perm.can_review(session, _user(session, "vanhanh"), molao_b) is molao_may
    assert perm.can_review(session, _user(session, "vanphuc.vanhanh"), vanphuc_b) is vanphuc_may
    # The approval queue's clause reads the operator's ward's setting.
    for username, bulletin, may in (("vanhanh", molao_b, molao_may), ("vanphuc.vanhanh", vanphuc_b, vanphuc_may)):
        clause = perm.review_clause(session, _user(session, username))
        found = session.scalar(select(Bulletin.id).where(Bulletin.id == bulletin.id, clause))
        assert (found is not None) is may


def _set_on_page(client, value: str):
    token = csrf_from(client.get("/admin/departments").get_data(as_text=True))
    return client.post("/admin/departments", data={"csrf_token": token, "setting": KEY, "value": value})


@pytest.mark.parametrize(
    ("who", "ward", "installation"),
    [("admin", "MOLAO", None), ("tinh.admin", None, True)],
)
def test_the_departments_page_sets_the_admins_level(login_as, session, who, ward, installation):
    client = login_as(who)
    assert _set_on_page(client, "1").status_code == 302
    session.expire_all()
    own = session.scalar(select(WardSetting.value).where(WardSetting.key == KEY))
    assert own is (True if ward else None)
    if ward:
        assert session.scalar(select(WardSetting.ward_id).where(WardSetting.key == KEY)) == _ward(session, ward)
    row = session.get(Setting, KEY)
    assert (row.value if row else None) is installation
    assert 'value="1" selected' in client.get("/admin/departments").get_data(as_text=True)


def test_a_ward_admin_sees_their_wards_value_not_the_installations(login_as, runtime):
    with runtime.unit() as s:
        perm.set_setting(s, KEY, True, ward_id=None)
        perm.set_setting(s, KEY, False, ward_id=_ward(s, "MOLAO"))
    html = login_as("admin").get("/admin/departments").get_data(as_text=True)
    assert 'value="0" selected' in html and 'value="1" selected' not in html


@pytest.mark.parametrize(("installation", "molao", "vanphuc_reads_full"), [(None, True, False), (True, False, True)])
def test_document_symbols_per_ward(session, demo, installation, molao, vanphuc_reads_full):
    if installation is not None:
        store.set_full_symbols(session, installation, ward_id=None)
    store.set_full_symbols(session, molao, ward_id=_ward(session, "MOLAO"))
    assert store.full_symbols(session, _ward(session, "MOLAO")) is molao
    assert store.full_symbols(session, _ward(session, "VANPHUC")) is vanphuc_reads_full
    assert store.reading_for(session, _ward(session, "VANPHUC")).full_symbols is vanphuc_reads_full
