"""The bulletins JSON API: contract, workflow, permissions and bad input (4xx, Vietnamese, nothing changed)."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, Bulletin
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)

VI = set("ảạàáãăâêôơưđíìịốồộớờợệểếềễụủứừửữựýỳỷỹỵ")
TODAY = date.today()


def payload(**over):
    data = {
        "title": "Lịch tiếp công dân",
        "body": "Lãnh đạo UBND phường tiếp công dân vào sáng thứ Năm hằng tuần.",
        "category": "thong-bao",
        "priority": "normal",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + timedelta(days=5)).isoformat(),
        "airings": 2,
    }
    data.update(over)
    return data


@pytest.fixture
def api(client, api_token):
    """api("vanhoa").post(path, json=...) with the user's bearer token."""

    class Caller:
        def __init__(self, username):
            self.headers = {"Authorization": f"Bearer {api_token(username)}"}

        def __getattr__(self, method):
            def call(path, **kw):
                headers = {**self.headers, **kw.pop("headers", {})}
                return getattr(client, method)("/api/v1" + path, headers=headers, **kw)

            return call

    cache = {}
    return lambda username: cache.setdefault(username, Caller(username))


def count(session, model=Bulletin):
    session.expire_all()
    return session.scalar(select(func.count(model.id)))


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) <= {"code", "message", "field"}
    assert error["message"] and VI & set(error["message"].lower()), error
    if code:
        assert error["code"] == code, error
    return error


def test_create_returns_201_with_the_bulletin(api):
    r = api("vanhoa").post("/bulletins", json=payload(stations=["MOLAO"]))
    assert r.status_code == 201
    b = r.json
    assert r.headers["Location"] == f"/api/v1/bulletins/{b['id']}"
    assert b["status"] == "draft" and b["department"] == "VHTT" and b["author"] == "vanhoa"
    assert b["stations"] == ["MOLAO"] and b["all_stations"] is False and b["airings"] == 2
    assert b["version"] == 1 and b["estimated_duration_s"] > 0 and b["valid_from"] == TODAY.isoformat()


def test_create_with_submit_true_goes_to_submitted(api):
    r = api("vanhoa").post("/bulletins", json=payload(submit=True))
    assert r.status_code == 201 and r.json["status"] == "submitted" and r.json["submitted_at"]


def test_full_workflow_through_the_api(api, session):
    bid = api("vanhoa").post("/bulletins", json=payload()).json["id"]
    assert api("vanhoa").post(f"/bulletins/{bid}/submit").json["status"] == "submitted"
    assert_error(api("vanhoa").post(f"/bulletins/{bid}/approve"), 403, "forbidden")
    r = api("lanhdao").post(f"/bulletins/{bid}/reject", json={"reason": "Ghi rõ giờ tiếp."})
    assert r.json["status"] == "rejected" and r.json["review_comment"] == "Ghi rõ giờ tiếp."
    assert api("vanhoa").patch(f"/bulletins/{bid}", json={"body": "Sáng thứ Năm, 8h00."}).json["version"] == 2
    api("vanhoa").post(f"/bulletins/{bid}/submit")
    r = api("lanhdao").post(f"/bulletins/{bid}/approve", json={"reason": "Đồng ý."})
    assert r.status_code == 200 and r.json["status"] == "approved" and r.json["approved_by"] == "lanhdao"
    assert_error(api("lanhdao").post(f"/bulletins/{bid}/approve"), 409, "invalid_state")
    assert_error(api("vanhoa").post(f"/bulletins/{bid}/withdraw"), 403)
    assert api("vanhanh").post(f"/bulletins/{bid}/withdraw", json={"reason": "Hoãn."}).json["status"] == "withdrawn"
    actions = list(
        session.scalars(
            select(AuditLog.action)
            .where(AuditLog.object_id == str(bid))
            .where(AuditLog.object_type == "bulletins")
            .order_by(AuditLog.id)
        )
    )
    assert actions == [
        "bulletin.create",
        "bulletin.submit",
        "bulletin.reject",
        "bulletin.update",
        "bulletin.submit",
        "bulletin.approve",
        "bulletin.withdraw",
    ]


def test_patch_of_approved_text_sends_it_back(api):
    bid = api("vanhoa").post("/bulletins", json=payload(submit=True)).json["id"]
    api("lanhdao").post(f"/bulletins/{bid}/approve")
    r = api("vanhanh").patch(f"/bulletins/{bid}", json={"spoken_text": "Lãnh đạo phường tiếp dân."})
    assert r.json["status"] == "approved" and r.json["version"] == 2
    r = api("lanhdao").patch(f"/bulletins/{bid}", json={"title": "Lịch tiếp công dân (sửa)"})
    assert r.json["status"] == "submitted" and r.json["version"] == 3


def test_list_filters_pagination_and_scope(api):
    api("vanhoa").post("/bulletins", json=payload(title="Tin riêng của Văn hóa"))
    api("tuphap").post("/bulletins", json=payload(title="Nháp của Tư pháp"))
    mine = api("vanhoa").get("/bulletins?per_page=100").json
    assert {b["department"] for b in mine["items"]} == {"VHTT"}
    assert "Nháp của Tư pháp" not in [b["title"] for b in mine["items"]]
    r = api("admin").get("/bulletins?status=approved&per_page=3&page=2").json
    assert r["page"] == 2 and r["per_page"] == 3 and r["total"] == 9 and r["pages"] == 3 and len(r["items"]) == 3
    assert all(b["status"] == "approved" for b in r["items"])
    r = api("admin").get("/bulletins?q=ti%E1%BA%BFp%20c%C3%B4ng%20d%C3%A2n&department=VHTT").json
    assert [b["title"] for b in r["items"]] == ["Tin riêng của Văn hóa"]
    r = api("xem").get("/bulletins?category=y-te").json
    assert r["total"] == 2 and all(b["category"] == "y-te" for b in r["items"])
    assert api("admin").get(f"/bulletins?date={(TODAY + timedelta(days=400)).isoformat()}").json["total"] == 0
    for bad in ("status=xyz", "page=0", "page=abc", "per_page=1000", "date=2025-13-01"):
        assert_error(api("admin").get("/bulletins?" + bad), 400)


def test_other_departments_draft_is_404_everywhere(api, session):
    bid = api("tuphap").post("/bulletins", json=payload()).json["id"]
    for caller in ("vanhoa", "xem", "lanhdao"):
        assert_error(api(caller).get(f"/bulletins/{bid}"), 404, "bulletin_not_found")
    assert_error(api("vanhoa").patch(f"/bulletins/{bid}", json={"title": "x"}), 404)
    assert_error(api("vanhoa").post(f"/bulletins/{bid}/submit"), 404)
    assert_error(api("vanhoa").post(f"/bulletins/{bid}/withdraw"), 404)
    assert api("tuphap").get(f"/bulletins/{bid}").json["title"] == "Lịch tiếp công dân"


def test_viewer_is_read_only(api):
    assert_error(api("xem").post("/bulletins", json=payload()), 403)
    assert api("xem").get("/bulletins").status_code == 200


def test_unknown_bulletin_is_404(api):
    assert_error(api("admin").get("/bulletins/999999"), 404)
    assert_error(api("admin").post("/bulletins/999999/approve"), 404)


BAD_CREATE = [
    ({"title": "   "}, "title"),
    ({"body": ""}, "body"),
    ({"body": "a" * 10001}, "body"),
    ({"valid_from": "2025-02-31"}, "valid_from"),
    ({"valid_until": "2000-01-01"}, "valid_until"),
    ({"category": "nope"}, "category"),
    ({"department": "NOPE"}, "department"),
    ({"stations": ["NOPE"]}, "stations"),
    ({"airings": 0}, "airings"),
    ({"priority": "khẩn"}, "priority"),
    ({"submit": "yes"}, "submit"),
    ({"extra": 1}, "extra"),
]


@pytest.mark.parametrize("override,field", BAD_CREATE, ids=[f for _, f in BAD_CREATE])
def test_bad_create_is_400_and_changes_nothing(api, session, override, field):
    before = count(session), count(session, AuditLog)
    error = assert_error(api("vanhoa").post("/bulletins", json=payload(**override)), 400)
    assert error["field"] == field
    assert (count(session), count(session, AuditLog)) == before


@pytest.mark.parametrize(
    "kwargs,status,code",
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": "[1, 2]", "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": b"\xff\xfe{}", "content_type": "application/json"}, 400, "malformed_json"),
        (
            {"data": "title=x&body=y", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        ({"data": json.dumps(payload()), "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({}, 415, "unsupported_media_type"),
    ],
)
def test_malformed_bodies(api, session, kwargs, status, code):
    before = count(session)
    assert_error(api("vanhoa").post("/bulletins", **kwargs), status, code)
    bid = session.scalar(select(Bulletin.id).where(Bulletin.status == "draft"))
    assert_error(api("admin").patch(f"/bulletins/{bid}", **kwargs), status, code) if kwargs else None
    assert count(session) == before


def test_action_with_bad_body(api):
    bid = api("vanhoa").post("/bulletins", json=payload(submit=True)).json["id"]
    assert_error(api("lanhdao").post(f"/bulletins/{bid}/reject", json={}), 400)
    assert_error(api("lanhdao").post(f"/bulletins/{bid}/reject", json={"reason": 5}), 400)
    assert_error(
        api("lanhdao").post(f"/bulletins/{bid}/approve", data="oops", content_type="application/json"),
        400,
        "malformed_json",
    )
    assert_error(api("lanhdao").post(f"/bulletins/{bid}/approve", data="reason=x", content_type="text/plain"), 415)
    assert api("lanhdao").get(f"/bulletins/{bid}").json["status"] == "submitted"


def test_html_is_returned_as_text_not_markup(api):
    r = api("vanhoa").post("/bulletins", json=payload(title="<img src=x onerror=alert(1)>"))
    assert r.json["title"] == "<img src=x onerror=alert(1)>"
    assert r.headers["Content-Type"].startswith("application/json")


def test_comments(api):
    bid = api("vanhoa").post("/bulletins", json=payload(submit=True)).json["id"]
    r = api("lanhdao").post(f"/bulletins/{bid}/comments", json={"body": "Bổ sung số điện thoại."})
    assert r.status_code == 201 and r.json["author"] == "lanhdao"
    assert_error(api("lanhdao").post(f"/bulletins/{bid}/comments", json={"body": " "}), 400)


# --- recordings ---


@pytest.fixture(scope="module")
def wav_bytes(tmp_path_factory):
    out = tmp_path_factory.mktemp("audio") / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=1", str(out)], check=True
    )
    return out.read_bytes()


def test_recording_upload(api, wav_bytes, settings):
    bid = api("vanhoa").post("/bulletins", json=payload()).json["id"]
    r = api("vanhoa").post(
        f"/bulletins/{bid}/recording",
        data={"file": (io.BytesIO(wav_bytes), "doc.mp3")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.json
    assert r.json["recording"]["format"] == "wav" and r.json["bulletin"]["has_recording"]
    assert r.json["bulletin"]["version"] == 2
    stored = list((settings.data_dir / "recordings").iterdir())
    assert len(stored) == 1 and stored[0].name.startswith(f"bulletin-{bid}-")


@pytest.mark.parametrize(
    "make,status,code",
    [
        (lambda wav: {"file": (io.BytesIO(b"%PDF-1.4 not audio" * 50), "tin.mp3")}, 400, "not_audio"),
        (lambda wav: {"file": (io.BytesIO(wav), "../../etc/cron.d/x.wav")}, 400, "bad_filename"),
        (lambda wav: {"khac": (io.BytesIO(wav), "a.wav")}, 400, "invalid"),
        (lambda wav: {"file": (io.BytesIO(b"\0" * (21 * 1024 * 1024)), "big.wav")}, 413, "too_large"),
    ],
)
def test_bad_recordings(api, session, settings, wav_bytes, make, status, code):
    bid = api("vanhoa").post("/bulletins", json=payload()).json["id"]
    r = api("vanhoa").post(f"/bulletins/{bid}/recording", data=make(wav_bytes), content_type="multipart/form-data")
    assert_error(r, status, code)
    assert api("vanhoa").get(f"/bulletins/{bid}").json["version"] == 1
    folder = settings.data_dir / "recordings"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_recording_needs_multipart(api, wav_bytes):
    bid = api("vanhoa").post("/bulletins", json=payload()).json["id"]
    assert_error(api("vanhoa").post(f"/bulletins/{bid}/recording", data=wav_bytes, content_type="audio/wav"), 415)


def test_openapi_lists_every_bulletin_endpoint(client):
    doc = client.get("/api/v1/openapi.json").json
    paths = doc["paths"]
    assert {"post", "get"} <= set(paths["/bulletins"])
    assert {"get", "patch"} <= set(paths["/bulletins/{bulletin_id}"])
    for action in ("submit", "approve", "reject", "withdraw", "recording"):
        assert "post" in paths[f"/bulletins/{{bulletin_id}}/{action}"]
    assert "get" in paths["/bulletins/{bulletin_id}/audio"]
    assert "Bulletin" in doc["components"]["schemas"]
    refs = json.dumps(doc)
    for name in ("Bulletin", "BulletinInput", "BulletinPatch", "BulletinPage", "Reason", "Error"):
        assert f"#/components/schemas/{name}" in refs or name == "BulletinPage"
        assert name in doc["components"]["schemas"]


def test_serialized_bulletin_matches_the_schema(api, client):
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Bulletin"]
    item = api("admin").get("/bulletins?per_page=1").json["items"][0]
    assert set(schema["required"]) <= set(item) and set(item) <= set(schema["properties"])


def test_audio_renders_the_current_version(api, session):
    bid = api("vanhoa").post("/bulletins", json=payload(body="Xin chào bà con.")).json["id"]
    r = api("vanhoa").get(f"/bulletins/{bid}/audio")
    assert r.status_code == 200 and r.mimetype == "audio/mpeg" and r.data[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    assert r.headers["X-Bulletin-Version"] == "1"
    assert_error(api("tuphap").get(f"/bulletins/{bid}/audio"), 404)


def _previous_serialize(b: Bulletin) -> dict:
    """The API's bulletin JSON as it was built from ORM objects before the list read plain rows: the list
    must answer exactly this."""
    from broadcast.bulletins import service, targets, workflow
    from broadcast.publishing.visibility import is_public

    def iso(value):
        return value.isoformat() if value is not None else None

    return {
        "id": b.id,
        "title": b.title,
        "body": b.body,
        "spoken_text": b.spoken_text,
        "category": b.category.code,
        "department": b.department.code,
        "priority": b.priority,
        "status": b.status,
        "status_label": workflow.status_label(b.status),
        "valid_from": iso(b.valid_from),
        "valid_until": iso(b.valid_until),
        "airings": b.airings_wanted,
        "airings_left": b.airings_left,
        "all_stations": bool(b.all_stations),
        "stations": [] if b.all_stations else sorted(s.code for s in b.stations),
        "clusters": targets.cluster_codes(b),
        "voice": b.voice,
        "author": b.author.username,
        "version": b.version,
        "has_recording": bool(b.recording_path),
        "review_comment": b.review_comment,
        "estimated_duration_s": service.estimate_seconds(b.text_to_speak),
        "created_at": iso(b.created_at),
        "updated_at": iso(b.updated_at),
        "submitted_at": iso(b.submitted_at),
        "approved_at": iso(b.approved_at),
        "approved_by": b.approved_by.username if b.approved_by is not None else None,
        "public": is_public(b),
        "public_choice": b.public,
    }


def test_list_items_are_the_previous_serialisation(api, app, runtime):
    """The list builds its JSON from rows, not objects: every field of every item (stations, clusters of two
    stations, voice, public choice, recording, approver, spoken text) is what the ORM path gave, in order."""
    from broadcast.domain.models import Cluster, Station

    approved = api("vanhoa").post("/bulletins", json=payload(submit=True, clusters=["TDP07", "TDP05"])).json["id"]
    api("lanhdao").post(f"/bulletins/{approved}/approve", json={"reason": "Đồng ý."})
    on_station = api("vanhoa").post("/bulletins", json=payload(stations=["MOLAO"])).json
    with runtime.unit() as s:
        b = s.get(Bulletin, on_station["id"])
        b.spoken_text = "Đọc thế này."
        b.voice = {"engine": "espeak", "voice": "vi-vn-x-south", "speed": 1.1}
        b.public, b.recording_path = False, "recordings/x.mp3"
        other = Station(ward_id=b.stations[0].ward_id, code="PHU", name="Đài phụ", sink="null")
        s.add(other)
        s.flush()
        # The same cluster code on two stations shows once.
        b.clusters = [
            Cluster(station_id=other.id, code="TDP05", name="Tổ 5 (đài phụ)"),
            *s.get(Bulletin, approved).clusters,
        ]
        s.get(Bulletin, approved).public = True
    items = api("admin").get("/bulletins?per_page=100").json["items"]
    with runtime.unit() as s:
        expected = [_previous_serialize(s.get(Bulletin, item["id"])) for item in items]
    assert len(items) > 10 and {on_station["id"], approved} <= {i["id"] for i in items}
    assert items == json.loads(app.json.dumps(expected))
    assert [list(i) for i in items] == [sorted(e) for e in expected]  # jsonify sorts keys: the same text
    by_id = {i["id"]: i for i in items}
    assert by_id[on_station["id"]]["clusters"] == ["TDP05", "TDP07"] and by_id[approved]["approved_by"] == "lanhdao"
    assert by_id[on_station["id"]]["has_recording"] and by_id[on_station["id"]]["public"] is False
    single = api("admin").get(f"/bulletins/{on_station['id']}").json
    assert single == by_id[on_station["id"]]
