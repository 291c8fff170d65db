"""The live broadcast page and its JSON views: start, chunks, stop, the recording and its rebroadcast; every
refusal in Vietnamese, changing nothing and leaving nothing half-open."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import Bulletin, LiveSession
from tests.conftest import login


@pytest.fixture(scope="module")
def webm(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("live") / "voice.webm"
    src = "sine=frequency=2500:duration=1.5"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-ac", "1", "-c:a", "libopus",
         "-b:a", "32k", "-f", "webm", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def csrf(client) -> str:
    page = client.get("/live").get_data(as_text=True)
    return re.search(r'data-csrf="([^"]+)"', page).group(1)


def post(client, url, token, **kw):
    return client.post(url, headers={"X-CSRFToken": token, "Accept": "application/json"}, **kw)


def test_page_lists_live_capable_stations_and_a_confirm(login_as, demo):
    page = login_as("vanhanh").get("/live").get_data(as_text=True)
    assert "Phát trực tiếp" in page and 'value="MOLAO"' in page
    assert "data-t-confirm" in page and "live_broadcast.js" in page
    assert login_as("vanhoa").get("/live").status_code == 403  # a submitter cannot speak live


def test_start_chunks_stop_keep_the_recording_and_rebroadcast_it(login_as, demo, runtime, webm):
    client = login_as("vanhanh")
    token = csrf(client)
    started = post(client, "/live/start", token, data={"stations": ["MOLAO"]})
    assert started.status_code == 201
    live_id = started.json["id"]
    for i in range(0, len(webm), 2000):
        assert post(client, f"/live/{live_id}/chunk", token, data=webm[i : i + 2000]).status_code == 204
    status = client.get(f"/live/{live_id}/status").json
    assert status["status"] == "starting" and status["on_air"] is False  # no playout in this test
    stopped = post(client, f"/live/{live_id}/stop", token)
    assert stopped.json["status"] == "ended" and stopped.json["recording"] is True
    audio = client.get(f"/live/{live_id}/recording")
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000
    today = date.today()
    made = client.post(
        f"/live/{live_id}/rebroadcast",
        data={
            "csrf_token": token,
            "title": "Phát lại: họp tổ dân phố",
            "category": "thong-bao",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=3)).isoformat(),
        },
    )
    assert made.status_code == 302 and "/bulletins/" in made.headers["Location"]
    with runtime.unit() as s:
        live = s.get(LiveSession, live_id)
        bulletin = s.get(Bulletin, live.bulletin_id)
        assert bulletin.title == "Phát lại: họp tổ dân phố" and bulletin.status == "draft"
        assert bulletin.recording_path and bulletin.recording_path != live.recording_path


def test_not_audio_is_refused_and_frees_the_station(login_as, demo, runtime):
    client = login_as("vanhanh")
    token = csrf(client)
    live_id = post(client, "/live/start", token, data={"stations": ["MOLAO"]}).json["id"]
    refused = post(client, f"/live/{live_id}/chunk", token, data=b"<html>not audio</html>")
    assert refused.status_code == 400 and "không phải âm thanh" in refused.json["error"]["message"]
    with runtime.unit() as s:
        live = s.get(LiveSession, live_id)
        assert live.status == "refused" and live.chunks == 0
    again = post(client, "/live/start", token, data={"stations": ["MOLAO"]})
    assert again.status_code == 201  # nothing half-open holds the station


@pytest.mark.parametrize(
    ("stations", "status", "words"),
    [([], 400, "Chọn ít nhất một đài"), (["NOPE"], 404, "Không có đài mã 'NOPE'")],
)
def test_bad_starts_change_nothing(login_as, demo, runtime, stations, status, words):
    client = login_as("lanhdao")
    response = post(client, "/live/start", csrf(client), data={"stations": stations})
    assert response.status_code == status and words in response.json["error"]["message"]
    with runtime.unit() as s:
        assert s.scalars(select(LiveSession)).all() == []


def test_second_speaker_on_a_live_station_and_someone_elses_session(app, demo, webm):
    first, second = app.test_client(), app.test_client()
    login(first, "vanhanh", demo["password"])
    login(second, "lanhdao", demo["password"])
    token = csrf(first)
    live_id = post(first, "/live/start", token, data={"stations": ["MOLAO"]}).json["id"]
    assert post(first, f"/live/{live_id}/chunk", token, data=webm[:2000]).status_code == 204
    token2 = csrf(second)
    busy = post(second, "/live/start", token2, data={"stations": ["MOLAO"]})
    assert busy.status_code == 409 and "đang phát trực tiếp" in busy.json["error"]["message"]
    # another speaker's session is "not found": nothing about it is revealed
    assert post(second, f"/live/{live_id}/stop", token2).status_code == 404
    assert second.get(f"/live/{live_id}/status").status_code == 404
    assert post(first, f"/live/{live_id}/stop", token).json["status"] == "ended"
    ended = post(first, f"/live/{live_id}/chunk", token, data=webm[2000:4000])
    assert ended.status_code == 409 and "đã kết thúc" in ended.json["error"]["message"]


def test_chunks_need_the_csrf_token(login_as, demo):
    client = login_as("vanhanh")
    assert client.post("/live/start", data={"stations": ["MOLAO"]}).status_code == 400


def test_a_recorded_relay_becomes_a_draft_bulletin(login_as, demo, runtime, tmp_path):
    from datetime import UTC, datetime

    from broadcast.domain.models import AsRun, Station

    mp3 = tmp_path / "relay.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=500:duration=2", "-ac", "1", str(mp3)],
        check=True,
    )
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == "MOLAO"))
        row = AsRun(
            station_id=station.id,
            air_date=date.today(),
            kind="relay",
            title="Tiếp sóng Đài tỉnh",
            status="aired",
            aired_ms=2000,
            actual_start=datetime.now(UTC),
            upstream="Đài tỉnh",
            recording_path=str(mp3),
        )
        s.add(row)
        s.flush()
        row_id = row.id
    client = login_as("vanhanh")
    page = client.get("/live").get_data(as_text=True)
    assert "Bản ghi tiếp sóng" in page and f"/live/relay/{row_id}/recording" in page
    assert client.get(f"/live/relay/{row_id}/recording").status_code == 200
    today = date.today()
    made = client.post(
        f"/live/relay/{row_id}/rebroadcast",
        data={
            "csrf_token": csrf(client),
            "title": "Phát lại chương trình Đài tỉnh",
            "category": "thoi-su",
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
        },
    )
    assert made.status_code == 302 and "/bulletins/" in made.headers["Location"]
    with runtime.unit() as s:
        bulletin = s.scalar(select(Bulletin).where(Bulletin.title == "Phát lại chương trình Đài tỉnh"))
        assert bulletin.recording_path and bulletin.status == "draft"
    assert client.get("/live/relay/999999/recording").status_code == 404


def test_the_api_goes_live_like_the_page(client, api_token, demo, runtime, webm):
    speaker = {"Authorization": f"Bearer {api_token('lanhdao')}"}
    started = client.post("/api/v1/live", json={"stations": ["MOLAO"]}, headers=speaker)
    assert started.status_code == 201 and started.json["status"] == "ready" and started.json["on_air"] is False
    live_id = started.json["id"]
    chunk = client.post(
        f"/api/v1/live/{live_id}/chunk", data=webm, headers={**speaker, "Content-Type": "application/octet-stream"}
    )
    assert chunk.status_code == 204
    assert client.get(f"/api/v1/live/{live_id}", headers=speaker).json["status"] == "starting"
    busy = client.post(
        "/api/v1/live", json={"stations": ["MOLAO"]}, headers={"Authorization": f"Bearer {api_token('vanhanh')}"}
    )
    assert busy.status_code == 409 and "đang phát trực tiếp" in busy.json["error"]["message"]
    stopped = client.post(f"/api/v1/live/{live_id}/stop", headers=speaker)
    assert stopped.json["status"] == "ended" and stopped.json["recording"] is True
    refused = client.post(
        "/api/v1/live", json={"stations": ["MOLAO"]}, headers={"Authorization": f"Bearer {api_token('vanhoa')}"}
    )
    assert refused.status_code == 403


def test_the_api_refuses_a_first_chunk_that_is_not_audio(client, api_token, demo, runtime):
    speaker = {"Authorization": f"Bearer {api_token('vanhanh')}"}
    live_id = client.post("/api/v1/live", json={"stations": ["MOLAO"]}, headers=speaker).json["id"]
    bad = client.post(f"/api/v1/live/{live_id}/chunk", data=b"GIF89a....", headers=speaker)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "not_audio"
    assert client.get(f"/api/v1/live/{live_id}", headers=speaker).json["status"] == "refused"
    assert client.post("/api/v1/live", json={"stations": ["MOLAO"]}, headers=speaker).status_code == 201


def test_clusters_can_be_chosen_for_stations_aired_by_their_agents(login_as, demo, runtime):
    from broadcast.domain.models import Station

    with runtime.unit() as s:
        s.scalar(select(Station).where(Station.code == "MOLAO")).sink = "agent"
    client = login_as("vanhanh")
    page = client.get("/live").get_data(as_text=True)
    assert "Chỉ phát ở một số cụm loa" in page and 'name="clusters" value="TDP05"' in page
    token = csrf(client)
    bad = post(client, "/live/start", token, data={"stations": ["MOLAO"], "clusters": ["TDP99"]})
    assert bad.status_code == 400 and "Cụm loa TDP99 không thuộc các đài đã chọn" in bad.json["error"]["message"]
    started = post(client, "/live/start", token, data={"stations": ["MOLAO"], "clusters": ["TDP05", "tdp01"]})
    assert started.status_code == 201
    with runtime.unit() as s:
        assert s.get(LiveSession, started.json["id"]).clusters == ["TDP01", "TDP05"]
