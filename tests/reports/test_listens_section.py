"""The report's "portal and podcast" section: plays on the public page, the embedded player and the podcasts
in the report's period, scoped to the wards of the report's stations, in every format.

November 2026 (plays counted by ``record_listen``, one per listener, bulletin, channel and day):
  A  cchc-tthc            MOLAO   page 3 (01/11), podcast 2 (15/11), embed 1 (30/11)   = 6
  B  cchc-chinh-quyen-so  MOLAO   page 1, podcast 1 (10/11)                             = 2
  C  phap-luat            MOLAO   page 4 (05/11)                                        = 4
  D  y-te                 MOLAO   embed 2 (20/11)                                       = 2
  E  cchc-chung           DONGLA  page 5 (12/11)                                        = 5
Outside: A page 1 on 31/10 and 7 on 01/12 (the day after the period).  Each listener also replays once the
same day, which is not counted.
Every ward: page 13, embed 3, podcast 3 = 19; CCHC 13 (page 9, embed 1, podcast 3); top A, E, C, B, D
(B before D: same plays, title order).  MOLAO's ward: page 8, embed 3, podcast 3 = 14; CCHC 8.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from broadcast.domain.categories import CATEGORY_CODES
from broadcast.domain.models import Bulletin, Category, Department, Station, User, Ward
from broadcast.publishing.listens import record_listen
from broadcast.reports.airtime import airtime_report
from broadcast.reports.airtime.listens import TOP_BULLETINS, top_bulletins
from broadcast.reports.formats import render
from broadcast.reports.periods import parse_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLES = {
    "A": "Thủ tục cấp căn cước trực tuyến",
    "B": "Chính quyền số cho người cao tuổi",
    "C": "Luật Đất đai sửa đổi có hiệu lực",
    "D": "Tiêm chủng mở rộng tháng 12",
    "E": "Tin của xã Đông La",
}
PLAYS = [  # bulletin, channel, day, listeners
    ("A", "page", date(2026, 10, 31), 1),
    ("A", "page", date(2026, 11, 1), 3),
    ("A", "podcast", date(2026, 11, 15), 2),
    ("A", "embed", date(2026, 11, 30), 1),
    ("B", "page", date(2026, 11, 10), 1),
    ("B", "podcast", date(2026, 11, 10), 1),
    ("C", "page", date(2026, 11, 5), 4),
    ("D", "embed", date(2026, 11, 20), 2),
    ("E", "page", date(2026, 11, 12), 5),
    ("A", "page", date(2026, 12, 1), 7),
]


def _bulletin(s, title, category, department, author):
    b = Bulletin(
        title=title,
        body=title + ".",
        category=s.scalar(select(Category).where(Category.code == category)),
        department=department,
        author=author,
        status="approved",
        valid_from=date(2026, 11, 1),
        valid_until=date(2026, 12, 31),
        airings_wanted=1,
        airings_left=0,
    )
    s.add(b)
    s.flush()
    return b


@pytest.fixture
def listened(runtime, demo):
    """The plays above, for bulletins of the demo ward (MOLAO) and of a second ward (DONGLA)."""
    with runtime.unit() as s:
        dept = s.scalar(select(Department).where(Department.code == "VHTT"))
        author = s.scalar(select(User).where(User.username == "vanhoa"))
        other = Ward(code="DONGLA", name="Xã Đông La")
        other_dept = Department(code="DL-VH", name="Văn hóa xã Đông La", ward=other)
        s.add_all([other, other_dept, Station(code="DONGLA", name="Đài xã Đông La", ward=other)])
        s.flush()
        ids = {}
        for key, category in (("A", "cchc-tthc"), ("B", "cchc-chinh-quyen-so"), ("C", "phap-luat"), ("D", "y-te")):
            ids[key] = _bulletin(s, TITLES[key], category, dept, author).id
        ids["E"] = _bulletin(s, TITLES["E"], "cchc-chung", other_dept, author).id
    for key, channel, day, listeners in PLAYS:  # in date order: a later day purges the earlier days' marks
        with runtime.unit() as s:
            for n in range(listeners):
                play = {"secret": "k", "day": day, "bulletin_id": ids[key], "channel": channel}
                assert record_listen(s, listener=f"10.0.0.{n}|Mozilla", **play)
            assert not record_listen(s, listener="10.0.0.0|Mozilla", **play)  # a replay: not a new play
    return ids


def _report(session, period="2026-11", **kw):
    return airtime_report(session, parse_period(period), tz=TZ, **kw)


@pytest.mark.parametrize(
    "kw, channels, cchc, top, wards",
    [
        ({}, {"page": 13, "embed": 3, "podcast": 3}, 13, "AECBD", None),
        ({"station": "MOLAO"}, {"page": 8, "embed": 3, "podcast": 3}, 8, "ACBD", ["MOLAO"]),
        ({"station": "DONGLA"}, {"page": 5, "embed": 0, "podcast": 0}, 5, "E", ["DONGLA"]),
        ({"cluster": "TDP01", "wards": ["MOLAO"]}, {"page": 8, "embed": 3, "podcast": 3}, 8, "ACBD", ["MOLAO"]),
    ],
    ids=["every-ward", "station", "other-ward-station", "cluster"],
)
def test_figures_per_channel_category_and_bulletin(session, listened, kw, channels, cchc, top, wards):
    lis = _report(session, **kw)["listens"]
    assert lis["title"] == "Trang nghe công khai và podcast"
    assert [(c["code"], c["name"]) for c in lis["channels"]] == [
        ("page", "Trang nghe"),
        ("embed", "Trình phát nhúng"),
        ("podcast", "Podcast"),
    ]
    assert {c["code"]: c["plays"] for c in lis["channels"]} == channels
    assert lis["plays"] == sum(channels.values()) and lis["bulletins"] == len(top)
    assert lis["cchc_plays"] == cchc == lis["category_groups"][0]["plays"]
    assert lis["category_groups"][1]["plays"] == lis["plays"] - cchc
    assert [b["title"] for b in lis["top_bulletins"]] == [TITLES[k] for k in top]
    assert (None if lis["wards"] is None else [w["code"] for w in lis["wards"]]) == wards
    # the category lines add up to their group, the groups to the total, channel by channel
    for g in lis["category_groups"]:
        members = [c for c in lis["by_category"] if c["code"] in g["categories"]]
        assert g["by_channel"] == {ch: sum(c["by_channel"][ch] for c in members) for ch in channels}


def test_category_lines_and_top_bulletin_rows(session, listened):
    lis = _report(session)["listens"]
    by_code = {c["code"]: c for c in lis["by_category"]}
    assert [c["code"] for c in lis["by_category"]][:7] == [c for c in CATEGORY_CODES if c.startswith("cchc-")]
    assert set(by_code) == set(CATEGORY_CODES)  # every category, zero where nobody listened
    assert by_code["cchc-tthc"]["by_channel"] == {"page": 3, "embed": 1, "podcast": 2}
    assert by_code["cchc-tthc"]["plays"] == 6 and by_code["cchc-chung"]["plays"] == 5
    assert by_code["thoi-su"]["plays"] == 0
    assert lis["category_groups"][0]["by_channel"] == {"page": 9, "embed": 1, "podcast": 3}
    assert lis["top_bulletins"][0] == {
        "bulletin_id": listened["A"],
        "title": TITLES["A"],
        "category": "cchc-tthc",
        "category_name": "CCHC: Cải cách thủ tục hành chính",
        "is_cchc": True,
        "by_channel": {"page": 3, "embed": 1, "podcast": 2},
        "plays": 6,
    }


@pytest.mark.parametrize(
    "period, plays",
    [("2026-11", 19), ("2026-12", 7), ("2026-10", 1), (("2026-11-30", "2026-12-01"), 8), ("2024-02", 0)],
)
def test_the_period_bounds_the_plays(session, listened, period, plays):
    parsed = parse_period(date_from=period[0], date_to=period[1]) if isinstance(period, tuple) else parse_period(period)
    assert airtime_report(session, parsed, tz=TZ)["listens"]["plays"] == plays


def test_a_period_nobody_listened_has_the_same_shape_in_zeros(session, listened):
    empty = _report(session, "2024-02")["listens"]
    full = _report(session)["listens"]
    assert list(empty) == list(full)
    assert [c["code"] for c in empty["by_category"]] == [c["code"] for c in full["by_category"]]
    assert all(c["plays"] == 0 for c in empty["channels"] + empty["by_category"] + empty["category_groups"])
    assert empty["top_bulletins"] == [] and empty["bulletins"] == 0 and empty["cchc_plays"] == 0


@pytest.mark.parametrize(
    "kw, words",
    [
        ({}, ["mọi tin, bài của các phường"]),
        ({"station": "MOLAO"}, ["không tách được theo đài", "mọi tin, bài của phường Mộ Lao,"]),
        ({"station": "DONGLA"}, ["không tách được theo đài", "mọi tin, bài của xã Đông La,"]),
        ({"wards": ["MOLAO"]}, ["Lượt nghe tính cho mọi tin, bài của phường Mộ Lao."]),
        (
            {"cluster": "TDP01", "wards": ["MOLAO"]},
            ["không tách được theo cụm loa", "của phường Mộ Lao, nơi có cụm loa TDP01"],
        ),
    ],
)
def test_the_note_says_what_the_figures_cover(session, listened, kw, words):
    note = _report(session, **kw)["listens"]["note"]
    for word in words:
        assert word in note


def test_top_list_is_the_most_played_ten():
    rows = [("page", "y-te", n, f"Tin {n:02d}", n % 4 + 1) for n in range(14)]
    rows.append(("podcast", "y-te", 0, "Tin 00", 3))  # another channel of bulletin 0: 1 + 3 plays
    top = top_bulletins(rows, {"y-te": "Y tế, dịch bệnh"})
    assert len(top) == TOP_BULLETINS == 10
    assert [(b["title"], b["plays"]) for b in top[:5]] == [
        ("Tin 00", 4),
        ("Tin 03", 4),
        ("Tin 07", 4),
        ("Tin 11", 4),
        ("Tin 02", 3),
    ]
    assert top[0]["by_channel"] == {"page": 1, "embed": 0, "podcast": 3}


@pytest.fixture
def november(session, listened):
    return _report(session)


def test_csv_has_both_tables(november):
    rows = list(csv.reader(io.StringIO(render(november, "csv").content.decode("utf-8-sig"))))
    at = next(
        i for i, r in enumerate(rows) if r and r[0] == "## Trang nghe công khai và podcast: lượt nghe theo chuyên mục"
    )
    assert "mọi tin, bài" in rows[at][1]  # the note beside the title
    assert rows[at + 1] == ["Mã", "Chuyên mục", "Trang nghe", "Trình phát nhúng", "Podcast", "Tổng lượt nghe"]
    assert rows[at + 2][:2] == ["cchc-the-che", "CCHC: Cải cách thể chế"]
    body = rows[at + 2 : rows.index([], at)]
    assert next(r for r in body if r[0] == "cchc")[2:] == ["9", "1", "3", "13"]
    assert body[-1] == ["", "TỔNG CỘNG", "13", "3", "3", "19"]
    top = rows.index(["## Trang nghe công khai và podcast: tin, bài được nghe nhiều nhất"])
    assert rows[top + 2] == [TITLES["A"], "CCHC: Cải cách thủ tục hành chính", "3", "1", "2", "6"]
    assert [r[0] for r in rows[top + 2 : top + 7]] == [TITLES[k] for k in "AECBD"]


def test_xlsx_has_its_own_sheet(november):
    ws = load_workbook(io.BytesIO(render(november, "xlsx").content))["Nghe truc tuyen"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "Trang nghe công khai và podcast: lượt nghe theo chuyên mục"
    assert "mọi tin, bài" in values[2][0]
    assert values[3][:6] == ["Mã", "Chuyên mục", "Trang nghe", "Trình phát nhúng", "Podcast", "Tổng lượt nghe"]
    total = next(r for r in values if r[1] == "TỔNG CỘNG")
    assert total[2:6] == [13, 3, 3, 19] and all(isinstance(v, int) for v in total[2:6])
    top = next(
        i for i, r in enumerate(values) if r[0] == "Trang nghe công khai và podcast: tin, bài được nghe nhiều nhất"
    )
    assert values[top + 1][:3] == ["Tiêu đề", "Chuyên mục", "Trang nghe"]
    assert values[top + 2][:6] == [TITLES["A"], "CCHC: Cải cách thủ tục hành chính", 3, 1, 2, 6]
    assert ws.freeze_panes == "A5"


def test_html_has_the_section(november):
    html = render(november, "html").content.decode()
    assert "Trang nghe công khai và podcast: lượt nghe theo chuyên mục" in html
    assert "Trang nghe công khai và podcast: tin, bài được nghe nhiều nhất" in html
    assert f"<td>{TITLES['E']}</td>" in html and "mọi tin, bài của các phường" in html


def _pdf_text(pdf: bytes) -> str:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        # one space for any run of spaces and line breaks: a table cell may wrap anywhere
        return " ".join(" ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).split())
    finally:
        doc.close()


def test_pdf_has_the_section_before_the_bulletin_list(november):
    text = _pdf_text(render(november, "pdf").content)
    part = text.index("IV. KẾT QUẢ NGHE QUA TRANG NGHE CÔNG KHAI VÀ PODCAST")
    assert part < text.index("V. DANH MỤC TIN, BÀI ĐÃ PHÁT") and "IV. DANH MỤC" not in text
    listens = text[part : text.index("V. DANH MỤC TIN, BÀI ĐÃ PHÁT")]
    assert "Lượt nghe theo chuyên mục và kênh nghe" in listens and "Trình phát nhúng" in listens
    assert "cchc Cộng tin CCHC 9 1 3 13" in listens and "TỔNG CỘNG 13 3 3 19" in listens
    top = listens.index("2. Tin, bài được nghe nhiều nhất")
    assert listens.index(TITLES["A"], top) < listens.index(TITLES["E"], top) < listens.index(TITLES["C"], top)


def test_pdf_without_the_section_keeps_its_numbering(november):
    """A report made before the section existed (a stored JSON) still renders, its bulletin list as IV."""
    text = _pdf_text(render({k: v for k, v in november.items() if k != "listens"}, "pdf").content)
    assert "IV. DANH MỤC TIN, BÀI ĐÃ PHÁT" in text and "PODCAST" not in text


def test_report_page_shows_it(login_as, listened):
    # xem is a user of Mộ Lao: the plays of Đông La's bulletins are not theirs to see
    page = login_as("xem").get("/reports/airtime?period=2026-11").get_data(as_text=True)
    assert "Trang nghe công khai và podcast" in page and TITLES["A"] in page and TITLES["E"] not in page
    assert "Trình phát nhúng" in page and "mọi tin, bài của phường Mộ Lao" in page
