"""Lexicon per ward: a ward's entries over the province's, per-ward versions, renditions read with the
lexicon of the bulletin's ward, invalidation by level, and the page and API for ward and province users
(broadcast/speech/store.py, web/admin/lexicon.py, web/api/lexicon.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import Bulletin, Category, Department, LexiconEntry, User, Ward
from broadcast.domain.types import utcnow
from broadcast.speech import store
from tests.conftest import csrf_from

PROVINCE_SAYS, MOLAO_SAYS = "xíp pát tỉnh", "xi pát phường"
TEXT = "Chỉ số SIPAS của phường tăng."


def _ward(session, code: str | None) -> int | None:
    return session.scalar(select(Ward.id).where(Ward.code == code)) if code else None


@pytest.fixture
def entries(session, demo):
    """SIPAS province-wide, and Mộ Lao's own reading of it; Vạn Phúc has none."""
    store.set_lexicon_entry(session, "SIPAS", PROVINCE_SAYS, ward_id=None)
    store.set_lexicon_entry(session, "SIPAS", MOLAO_SAYS, ward_id=_ward(session, "MOLAO"))
    store.set_lexicon_entry(session, "ZZMOLAO", "dét dét phường", ward_id=_ward(session, "MOLAO"))
    return session


@pytest.mark.parametrize(
    ("ward", "lexicon"),
    [
        ("MOLAO", {"SIPAS": MOLAO_SAYS, "ZZMOLAO": "dét dét phường"}),
        ("VANPHUC", {"SIPAS": PROVINCE_SAYS}),
        (None, {"SIPAS": PROVINCE_SAYS}),
    ],
)
def test_a_ward_reads_with_the_provinces_entries_and_its_own(entries, ward, lexicon):
    assert store.operator_lexicon(entries, _ward(entries, ward)) == lexicon


def test_versions_differ_where_lexicons_differ(session, demo):
    molao, vanphuc, kienhung = (_ward(session, c) for c in ("MOLAO", "VANPHUC", "KIENHUNG"))

    def versions():
        return tuple(store.lexicon_version(session, w) for w in (None, molao, vanphuc, kienhung))

    assert versions() == (0, 0, 0, 0)
    store.set_lexicon_entry(session, "SIPAS", PROVINCE_SAYS, ward_id=None)
    assert versions() == (1, 1, 1, 1)
    store.set_lexicon_entry(session, "SIPAS", MOLAO_SAYS, ward_id=molao)
    assert versions() == (1, 2, 1, 1)
    store.set_lexicon_entry(session, "TDP", "dét dét phường", ward_id=vanphuc)
    assert versions() == (1, 2, 3, 1)
    # A province change: every ward's lexicon changes; those with entries of their own get a version each.
    store.set_lexicon_entry(session, "PAR", "pa", ward_id=None)
    province, m, v, k = versions()
    assert province == k == 4 and len({province, m, v}) == 3 and min(m, v) > province
    store.delete_lexicon_entry(session, "SIPAS", molao)  # Mộ Lao reads the province's SIPAS again
    assert store.operator_lexicon(session, molao) == store.operator_lexicon(session, kienhung)


def _bulletin(session, dept_code: str, body: str = TEXT) -> Bulletin:
    dept = session.scalar(select(Department).where(Department.code == dept_code))
    author = session.scalar(select(User).where(User.department_id == dept.id, User.role == "submitter"))
    today = utcnow().date()
    b = Bulletin(
        title=f"SIPAS {dept_code}",
        body=body,
        category=session.scalar(select(Category).where(Category.code == "cchc-tthc")),
        department=dept,
        author=author,
        priority="normal",
        status="approved",
        valid_from=today,
        valid_until=today + timedelta(days=5),
        airings_wanted=1,
        airings_left=1,
        all_stations=True,
    )
    session.add(b)
    session.flush()
    return b


@pytest.mark.parametrize("batch", [False, True])
def test_a_rendition_is_read_with_the_lexicon_of_its_bulletins_ward(entries, settings, batch):
    session = entries
    bulletins = [_bulletin(session, code) for code in ("VHTT", "VANPHUC-VP", "STTTT")]
    if batch:
        rows = store.render_bulletins(session, bulletins, settings, workers=1)
    else:
        rows = [store.render_bulletin(session, b, settings) for b in bulletins]
    molao, vanphuc, province = rows
    assert MOLAO_SAYS in molao.spoken_text and PROVINCE_SAYS not in molao.spoken_text
    assert PROVINCE_SAYS in vanphuc.spoken_text and PROVINCE_SAYS in province.spoken_text
    assert molao.lexicon_version == store.lexicon_version(session, _ward(session, "MOLAO"))
    assert vanphuc.lexicon_version == store.lexicon_version(session, None) != molao.lexicon_version
    assert len({molao.content_hash, vanphuc.content_hash}) == 2


def test_a_change_marks_stale_only_the_renditions_of_its_level(entries, settings):
    session = entries
    molao_b, vanphuc_b = _bulletin(session, "VHTT"), _bulletin(session, "VANPHUC-VP")
    molao_r, vanphuc_r = (store.render_bulletin(session, b, settings) for b in (molao_b, vanphuc_b))
    # Mộ Lao's change: its bulletin only.
    change = store.save_lexicon_entry(session, "SIPAS", "xi pát mới", ward_id=_ward(session, "MOLAO"))
    assert change.stale == 1 and molao_r.stale and not vanphuc_r.stale
    molao_r = store.render_bulletin(session, molao_b, settings)
    # The province's change of a term Mộ Lao overrides: Vạn Phúc's bulletin only.
    change = store.save_lexicon_entry(session, "SIPAS", "xíp pát mới", ward_id=None)
    assert change.stale == 1 and vanphuc_r.stale and not molao_r.stale


# --- the page and the API --------------------------------------------------------------------------


def _save(client, **form):
    token = csrf_from(client.get("/lexicon").get_data(as_text=True))
    return client.post("/lexicon", data={"csrf_token": token, **form})


def _levels(session) -> list[tuple]:
    session.expire_all()
    return sorted(session.execute(select(LexiconEntry.ward_id, LexiconEntry.term, LexiconEntry.spoken)).all(), key=repr)


@pytest.mark.parametrize(
    ("who", "ward"),
    [("vanhanh", "MOLAO"), ("vanphuc.vanhanh", "VANPHUC"), ("tinh.admin", None)],
)
def test_a_new_entry_is_the_editors_level(login_as, session, demo, who, ward):
    client = login_as(who)
    assert _save(client, term="HTX", spoken="hợp tác xã").status_code == 302
    session.expire_all()
    assert session.scalar(select(LexiconEntry.ward_id).where(LexiconEntry.term == "HTX")) == _ward(session, ward)


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("vanhanh", [MOLAO_SAYS, PROVINCE_SAYS, "dét dét phường", "phường đã thay"], []),
        ("vanphuc.vanhanh", [PROVINCE_SAYS], [MOLAO_SAYS, "dét dét phường"]),
        ("tinh.admin", [PROVINCE_SAYS], [MOLAO_SAYS, "dét dét phường"]),
    ],
)
def test_the_page_lists_the_province_and_the_wards_entries(login_as, entries, who, shown, hidden):
    entries.commit()
    html = login_as(who).get("/lexicon").get_data(as_text=True)
    assert all(text in html for text in shown) and not any(text in html for text in hidden)


def test_a_ward_operator_overrides_but_never_changes_the_provinces_entry(login_as, entries):
    entries.commit()
    province_only = "PAR"
    store.set_lexicon_entry(entries, province_only, "pa", ward_id=None)
    entries.commit()
    client = login_as("vanphuc.vanhanh")
    html = client.get("/lexicon").get_data(as_text=True)
    # The province's entries carry no delete form for a ward operator; "edit" starts the ward's own.
    assert f'name="term" value="{province_only}"' not in html and "Đổi cách đọc cho phường" in html
    assert 'value="pa"' in client.get(f"/lexicon?edit={province_only}").get_data(as_text=True)
    before = _levels(entries)
    token = csrf_from(html)
    deleted = client.post("/lexicon/delete", data={"csrf_token": token, "term": province_only}, follow_redirects=True)
    assert "Không có mục từ điển phát âm này." in deleted.get_data(as_text=True)
    assert _levels(entries) == before
    _save(client, term=province_only, spoken="pa phường")
    vanphuc = _ward(entries, "VANPHUC")
    assert set(_levels(entries)) - set(before) == {(vanphuc, province_only, "pa phường")}
    assert store.operator_lexicon(entries, vanphuc)[province_only] == "pa phường"
    assert store.operator_lexicon(entries, None)[province_only] == "pa"


def test_the_api_per_ward(client, api_token, entries):
    entries.commit()

    def call(method, url, who, **kw):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {api_token(who)}"}, **kw)

    molao = call("GET", "/api/v1/lexicon", "vanhanh").get_json()
    vanphuc = call("GET", "/api/v1/lexicon", "vanphuc.vanhanh").get_json()
    assert {e["term"]: e["spoken"] for e in vanphuc["entries"]} == {"SIPAS": PROVINCE_SAYS}
    assert molao["version"] != vanphuc["version"]
    normalized = call("POST", "/api/v1/normalize", "vanphuc.vanhanh", json={"text": TEXT}).get_json()
    assert PROVINCE_SAYS in normalized["spoken"] and normalized["lexicon_version"] == vanphuc["version"]
    assert MOLAO_SAYS in call("POST", "/api/v1/normalize", "vanhanh", json={"text": TEXT}).get_json()["spoken"]
    # Deleting Mộ Lao's entry or the province's from Vạn Phúc: as for a missing entry; nothing changes.
    before = _levels(entries)
    for term in ("ZZMOLAO", "SIPAS", "KHONGCO"):
        response = call("DELETE", f"/api/v1/lexicon/{term}", "vanphuc.vanhanh")
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == "Không có mục từ điển phát âm này."
    assert _levels(entries) == before
    put = call("PUT", "/api/v1/lexicon/SIPAS", "vanphuc.vanhanh", json={"spoken": "xíp pát vạn phúc"})
    assert put.status_code == 200 and put.get_json()["entry"]["spoken"] == "xíp pát vạn phúc"
    assert entries.scalar(select(func.count(LexiconEntry.id)).where(LexiconEntry.term == "SIPAS")) == 3
