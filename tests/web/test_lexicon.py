"""Pronunciation lexicon pages and API: edits, versioning, invalidation by effect, bad input, roles."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from broadcast.domain.models import AudioRendition, AuditLog, Bulletin, LexiconEntry, Ward
from broadcast.speech import store
from broadcast.speech.normalize import normalize
from tests.conftest import csrf_from

SIPAS_TEXT = "Chỉ số SIPAS của phường tăng hai bậc."
UBND_TEXT = "UBND phường thông báo lịch họp."


@pytest.fixture
def renditions(runtime, demo):
    """Two bulletins with a live (fake) rendition each: one mentions SIPAS, one does not."""
    with runtime.unit() as s:
        bulletins = s.scalars(select(Bulletin).order_by(Bulletin.id)).all()[:2]
        ids = {}
        for b, text, key in zip(bulletins, (SIPAS_TEXT, UBND_TEXT), ("sipas", "ubnd")):
            b.body, b.spoken_text, b.recording_path = text, None, None
            row = AudioRendition(
                content_hash=key * 8,
                bulletin_id=b.id,
                bulletin_version=b.version,
                engine="espeak",
                voice="vi",
                lexicon_version=0,
                spoken_text=normalize(text),
                path=f"/nonexistent/{key}.mp3",
                duration_ms=1000,
                stale=False,
            )
            s.add(row)
            s.flush()
            ids[key] = row.id
    return ids


def _stale(runtime, ids) -> dict[str, bool]:
    with runtime.unit() as s:
        return {k: s.get(AudioRendition, v).stale for k, v in ids.items()}


def _page(client, url="/lexicon"):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _save(client, **form):
    token = csrf_from(_page(client))
    return client.post("/lexicon", data={"csrf_token": token, **form})


def _molao(s) -> int:
    """The demo ward: its operators' entries and settings are the ward's own (per-ward lexicons:
    tests/tenancy/test_people_lexicon.py)."""
    return s.scalar(select(Ward.id).where(Ward.code == "MOLAO"))


def _entries(runtime) -> dict[str, str]:
    with runtime.unit() as s:
        return store.operator_lexicon(s, _molao(s))


# --- pages -----------------------------------------------------------------------------------


def test_page_lists_defaults_and_operator_entries_for_every_role(login_as, runtime):
    with runtime.unit() as s:
        store.set_lexicon_entry(s, "SIPAS", "xíp pát", note="chỉ số hài lòng")
    client = login_as("xem")
    html = _page(client)
    assert "Từ điển phát âm" in html
    assert "UBND" in html and "ủy ban nhân dân" in html  # shipped default
    assert "xíp pát" in html and "chỉ số hài lòng" in html  # operator entry
    assert 'id="lex-form"' not in html and "/lexicon/delete" not in html  # a viewer only reads
    assert 'href="/lexicon"' in html  # the menu entry


def test_operator_adds_edits_and_deletes_with_audit(login_as, runtime, renditions):
    client = login_as("vanhanh")
    response = _save(client, term=" SIPAS ", spoken="xíp pát", note="")
    assert response.status_code == 302
    assert _entries(runtime) == {"SIPAS": "xíp pát"}
    with runtime.unit() as s:
        assert store.lexicon_version(s, _molao(s)) == 1
    # only the rendition whose bulletin mentions SIPAS is stale
    assert _stale(runtime, renditions) == {"sipas": True, "ubnd": False}
    html = _page(client, response.headers["Location"])
    assert "phiên bản từ điển 1" in html and "1 bản âm thanh cần đọc lại" in html

    # the edit form is prefilled, and an edit bumps the version again
    form_html = _page(client, "/lexicon?edit=SIPAS")
    assert 'value="xíp pát"' in form_html
    assert _save(client, term="SIPAS", spoken="xi-pát", note="đọc như tiếng Pháp").status_code == 302
    with runtime.unit() as s:
        assert store.lexicon_version(s, _molao(s)) == 2
        entry = s.scalar(select(LexiconEntry).where(LexiconEntry.term == "SIPAS"))
        assert entry.spoken == "xi-pát" and entry.note == "đọc như tiếng Pháp" and entry.updated_by_id is not None

    token = csrf_from(_page(client))
    assert client.post("/lexicon/delete", data={"csrf_token": token, "term": "SIPAS"}).status_code == 302
    assert _entries(runtime) == {}
    with runtime.unit() as s:
        assert store.lexicon_version(s, _molao(s)) == 3
        actions = [
            (a.action, a.object_id, a.username)
            for a in s.scalars(select(AuditLog).where(AuditLog.action.like("lexicon.%")).order_by(AuditLog.id))
        ]
        assert actions == [
            ("lexicon.create", "SIPAS", "vanhanh"),
            ("lexicon.update", "SIPAS", "vanhanh"),
            ("lexicon.delete", "SIPAS", "vanhanh"),
        ]
        detail = s.scalar(select(AuditLog).where(AuditLog.action == "lexicon.update")).detail
        assert detail["old_spoken"] == "xíp pát" and detail["spoken"] == "xi-pát" and detail["version"] == 2


def test_saving_an_unchanged_entry_changes_nothing(login_as, runtime, renditions):
    client = login_as("vanhanh")
    _save(client, term="SIPAS", spoken="xíp pát")
    _save(client, term="SIPAS", spoken="xíp pát")
    with runtime.unit() as s:
        assert store.lexicon_version(s, _molao(s)) == 1
        assert (
            s.scalar(select(AuditLog).where(AuditLog.action.like("lexicon.%")).order_by(AuditLog.id.desc())).action
            == "lexicon.create"
        )


def test_edit_of_an_unrelated_term_leaves_audio_alone(login_as, runtime, renditions):
    client = login_as("vanhanh")
    _save(client, term="PAR INDEX", spoken="pa in-đếch")
    assert _stale(runtime, renditions) == {"sipas": False, "ubnd": False}
    # overriding a default used by the other bulletin marks only that one
    _save(client, term="UBND", spoken="ủy ban")
    assert _stale(runtime, renditions) == {"sipas": False, "ubnd": True}


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"term": "", "spoken": "xi-pát"}, "term", "Cần nhập từ viết"),
        ({"term": "   ", "spoken": "xi-pát"}, "term", "Cần nhập từ viết"),
        ({"term": "SIPAS", "spoken": ""}, "spoken", "Cần nhập cách đọc"),
        ({"term": "A" * 101, "spoken": "a"}, "term", "Từ viết quá dài"),
        ({"term": "SIPAS", "spoken": "x" * 301}, "spoken", "Cách đọc quá dài"),
        ({"term": "SIPAS", "spoken": "xi 2 pát"}, "spoken", "không có chữ số"),
        ({"term": "123", "spoken": "một hai ba"}, "term", "ít nhất một chữ cái"),
        ({"term": "SI\tPAS", "spoken": "xi-pát"}, "term", "ký tự điều khiển"),
        ({"term": "SIPAS", "spoken": "xi\npát"}, "spoken", "ký tự điều khiển"),
        ({"term": "SIPAS", "spoken": "xi-pát", "note": "n" * 501}, "note", "Ghi chú quá dài"),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message(login_as, runtime, form, field, message):
    client = login_as("vanhanh")
    response = _save(client, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="err-{field}"' in html and message in html
    assert _entries(runtime) == {}
    with runtime.unit() as s:
        assert store.lexicon_version(s, _molao(s)) == 0


def test_html_in_fields_is_escaped(login_as, runtime):
    client = login_as("vanhanh")
    assert (
        _save(client, term="<b>XSS</b>", spoken="<script>alert(x)</script> ích", note='"><img src=x>').status_code
        == 302
    )
    html = _page(client)
    assert "<script>alert(x)</script>" not in html and "&lt;script&gt;alert(x)&lt;/script&gt;" in html
    assert "<b>XSS</b>" not in html and "&lt;b&gt;XSS&lt;/b&gt;" in html
    assert '"><img src=x>' not in html
    # and a re-rendered form after an error escapes what was typed
    response = _save(client, term="<i>x</i>", spoken="<script>1</script>")
    assert response.status_code == 400 and "<script>1</script>" not in response.get_data(as_text=True)


def test_csrf_is_required(login_as, app, runtime):
    client = login_as("vanhanh")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/lexicon", data={"term": "SIPAS", "spoken": "xi-pát"}).status_code == 400
    assert client.post("/lexicon/delete", data={"term": "SIPAS"}).status_code == 400
    assert _entries(runtime) == {}


@pytest.mark.parametrize("user", ["vanhoa", "lanhdao", "xem"])
def test_only_operators_and_admins_edit(login_as, app, runtime, user):
    client = login_as(user)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/lexicon", data={"term": "SIPAS", "spoken": "xi-pát"}).status_code == 403
    assert client.post("/lexicon/delete", data={"term": "UBND"}).status_code == 403
    assert client.get("/lexicon/speak?text=UBND").status_code == 403
    assert client.get("/lexicon/normalize?text=UBND").status_code == 200  # reading is for everyone
    assert _entries(runtime) == {}


def test_admin_edits_too(login_as, runtime):
    client = login_as("admin")
    assert _save(client, term="SIPAS", spoken="xi-pát").status_code == 302
    assert _entries(runtime) == {"SIPAS": "xi-pát"}


def test_deleting_a_missing_entry_is_a_clear_error(login_as, runtime):
    client = login_as("vanhanh")
    token = csrf_from(_page(client))
    response = client.post("/lexicon/delete", data={"csrf_token": token, "term": "KHONGCO"}, follow_redirects=True)
    assert "Không có mục từ điển phát âm này" in response.get_data(as_text=True)
    with runtime.unit() as s:
        assert store.lexicon_version(s, _molao(s)) == 0


def test_edit_of_a_default_prefills_its_reading(login_as):
    html = _page(login_as("vanhanh"), "/lexicon?edit=UBND")
    assert 'id="term" name="term"' in html and 'value="UBND"' in html and 'value="ủy ban nhân dân"' in html


def test_search_filters_both_lists(login_as, runtime):
    with runtime.unit() as s:
        store.set_lexicon_entry(s, "SIPAS", "xi-pát")
    html = _page(login_as("xem"), "/lexicon?q=sipas")
    assert "xi-pát" in html and "ủy ban nhân dân" not in html


def test_try_it_normalizes_with_the_entry_being_typed(login_as):
    client = login_as("xem")
    data = client.get("/lexicon/normalize", query_string={"text": "Chỉ số SIPAS năm 2024"}).get_json()
    assert "hai nghìn không trăm hai mươi tư" in data["spoken"] and "2024" not in data["spoken"]
    data = client.get(
        "/lexicon/normalize", query_string={"text": "Chỉ số SIPAS", "term": "SIPAS", "spoken": "xíp pát"}
    ).get_json()
    assert data["spoken"].startswith("Chỉ số xíp pát")
    assert client.get("/lexicon/normalize", query_string={"text": ""}).status_code == 400
    too_long = client.get("/lexicon/normalize", query_string={"text": "a" * 501})
    assert too_long.status_code == 400 and "quá dài" in too_long.get_json()["error"]["message"]
    bad_date = client.get("/lexicon/normalize", query_string={"text": "ngày 31/02/2025"}).get_json()
    assert bad_date["problems"] and bad_date["warnings"] == []
    damaged = client.get("/lexicon/normalize", query_string={"text": "Kết quả đư c công nhận, HCCVN"}).get_json()
    assert [w["word"] for w in damaged["warnings"]][-2:] == ["c", "HCCVN"]  # "đư" too, with hunspell-vi


def test_operator_chooses_how_document_symbols_are_read(login_as, app, runtime):
    text = {"text": "Nghị quyết số 76/NQ-CP của Chính phủ"}
    client = login_as("vanhanh")
    assert client.get("/lexicon/normalize", query_string=text).get_json()["spoken"] == (
        "Nghị quyết số bảy mươi sáu của Chính phủ"
    )
    token = csrf_from(_page(client))
    done = client.post("/lexicon/symbols", data={"csrf_token": token, "full_symbols": "1"}, follow_redirects=True)
    assert "Số ký hiệu văn bản: đọc đầy đủ" in done.get_data(as_text=True)
    assert client.get("/lexicon/normalize", query_string=text).get_json()["spoken"] == (
        "Nghị quyết số bảy mươi sáu, nghị quyết, chính phủ của Chính phủ"
    )
    with runtime.unit() as s:
        assert store.full_symbols(s, _molao(s)) is True
        assert s.scalar(select(AuditLog).where(AuditLog.action == "speech.full_symbols")).user_id is not None
    viewer = login_as("xem")
    assert "disabled" in _page(viewer).split('id="symbols-form"')[1].split("</form>")[0]
    app.config["WTF_CSRF_ENABLED"] = False
    assert viewer.post("/lexicon/symbols", data={}).status_code == 403
    with runtime.unit() as s:
        assert store.full_symbols(s, _molao(s)) is True  # the viewer changed nothing


def test_speak_returns_a_short_mp3_for_operators(login_as, tmp_path):
    client = login_as("vanhanh")
    response = client.get(
        "/lexicon/speak", query_string={"text": "PAR INDEX", "term": "PAR INDEX", "spoken": "pa in-đếch"}
    )
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"
    assert response.headers["Cache-Control"] == "no-store"
    out = tmp_path / "p.mp3"
    out.write_bytes(response.data)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert 0.3 < float(probe.stdout) < 10
    assert client.get("/lexicon/speak", query_string={"text": "a" * 301}).status_code == 400
    assert client.get("/lexicon/speak", query_string={"text": "!!! ???"}).status_code == 400
    assert client.get("/lexicon/speak").status_code == 400


# --- API -------------------------------------------------------------------------------------


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_api_lists_entries_and_version(client, api_token, runtime):
    with runtime.unit() as s:
        store.set_lexicon_entry(s, "SIPAS", "xi-pát")
    data = client.get("/api/v1/lexicon", headers=_auth(api_token("xem"))).get_json()
    assert data["version"] == 1
    assert [e["term"] for e in data["entries"]] == ["SIPAS"]
    assert {"term": "UBND", "spoken": "ủy ban nhân dân"} in data["defaults"]


def test_api_put_and_delete(client, api_token, runtime, renditions):
    headers = _auth(api_token("vanhanh"))
    response = client.put("/api/v1/lexicon/SIPAS", json={"spoken": "xíp pát", "note": "thử"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 1 and body["changed"] and body["stale_renditions"] == 1
    assert body["entry"]["term"] == "SIPAS" and body["entry"]["spoken"] == "xíp pát"
    assert _stale(runtime, renditions) == {"sipas": True, "ubnd": False}
    # a term with a space and a slash in the path
    assert client.put("/api/v1/lexicon/PAR%20INDEX", json={"spoken": "pa in-đếch"}, headers=headers).status_code == 200
    assert client.put("/api/v1/lexicon/VP/UB", json={"spoken": "văn phòng ủy ban"}, headers=headers).status_code == 200
    assert _entries(runtime) == {"SIPAS": "xíp pát", "PAR INDEX": "pa in-đếch", "VP/UB": "văn phòng ủy ban"}
    response = client.delete("/api/v1/lexicon/PAR%20INDEX", headers=headers)
    assert response.status_code == 200 and response.get_json()["version"] == 4
    missing = client.delete("/api/v1/lexicon/PAR%20INDEX", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    with runtime.unit() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.action.like("lexicon.%")))]
    assert actions == ["lexicon.create", "lexicon.create", "lexicon.create", "lexicon.delete"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"spoken": ""}, "spoken"),
        ({"spoken": "xi 2"}, "spoken"),
        ({"spoken": 5}, "spoken"),
        ({}, "spoken"),
        ({"spoken": "xi-pát", "extra": 1}, "extra"),
        ({"spoken": "x" * 301}, "spoken"),
    ],
)
def test_api_put_bad_input(client, api_token, runtime, body, field):
    response = client.put("/api/v1/lexicon/SIPAS", json=body, headers=_auth(api_token("vanhanh")))
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field
    assert _entries(runtime) == {}


def test_api_put_bad_term_and_body(client, api_token, runtime):
    headers = _auth(api_token("vanhanh"))
    assert client.put("/api/v1/lexicon/" + "A" * 101, json={"spoken": "a"}, headers=headers).status_code == 400
    assert client.put("/api/v1/lexicon/%20", json={"spoken": "a"}, headers=headers).status_code == 400
    assert client.put("/api/v1/lexicon/SIPAS", data="spoken=x", headers=headers).status_code == 415
    assert (
        client.put("/api/v1/lexicon/SIPAS", data="{bad", content_type="application/json", headers=headers).status_code
        == 400
    )
    assert _entries(runtime) == {}


@pytest.mark.parametrize("user", ["vanhoa", "lanhdao", "xem"])
def test_api_edits_need_an_operator(client, api_token, runtime, user):
    headers = _auth(api_token(user))
    assert client.put("/api/v1/lexicon/SIPAS", json={"spoken": "xi-pát"}, headers=headers).status_code == 403
    assert client.delete("/api/v1/lexicon/UBND", headers=headers).status_code == 403
    assert client.get("/api/v1/lexicon", headers=headers).status_code == 200
    assert _entries(runtime) == {}


def test_api_needs_a_token(client, demo):
    assert client.get("/api/v1/lexicon").status_code == 401
    assert client.post("/api/v1/normalize", json={"text": "UBND"}).status_code == 401


def test_api_normalize(client, api_token, runtime):
    headers = _auth(api_token("vanhoa"))
    response = client.post(
        "/api/v1/normalize", json={"text": "Quyết định số 576/QĐ-UBND\nChỉ số SIPAS"}, headers=headers
    )
    assert response.status_code == 200
    spoken = response.get_json()["spoken"]
    assert spoken.count("\n") == 1 and not any(ch.isdigit() for ch in spoken)
    assert "ủy ban nhân dân" in spoken
    tried = client.post(
        "/api/v1/normalize", json={"text": "Chỉ số SIPAS", "lexicon": {"SIPAS": "xíp pát"}}, headers=headers
    ).get_json()
    assert "xíp pát" in tried["spoken"] and _entries(runtime) == {}  # trying saves nothing
    half = client.post(
        "/api/v1/normalize", json={"text": "Chỉ số SIPAS", "lexicon": {"SIPAS": "xi 2"}}, headers=headers
    ).get_json()
    assert "không có chữ số" in half["problems"][0] and "xi 2" not in half["spoken"]
    for bad in (
        {"text": 1},
        {},
        {"text": "x" * 20_001},
        {"text": "a", "lexicon": []},
        {"text": "a", "lexicon": {str(i): "a" for i in range(51)}},
    ):
        assert client.post("/api/v1/normalize", json=bad, headers=headers).status_code == 400, bad
