"""broadcast.relay.sources: named upstream sources as records (add, edit, disable, never delete), their check,
the relay slots coming up with each source's health, and the `broadcast source` commands."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from broadcast.cli import main
from broadcast.domain.models import AuditLog, Programme, ProgrammeItem, Station, UpstreamSource, User
from broadcast.domain.types import utcnow
from broadcast.errors import Conflict, NotFound, ValidationError
from broadcast.relay import sources as service
from tests.querycount import count_queries
from tests.relay.test_probe import closed_port, tone_file

VOV1 = {"code": "VOV1", "name": "VOV1 – Thời sự", "url": "http://vov.example/vov1", "category": "national"}
TONE = {"ok": True, "codec": "mp3", "bitrate": 64000, "sample_rate": 44100, "channels": 2, "audible": True}
TONE |= {"rms_dbfs": -18.2, "error": None}
SILENT = TONE | {"audible": False, "rms_dbfs": -96.0}
DOWN = dict.fromkeys(TONE) | {"ok": False, "audible": False, "error": "Không kết nối được tới nguồn (refused)."}


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).where(AuditLog.action.like("source.%")).order_by(AuditLog.id)))


@pytest.fixture
def operator(session, demo) -> User:
    return session.scalar(select(User).where(User.username == "vanhanh"))


def test_add_normalises_and_audits_who_added_it(session, operator):
    src = service.add_source(
        session,
        code=" vov1 ",
        name="  VOV1 – Thời sự ",
        url=" http://vov.example/vov1 ",
        category="National",
        user=operator,
        ip="10.0.0.7",
    )
    assert (src.code, src.name, src.url, src.category, src.enabled) == (
        "VOV1",
        "VOV1 – Thời sự",
        "http://vov.example/vov1",
        "national",
        True,
    )
    row = session.scalar(select(AuditLog).where(AuditLog.action == "source.create"))
    assert (row.username, row.ip, row.object_type) == ("vanhanh", "10.0.0.7", "upstream_sources")
    assert row.object_id == str(src.id) and row.detail == VOV1


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"code": ""}, "code", "Mã nguồn chỉ gồm chữ in hoa không dấu"),
        ({"code": "VOV 1"}, "code", "Mã nguồn chỉ gồm"),
        ({"code": "VOV1!"}, "code", "Mã nguồn chỉ gồm"),
        ({"code": "ĐÀITỈNH"}, "code", "Mã nguồn chỉ gồm"),
        ({"code": "-VOV"}, "code", "Mã nguồn chỉ gồm"),
        ({"code": "V" * 41}, "code", "1–40 ký tự"),
        ({"name": "  "}, "name", "Cần tên nguồn tiếp sóng"),
        ({"name": "x" * 201}, "name", "tối đa 200 ký tự"),
        ({"url": "file:///etc/passwd"}, "url", "Chỉ tiếp sóng được luồng http://"),
        ({"url": "rtsp://vov.example/vov1"}, "url", "Chỉ tiếp sóng được luồng http://"),
        ({"url": ""}, "url", "Cần địa chỉ luồng tiếp sóng"),
        ({"url": "http://localhost:8080/"}, "url", "chính Loa Phường"),  # own address given as 127.0.0.1:8080
        ({"category": "quocgia"}, "category", "national (VOV), province (đài tỉnh) hoặc other"),
        ({"category": None}, "category", "Loại nguồn phải là"),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_adds_nothing(session, operator, change, field, words):
    with pytest.raises(ValidationError) as err:
        service.add_source(session, **(VOV1 | change), own_addresses=("127.0.0.1:8080",), user=operator)
    assert words in err.value.message and err.value.field == field
    assert _count(session, UpstreamSource) == 0 and _actions(session) == []


def test_a_code_is_taken_once_whatever_its_case(session, operator):
    service.add_source(session, **VOV1)
    with pytest.raises(Conflict) as err:
        service.add_source(session, **(VOV1 | {"code": "vov1", "url": "http://other.example/"}))
    assert err.value.message == "Mã nguồn tiếp sóng VOV1 đã có." and err.value.field == "code"
    assert _count(session, UpstreamSource) == 1


def test_lookup_by_code_forgives_case_and_spaces(session):
    src = service.add_source(session, **VOV1)
    assert service.source_by_code(session, " vov1") is src
    assert service.source_by_code(session, "TINH", required=False) is None
    with pytest.raises(NotFound) as err:
        service.source_by_code(session, "tinh")
    assert err.value.message == "Không có nguồn tiếp sóng mã 'TINH'." and err.value.http_status == 404


def test_update_changes_what_is_given_audits_before_and_after_and_forgets_a_check_of_the_old_address(session, operator):
    src = service.add_source(session, **VOV1)
    src.last_check, src.last_check_at = TONE, utcnow()
    assert service.update_source(session, src, name="VOV1", user=operator) == {"name": ["VOV1 – Thời sự", "VOV1"]}
    assert src.last_check == TONE  # the same stream: its check still holds
    changed = service.update_source(session, src, url="https://vov.example/vov1.m3u8", category="national")
    assert changed == {"url": ["http://vov.example/vov1", "https://vov.example/vov1.m3u8"]}
    assert (src.last_check, src.last_check_at) == (None, None)
    assert service.update_source(session, src, name="VOV1", url=src.url) == {}  # nothing changed: no audit row
    assert _actions(session) == ["source.create", "source.update", "source.update"]
    last = session.scalar(select(AuditLog).where(AuditLog.action == "source.update").order_by(AuditLog.id.desc()))
    assert last.detail["url"] == ["http://vov.example/vov1", "https://vov.example/vov1.m3u8"]


def test_a_bad_update_changes_nothing(session):
    src = service.add_source(session, **VOV1)
    with pytest.raises(ValidationError):
        service.update_source(session, src, name="Mới", url="pipe:0")
    assert (src.name, src.url) == (VOV1["name"], VOV1["url"])
    assert _actions(session) == ["source.create"]


def test_sources_are_disabled_not_deleted(session, operator):
    src = service.add_source(session, **VOV1)
    service.add_source(session, **(VOV1 | {"code": "TINH", "name": "Đài tỉnh", "category": "province"}))
    assert service.set_enabled(session, src, False, user=operator) is True
    assert service.set_enabled(session, src, False, user=operator) is False  # already off: no second audit row
    assert [s.code for s in service.list_sources(session)] == ["TINH", "VOV1"]
    assert [s.code for s in service.list_sources(session, enabled_only=True)] == ["TINH"]
    assert service.set_enabled(session, src, True) is True and src.enabled
    assert _actions(session) == ["source.create", "source.create", "source.disable", "source.enable"]
    assert not hasattr(service, "delete_source")


def test_check_keeps_the_probe_as_the_last_check(session):
    src = service.add_source(session, **VOV1)
    asked = []
    result = service.check_source(session, src, timeout_s=2, probe=lambda url, timeout_s: asked.append(url) or SILENT)
    assert asked == [VOV1["url"]] and result == SILENT
    assert src.last_check == SILENT and utcnow() - src.last_check_at < timedelta(seconds=5)
    assert service.source_json(src)["state"] == "silent"


@pytest.mark.once
def test_check_of_an_unreachable_source_is_stored_as_failed(session):
    src = service.add_source(session, **(VOV1 | {"url": f"http://127.0.0.1:{closed_port()}/vov1"}))
    result = service.check_source(session, src, timeout_s=2)
    assert not result["ok"] and "Không kết nối được tới nguồn" in result["error"]
    session.commit()
    session.expire_all()
    assert service.source_by_code(session, "VOV1").last_check["ok"] is False


@pytest.mark.parametrize(
    "check,state,summary",
    [
        (None, "never", "Chưa kiểm tra."),
        (TONE, "ok", "Tốt: mp3, 64 kbit/s, 44.100 Hz, stereo; mức âm -18,2 dBFS."),
        (SILENT, "silent", "Kết nối được nhưng nguồn im lặng (mp3, 64 kbit/s, 44.100 Hz, stereo; mức âm -96,0 dBFS)."),
        (DOWN, "failed", "Lỗi: Không kết nối được tới nguồn (refused)."),
        (TONE | {"bitrate": None, "channels": 1}, "ok", "Tốt: mp3, 44.100 Hz, mono; mức âm -18,2 dBFS."),
    ],
)
def test_state_and_summary_of_a_check(check, state, summary):
    assert service.check_state(check) == state
    assert service.check_summary(check) == summary


# ---------------------------------------------------------------- relays coming up


def add_relay_programme(session, station: Station, code: str, items: list[tuple]) -> Programme:
    """A programme of ``station`` with one item per (planned_start, kind, relay dict or None)."""
    first = min(start for start, _, _ in items)
    programme = Programme(
        station_id=station.id, on_date=date(2099, 1, 1), session_code=code, starts_at=first, max_duration_s=3600
    )
    for pos, (start, kind, relay) in enumerate(items):
        title = f"Tiếp sóng {relay['upstream']}" if relay else f"Mục {pos}"
        programme.items.append(
            ProgrammeItem(position=pos, kind=kind, title=title, planned_start=start, duration_ms=60_000, relay=relay)
        )
    session.add(programme)
    session.flush()
    return programme


def relay(upstream: str, source: str | None, url: str = "http://vov.example/vov1") -> dict:
    return {"url": url, "upstream": upstream, "source": source, "category": "national", "fallback": "skip"}


@pytest.fixture
def upcoming(session, settings, demo):
    """MOLAO relays VOV1 (checked ok 10 minutes ago) in 1 h, the provincial station (never checked) in 2 h and a
    URL that is a known source's address (silent, checked 3 h ago) in 3 h; also a past relay, one in 30 h and
    an ordinary item, none of which is coming within the day."""
    now = utcnow()
    vov = service.add_source(session, **VOV1)
    vov.last_check, vov.last_check_at = TONE, now - timedelta(minutes=10)
    service.add_source(session, **(VOV1 | {"code": "TINH", "name": "Đài tỉnh", "url": "http://tinh.example/live"}))
    quiet = service.add_source(session, **(VOV1 | {"code": "VOV2", "name": "VOV2", "url": "http://vov.example/vov2"}))
    quiet.last_check, quiet.last_check_at = SILENT, now - timedelta(hours=3)
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    add_relay_programme(
        session,
        station,
        "sang",
        [
            (now - timedelta(hours=1), "relay", relay("VOV1 – Thời sự", "VOV1")),
            (now + timedelta(hours=1), "relay", relay("VOV1 – Thời sự", "VOV1")),
            (now + timedelta(hours=1, minutes=5), "asset", None),
            (now + timedelta(hours=3), "relay", relay("VOV2 theo địa chỉ", None, "http://vov.example/vov2")),
        ],
    )
    add_relay_programme(
        session,
        station,
        "chieu",
        [
            (now + timedelta(hours=2), "relay", relay("Đài tỉnh", "TINH", "http://tinh.example/live")),
            (now + timedelta(hours=30), "relay", relay("VOV1 – Thời sự", "VOV1")),
        ],
    )
    session.commit()
    return now


def test_upcoming_relays_in_the_next_hours_with_their_source_health(session, settings, upcoming):
    rows = service.upcoming_relays(session, settings, upcoming, hours=24)
    assert [(r.station_code, r.upstream, r.source, r.state) for r in rows] == [
        ("MOLAO", "VOV1 – Thời sự", "VOV1", "ok"),
        ("MOLAO", "Đài tỉnh", "TINH", "never"),
        ("MOLAO", "VOV2 theo địa chỉ", "VOV2", "silent"),  # a slot by URL finds the source with that address
    ]
    assert [r.age for r in rows] == [timedelta(minutes=10), None, timedelta(hours=3)]
    assert rows[0].start == (upcoming + timedelta(hours=1)).astimezone(settings.tz)
    assert rows[0].start.utcoffset() == timedelta(hours=7)  # the ward's time (Asia/Ho_Chi_Minh)
    assert len(service.upcoming_relays(session, settings, upcoming, hours=48)) == 4
    assert service.upcoming_relays(session, settings, upcoming, hours=0.5) == []


def test_a_failed_check_or_an_unknown_source_still_shows(session, settings, upcoming):
    tinh = service.source_by_code(session, "TINH")
    tinh.last_check, tinh.last_check_at = DOWN, upcoming
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    add_relay_programme(
        session, station, "toi", [(upcoming + timedelta(hours=4), "relay", relay("Lạ", None, "http://x.example/"))]
    )
    rows = service.upcoming_relays(session, settings, upcoming)
    assert [(r.source, r.state, r.error) for r in rows[1:]] == [
        ("TINH", "failed", DOWN["error"]),
        ("VOV2", "silent", None),
        (None, "never", None),
    ]


def test_upcoming_relays_cost_two_statements_whatever_their_number(runtime, settings, upcoming):
    with runtime.unit() as s, count_queries(runtime.engine) as counter:
        assert len(service.upcoming_relays(s, settings, upcoming, hours=48)) == 4
    assert counter.count == 2, counter.report()


# ---------------------------------------------------------------- the commands


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_cli_add_list_disable(cli_env, demo):
    out = run(cli_env, "source", "add", "vov1", "--name", "VOV1", "--url", VOV1["url"], "--category", "national")
    assert out.exit_code == 0 and "Đã thêm nguồn tiếp sóng VOV1 (VOV1, VOV (quốc gia))" in out.output
    again = run(cli_env, "source", "add", "VOV1", "--name", "VOV1", "--url", "http://vov.example/vov1")
    assert again.exit_code == 1 and "Lỗi: Mã nguồn tiếp sóng VOV1 đã có." in again.output
    bad = run(cli_env, "source", "add", "TINH", "--name", "Tỉnh", "--url", "file:///etc/passwd")
    assert bad.exit_code == 1 and "Chỉ tiếp sóng được luồng http://" in bad.output
    listed = run(cli_env, "source", "list")
    assert "VOV1" in listed.output and "Chưa kiểm tra" in listed.output and "TINH" not in listed.output
    assert "Đã tắt nguồn VOV1." in run(cli_env, "source", "disable", "VOV1").output
    assert "(đã tắt)" in run(cli_env, "source", "list").output


@pytest.mark.once
def test_cli_check_prints_the_probe_and_exits_1_when_the_source_cannot_be_relayed(cli_env, demo, web):
    root, base = web
    tone_file(root / "vov1.mp3", "-ac", "1")
    run(cli_env, "source", "add", "VOV1", "--name", "VOV1", "--url", f"{base}/vov1.mp3")
    run(cli_env, "source", "add", "TINH", "--name", "Tỉnh", "--url", f"{base}/khong-co")
    good = run(cli_env, "source", "check", "vov1", "--timeout", "5")
    assert good.exit_code == 0 and good.output.startswith("VOV1 (VOV1): Tốt: mp3, ") and "mono" in good.output
    down = run(cli_env, "source", "check", "TINH", "--timeout", "3")
    assert down.exit_code == 1 and "TINH (Tỉnh): Lỗi: Máy chủ không có luồng ở địa chỉ này" in down.output
    assert "Tốt" in run(cli_env, "source", "list").output  # the check is kept
    unknown = run(cli_env, "source", "check", "VOV9")
    assert unknown.exit_code == 1 and "Lỗi: Không có nguồn tiếp sóng mã 'VOV9'." in unknown.output
