"""Station files: sessions, holidays, extra sessions, and errors naming the file and field."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from broadcast.config import PROJECT_ROOT
from broadcast.domain.models import DateOverride, SessionTemplate
from broadcast.programme.calendar import get_station, sessions_on
from broadcast.programme.templates import TemplateError, load_schedules, parse_station_file

ASSETS = PROJECT_ROOT / "audio_assets"

HEAD = """
[station]
code = "THU"
name = "Đài thử"
"""

SESSION = """
[[session]]
code = "sang"
start = "06:00"
days = ["mon", "tue", "wed", "thu", "fri"]
max_minutes = {minutes}
  [[session.slot]]
  kind = "asset"
  file = "nhac-hieu.mp3"
  [[session.slot]]
  kind = "{kind}"
  file = "{file}"
  text = "Xin chào"
"""


def write(tmp_path, text, name="THU.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def good(tmp_path, extra=""):
    return write(
        tmp_path,
        HEAD
        + SESSION.format(minutes=15, kind="bulletins", file="x")
        + """
[[session]]
code = "dacbiet"
name = "Buổi đặc biệt"
start = "19:00"
days = []
max_minutes = 20
  [[session.slot]]
  kind = "bulletins"
"""
        + extra,
    )


@pytest.mark.parametrize(
    "body, where, words",
    [
        (SESSION.format(minutes=15, kind="podcast", file="x"), "session[0].slot[1]", "loại ô 'podcast'"),
        (SESSION.format(minutes=15, kind="asset", file="khong-co.mp3"), "session[0].slot[1]", "khong-co.mp3"),
        (SESSION.format(minutes=15, kind="asset", file="../etc/passwd"), "session[0].slot[1]", "audio_assets"),
        # two signature tunes (about 17 s) in a 0.2-minute (12 s) session
        (SESSION.format(minutes=0.2, kind="asset", file="nhac-hieu.mp3"), "session[0].max_minutes", "phần cố định"),
        (SESSION.format(minutes=-1, kind="bulletins", file="x"), "session[0].max_minutes", "số phút dương"),
        (
            SESSION.format(minutes=15, kind="bulletins", file="x").replace('"06:00"', '"6h"'),
            "session[0].start",
            "HH:MM",
        ),
        (
            SESSION.format(minutes=15, kind="bulletins", file="x").replace(
                '["mon", "tue", "wed", "thu", "fri"]', '["xyz"]'
            ),
            "session[0].days",
            "xyz",
        ),
        (
            SESSION.format(minutes=15, kind="bulletins", file="x") + '\n[[holiday]]\ndate = "02/09/2025"\n',
            "holiday[0].date",
            "YYYY-MM-DD",
        ),
        (
            SESSION.format(minutes=15, kind="bulletins", file="x")
            + '\n[[holiday]]\ndate = 2025-09-02\nsessions = ["toi"]\n',
            "holiday[0].sessions",
            "'toi'",
        ),
        (
            SESSION.format(minutes=15, kind="bulletins", file="x")
            + '\n[[extra]]\ndate = 2025-09-06\nsession = "toi"\n',
            "extra[0].session",
            "'toi'",
        ),
        # a recurring session on one of its own days is not an extra session
        (
            SESSION.format(minutes=15, kind="bulletins", file="x")
            + '\n[[extra]]\ndate = 2025-10-01\nsession = "sang"\n',
            "extra[0].session",
            "đã phát theo lịch",
        ),
        (
            '[[session]]\ncode = "x"\nstart = "06:00"\ndays = ["mon"]\nmax_minutes = 5\n'
            '  [[session.slot]]\n  kind = "bulletins"\n'
            "  max_share = 1.5\n",
            "session[0].slot[0]",
            "max_share",
        ),
        ('[[session]]\ncode = "x"\nstart = "06:00"\nmax_minutes = 5\n', "session[0].days", "ít nhất một ngày"),
        ("[station\n", "cú pháp TOML", ""),
    ],
)
def test_errors_name_the_file_and_field(tmp_path, body, where, words):
    path = write(tmp_path, HEAD + body)
    with pytest.raises(TemplateError) as err:
        parse_station_file(path, ASSETS)
    message = err.value.message
    assert message.startswith("THU.toml: ") and where in message and words in message


def test_unknown_category_in_a_column_is_refused(tmp_path):
    path = write(
        tmp_path,
        HEAD + '[[session]]\ncode = "x"\nstart = "06:00"\ndays = ["mon"]\nmax_minutes = 5\n'
        '  [[session.slot]]\n  kind = "column"\n  categories = ["cchc-khong-co"]\n',
    )
    with pytest.raises(TemplateError, match=r"session\[0\]\.slot\[0\].*cchc-khong-co"):
        parse_station_file(path, ASSETS)


def test_holidays_and_extra_sessions_are_loaded_and_used(tmp_path, session):
    good(
        tmp_path,
        """
[[holiday]]
date = 2025-09-02
note = "Quốc khánh"

[[holiday]]
date = 2025-09-03
sessions = ["sang"]

[[extra]]
date = 2025-09-06
session = "dacbiet"
start = "19:30"
max_minutes = 25
note = "Tổng vệ sinh môi trường"
""",
    )
    load_schedules(session, tmp_path, ASSETS)
    station = get_station(session, "THU")
    assert [s.code for s in sessions_on(session, station, date(2025, 9, 1))] == ["sang"]  # Monday
    assert sessions_on(session, station, date(2025, 9, 2)) == []  # holiday
    assert sessions_on(session, station, date(2025, 9, 3)) == []  # only sang, off
    extra = sessions_on(session, station, date(2025, 9, 6))  # Saturday
    assert [(s.code, s.start, s.max_duration_s, s.extra) for s in extra] == [("dacbiet", time(19, 30), 1500, True)]
    assert sessions_on(session, station, date(2025, 9, 7)) == []  # Sunday
    tpl = session.scalar(select(SessionTemplate).where(SessionTemplate.code == "dacbiet"))
    assert tpl.days == ""
    assert all("where" in slot for slot in tpl.slots)


def test_reloading_replaces_the_overrides(tmp_path, session):
    good(tmp_path, "\n[[holiday]]\ndate = 2025-09-02\n")
    load_schedules(session, tmp_path, ASSETS)
    good(tmp_path, "\n[[holiday]]\ndate = 2025-12-25\n")
    load_schedules(session, tmp_path, ASSETS)
    assert [o.on_date for o in session.scalars(select(DateOverride))] == [date(2025, 12, 25)]


def test_a_bad_file_changes_nothing(tmp_path, session):
    good(tmp_path)
    load_schedules(session, tmp_path, ASSETS)
    session.commit()
    write(tmp_path, HEAD + SESSION.format(minutes=15, kind="podcast", file="x"), "THU.toml")
    with pytest.raises(TemplateError):
        load_schedules(session, tmp_path, ASSETS)
    assert {t.code for t in session.scalars(select(SessionTemplate))} == {"sang", "dacbiet"}


def test_the_demo_station_file_parses():
    sdef = parse_station_file(PROJECT_ROOT / "schedules" / "MOLAO.toml", ASSETS)
    assert [s.code for s in sdef.sessions] == ["sang", "chieu"]
    assert sdef.sessions[0].slots[3]["weekdays"] == [2, 4]
