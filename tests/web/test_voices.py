"""The voice page and API: every voice side by side with one sample sentence, paid voices' usage and caps."""

from __future__ import annotations

from datetime import datetime

from broadcast.speech import usage
from tests.conftest import csrf_from


def test_page_lists_voices_and_usage_for_everyone(login_as, runtime):
    with runtime.unit() as s:
        usage.record(s, "fpt", 1234, datetime.now(runtime.settings.tz).date())
    html = login_as("xem").get("/voices").get_data(as_text=True)
    assert "vi-vn-x-central" in html and "Trung" in html  # espeak's central voice
    assert "FPT.AI" in html and "1.234" in html and "Viettel AI" in html
    assert "/voices/sample" not in html and 'name="cap"' not in html  # viewers listen to nothing, edit nothing


def test_operator_hears_a_sample_in_a_voice_that_runs_here(login_as):
    client = login_as("vanhanh")
    html = client.get("/voices").get_data(as_text=True)
    assert "/voices/sample?engine=espeak&amp;voice=vi-vn-x-south" in html
    sample = client.get("/voices/sample", query_string={"engine": "espeak", "voice": "vi-vn-x-south"})
    assert sample.status_code == 200 and sample.mimetype == "audio/mpeg" and len(sample.data) > 10_000
    missing = client.get("/voices/sample", query_string={"engine": "espeak", "voice": "khong-co"})
    assert missing.status_code == 400 and "Không có giọng “khong-co”" in missing.get_data(as_text=True)
    unusable = client.get("/voices/sample", query_string={"engine": "viettel", "voice": "hn-quynhanh"})
    assert unusable.status_code == 400 and "chưa dùng được" in unusable.get_data(as_text=True)


def test_operator_sets_and_clears_a_cap_and_bad_values_change_nothing(login_as, runtime):
    client = login_as("vanhanh")
    token = csrf_from(client.get("/voices").get_data(as_text=True))
    done = client.post(
        "/voices/caps", data={"csrf_token": token, "engine": "zalo", "cap": "200.000"}, follow_redirects=True
    )
    assert "Hạn mức của Zalo AI: 200.000 ký tự mỗi tháng." in done.get_data(as_text=True)
    bad = client.post("/voices/caps", data={"csrf_token": token, "engine": "zalo", "cap": "-1"}, follow_redirects=True)
    assert "Hạn mức phải là số ký tự" in bad.get_data(as_text=True)
    with runtime.unit() as s:
        assert usage.cap(s, "zalo") == 200_000
    client.post("/voices/caps", data={"csrf_token": token, "engine": "zalo", "cap": ""})
    with runtime.unit() as s:
        assert usage.cap(s, "zalo") is None


def test_api_lists_voices_and_usage(client, api_token, runtime):
    headers = {"Authorization": f"Bearer {api_token('xem')}"}
    voices = client.get("/api/v1/voices", headers=headers).get_json()["items"]
    espeak = [v for v in voices if v["engine"] == "espeak"]
    assert [v["accent"] for v in espeak] == ["north", "central", "south"] and all(v["available"] for v in espeak)
    with runtime.unit() as s:
        usage.record(s, "viettel", 50, datetime.now(runtime.settings.tz).date())
        usage.set_cap(s, "viettel", "40")
    items = {u["engine"]: u for u in client.get("/api/v1/speech/usage", headers=headers).get_json()["items"]}
    assert items["viettel"] == {
        "engine": "viettel",
        "provider": "Viettel AI",
        "chars_today": 50,
        "chars_month": 50,
        "monthly_cap": 40,
        "over_cap": True,
    }


def test_api_normalize_warns_about_damaged_text(client, api_token):
    headers = {"Authorization": f"Bearer {api_token('vanhoa')}"}
    body = client.post("/api/v1/normalize", json={"text": "Kết quả đư c công nhận"}, headers=headers).get_json()
    assert "c" in [w["word"] for w in body["warnings"]] and body["spoken"].startswith("Kết quả")


def test_operator_sets_a_stations_voice_and_a_bad_choice_changes_nothing(login_as, runtime):
    from sqlalchemy import select

    from broadcast.domain.models import Station

    client = login_as("vanhanh")
    html = client.get("/voices").get_data(as_text=True)
    assert 'id="station-voices"' in html and "giọng mặc định" in html
    token = csrf_from(html)
    form = {"csrf_token": token, "station": "MOLAO", "voice_choice": "espeak|vi-vn-x-south", "voice_speed": "0,9"}
    done = client.post("/voices/station", data=form, follow_redirects=True).get_data(as_text=True)
    assert "espeak · vi-vn-x-south · tốc độ 0,9" in done
    bad = dict(form, voice_choice="espeak|khong-co")
    assert "Không có giọng “khong-co”" in client.post("/voices/station", data=bad, follow_redirects=True).get_data(
        as_text=True
    )
    nowhere = dict(form, station="KHONGCO")
    assert "Không có đài mã" in client.post("/voices/station", data=nowhere, follow_redirects=True).get_data(
        as_text=True
    )
    with runtime.unit() as s:
        voice = s.scalar(select(Station).where(Station.code == "MOLAO")).voice
    assert voice == {"engine": "espeak", "voice": "vi-vn-x-south", "speed": 0.9}


def test_a_bulletin_chooses_its_own_voice_over_the_api(client, api_token, runtime):
    headers = {"Authorization": f"Bearer {api_token('vanhanh')}"}
    bulletin = client.get("/api/v1/bulletins?per_page=1", headers=headers).get_json()["items"][0]
    assert bulletin["voice"] is None
    url = f"/api/v1/bulletins/{bulletin['id']}"
    choice = {"engine": "espeak", "voice": "vi-vn-x-central", "speed": 1.0}
    ok = client.patch(url, json={"voice": choice}, headers=headers)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["voice"] == choice
    bad = client.patch(url, json={"voice": {"engine": "espeak", "voice": "vi", "speed": 3}}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "speed"
    assert client.get(url, headers=headers).get_json()["voice"] == choice  # unchanged by the refusal
    back = client.patch(url, json={"voice": None}, headers=headers)
    assert back.get_json()["voice"] is None


def test_the_bulletin_form_offers_the_voices_that_run_here_and_keeps_the_choice(login_as, runtime):
    from sqlalchemy import select

    from broadcast.domain.models import Bulletin
    from tests.web.test_bulletins_pages import form_data

    client = login_as("vanhoa")
    page = client.get("/bulletins/new").get_data(as_text=True)
    assert 'name="voice_choice"' in page and 'value="espeak|vi-vn-x-south"' in page
    assert 'value="viettel|' not in page  # no key here: not offered
    data = form_data(page, title="Thông báo tiêm chủng", voice_choice="espeak|vi-vn-x-south", voice_speed="1,2")
    assert client.post("/bulletins/new", data=data).status_code == 302
    bad = form_data(page, title="Tin khác", voice_choice="espeak|vi", voice_speed="5")
    refused = client.post("/bulletins/new", data=bad)
    assert refused.status_code == 400 and "Tốc độ đọc phải từ 0,8 đến 1,2" in refused.get_data(as_text=True)
    with runtime.unit() as s:
        saved = s.scalar(select(Bulletin).where(Bulletin.title == "Thông báo tiêm chủng"))
        assert saved.voice == {"engine": "espeak", "voice": "vi-vn-x-south", "speed": 1.2}
        assert s.scalar(select(Bulletin).where(Bulletin.title == "Tin khác")) is None
