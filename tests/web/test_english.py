"""Each area's page speaks English with ?lang=en (the compiled catalogue in web/translations/en)."""

from __future__ import annotations

import pytest

PAGES = [
    (
        "/playout",
        "vanhanh",
        ["On air at each station", "Play a session now", "As-run log (yesterday and today)"],
        ["Đang phát trên từng đài", "Phát ngay một buổi"],
    ),
    ("/programmes?station=MOLAO", "vanhanh", ["Broadcast programme", "Whole week"], ["Xem cả tuần"]),
    ("/programmes/week?station=MOLAO", "vanhanh", ["Programme of the week", "Next week"], ["Tuần sau"]),
    (
        "/reports/airtime",
        "xem",
        ["Airtime report", "Reporting period", "By category"],
        ["Báo cáo thời lượng phát thanh"],
    ),
    ("/plans", "admin", ["Administrative-reform propaganda plans"], ["Kế hoạch tuyên truyền CCHC"]),
    (
        "/lexicon",
        "vanhanh",
        ["Pronunciation lexicon", "Try the pronunciation", "Default entries"],
        ["Mục mặc định", "Thử cách đọc"],
    ),
    (
        "/admin/stations",
        "vanhanh",
        ["Quiet hours", "Days off and extra sessions", "Change output"],
        ["Giờ yên tĩnh", "Đổi đầu ra"],
    ),
    ("/", "vanhanh", ["Today's sessions", "Playout controls"], ["Buổi phát hôm nay"]),
    ("/bulletins", "vanhanh", ["Bulletins"], []),
    ("/devices", "vanhanh", ["Each device", "Station devices"], ["Tình trạng từng thiết bị"]),
    ("/voices", "vanhanh", ["Paid voices: characters used", "Monthly cap"], ["Hạn mức tháng"]),
    (
        "/publishing",
        "vanhanh",
        ["QR posters for each residential group", "Podcast of the whole ward"],
        ["Tải áp phích (PDF)"],
    ),
]


@pytest.mark.parametrize("url,user,english,vietnamese", PAGES, ids=[p[0] for p in PAGES])
def test_page_in_english(login_as, url, user, english, vietnamese):
    client = login_as(user)
    sep = "&" if "?" in url else "?"
    html = client.get(f"{url}{sep}lang=en").get_data(as_text=True).replace("&#39;", "'")
    for text in english:
        assert text in html, (url, text)
    for text in vietnamese:
        assert text not in html, (url, text)
    # and Vietnamese again when asked
    back = client.get(f"{url}{sep}lang=vi").get_data(as_text=True)
    assert all(text in back for text in vietnamese), url
