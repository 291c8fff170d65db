"""Two wards and the province for the tenancy tests of the operational pages and API (test_ops_*.py).

Ward A is the demo's Mộ Lao (its users admin, vanhanh, xem); ward B is Vạn Phúc, made here with the ORM on an
unscoped session: its station, cluster, session, programme, device, upstream source, live session, as-run row,
playout command, holiday and users.  The province has its own users (no ward) and one shared source.  Every
object of each ward is reachable from ``world[ward]`` so a test can name the other ward's object anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import (
    AsRun,
    Cluster,
    DateOverride,
    LiveSession,
    PlayoutCommand,
    Programme,
    ProgrammeItem,
    SessionTemplate,
    Station,
    UpstreamSource,
    User,
    Ward,
)
from broadcast.domain.types import utcnow
from broadcast.network.devices import add_device
from broadcast.users import add_user
from tests.conftest import csrf_from, login

PASSWORD = "loaphuong2025"
WARD_B = "DONGXA"
PROVINCE_SOURCE = "TINHSRC"


@dataclass
class WardObjects:
    """One ward's objects as the tests name them (ids and codes)."""

    ward: str
    ward_name: str
    station: str
    station_id: int
    cluster: str
    device: str
    source: str
    programme_id: int
    item_id: int
    override_id: int
    live_id: int
    asrun_id: int
    command_id: int
    admin: str
    operator: str
    viewer: str


def _programme(s, station: Station, on: date) -> Programme:
    starts = utcnow() + timedelta(hours=2)
    programme = Programme(station_id=station.id, on_date=on, session_code="sang", starts_at=starts, max_duration_s=900)
    for pos in (1, 2):
        programme.items.append(
            ProgrammeItem(
                position=pos,
                kind="asset",
                title=f"Mục {station.code} {pos}",
                duration_ms=60000,
                planned_start=starts + timedelta(minutes=pos),
            )
        )
    s.add(programme)
    s.flush()
    return programme


def _station_rows(s, station: Station, user: User, on: date, tmp_path) -> dict:
    """The rows of one station that the routes look up by id: programme, holiday, live session, as-run, command."""
    programme = _programme(s, station, on)
    override = DateOverride(station_id=station.id, on_date=on + timedelta(days=30), kind="holiday", source="web")
    recording = tmp_path / f"live-{station.code}.mp3"
    recording.write_bytes(b"ID3")
    live = LiveSession(
        user_id=user.id,
        ward_id=station.ward_id,
        station_ids=[station.id],
        status="ended",
        media_path=str(tmp_path / f"live-{station.code}.media"),
        recording_path=str(recording),
    )
    asrun = AsRun(
        station_id=station.id,
        programme_id=programme.id,
        session_code="sang",
        air_date=on,
        position=1,
        kind="relay",
        title=f"Tiếp sóng {station.code}",
        actual_start=utcnow() - timedelta(hours=1),
        aired_ms=60000,
        status="aired",
        source="scheduler",
        recording_path=str(recording),
    )
    command = PlayoutCommand(station_id=station.id, action="stop", status="done", created_by_id=user.id)
    s.add_all([override, live, asrun, command])
    s.flush()
    return {
        "programme_id": programme.id,
        "item_id": programme.items[0].id,
        "override_id": override.id,
        "live_id": live.id,
        "asrun_id": asrun.id,
        "command_id": command.id,
    }


def make_world(runtime, tmp_path) -> dict[str, WardObjects]:
    """Ward B beside the demo's ward A, the province's users and source; ``{"A": ..., "B": ...}``."""
    on = utcnow().astimezone(runtime.settings.tz).date()
    with runtime.unit() as s:
        ward_b = Ward(code=WARD_B, name="Xã Đông Thử")
        station_b = Station(code="DONGXA1", ward=ward_b, name="Đài xã Đông Thử", sink="null")
        s.add_all([ward_b, station_b, Cluster(station=station_b, code="DX01", name="Thôn Đông Thử 1")])
        s.add(
            SessionTemplate(
                station=station_b,
                code="sang",
                name="Buổi sáng",
                start_time=time(6, 0),
                days="1234567",
                max_duration_s=1800,
            )
        )
        s.flush()
        for name, role in (("dx.admin", "admin"), ("dx.vanhanh", "operator"), ("dx.xem", "viewer")):
            add_user(s, name, role, PASSWORD, ward=WARD_B)
        for name, role in (("tp.admin", "admin"), ("tp.vanhanh", "operator"), ("tp.xem", "viewer")):
            add_user(s, name, role, PASSWORD)
        station_a = s.scalar(select(Station).where(Station.code == "MOLAO"))
        s.add_all(
            [
                UpstreamSource(
                    code="SRCMOLAO", name="Nguồn Mộ Lao", url="http://molao.example/live", ward_id=station_a.ward_id
                ),
                UpstreamSource(
                    code="SRCDX", name="Nguồn Đông Thử", url="http://dongxa.example/live", ward_id=ward_b.id
                ),
                UpstreamSource(
                    code=PROVINCE_SOURCE, name="Đài tỉnh", url="http://tinh.example/live", category="province"
                ),
            ]
        )
        add_device(s, "LOA-MOLAO", "MOLAO")
        add_device(s, "LOA-DONGXA1", "DONGXA1")
        users = {u.username: u for u in s.scalars(select(User))}
        world = {}
        for key, station, ward_code, people in (
            ("A", station_a, station_a.ward.code, ("admin", "vanhanh", "xem")),
            ("B", station_b, WARD_B, ("dx.admin", "dx.vanhanh", "dx.xem")),
        ):
            rows = _station_rows(s, station, users[people[1]], on, tmp_path)
            world[key] = WardObjects(
                ward=ward_code,
                ward_name=station.ward.name,
                station=station.code,
                station_id=station.id,
                cluster=station.clusters[0].code,
                device=f"LOA-{station.code}",
                source="SRCMOLAO" if key == "A" else "SRCDX",
                admin=people[0],
                operator=people[1],
                viewer=people[2],
                **rows,
            )
    return world


@pytest.fixture(name="ops_world")
def ops_world_fixture(runtime, demo, tmp_path) -> dict[str, WardObjects]:
    return make_world(runtime, tmp_path)


@pytest.fixture(name="ops_browser")
def ops_browser_fixture(app):
    """browser("dx.vanhanh") -> a logged-in test client with its CSRF token as ``.token``."""

    def _as(username: str):
        client = app.test_client()
        assert login(client, username, PASSWORD).status_code == 302
        # every page carries the token (the logout form in base.html)
        client.token = csrf_from(client.get("/programmes").get_data(as_text=True))
        return client

    return _as


@pytest.fixture(name="ops_token")
def ops_token_fixture(runtime):
    """token_of("dx.vanhanh") -> an API bearer token for that user."""
    from broadcast.security import create_token

    def _token(username: str) -> str:
        with runtime.unit() as s:
            return create_token(s, s.scalar(select(User).where(User.username == username)), "test")

    return _token


def api(client, token: str, method: str, url: str, body=None):
    return client.open(f"/api/v1{url}", method=method, json=body, headers={"Authorization": f"Bearer {token}"})


# --- what "nothing changed" and "the same answer as for a missing object" mean ----------------------------

#: an object that exists in no ward: the answer to naming another ward's object must be this one's
MISSING = WardObjects(
    ward="KHONGCO",
    ward_name="",
    station="KHONGCO",
    station_id=99999,
    cluster="KHONGCO",
    device="KHONGCO",
    source="KHONGCO",
    programme_id=99999,
    item_id=99999,
    override_id=99999,
    live_id=99999,
    asrun_id=99999,
    command_id=99999,
    admin="",
    operator="",
    viewer="",
)


def snapshot(runtime) -> dict:
    """The rows the operational routes could change, read on an unscoped session."""
    from broadcast.domain.models import AuditLog, Bulletin, DeviceCommand

    with runtime.unit() as s:

        def rows(*columns):
            return sorted(tuple(r) for r in s.execute(select(*columns)).all())

        return {
            "stations": rows(Station.id, Station.name, Station.sink, Station.enabled, Station.description),
            "overrides": rows(DateOverride.id, DateOverride.station_id),
            "programmes": rows(Programme.id, Programme.locked),
            "items": rows(ProgrammeItem.id, ProgrammeItem.programme_id, ProgrammeItem.position),
            "playout_commands": rows(PlayoutCommand.id),
            "device_commands": rows(DeviceCommand.id),
            "sources": rows(UpstreamSource.code, UpstreamSource.name, UpstreamSource.url, UpstreamSource.enabled),
            "live": rows(LiveSession.id, LiveSession.status),
            "bulletins": rows(Bulletin.id),
            "wards": rows(Ward.code, Ward.embed_origins),
            "audit": rows(AuditLog.id),
        }


def normalised(text: str, obj: WardObjects) -> str:
    """An answer with the object's codes and every number blanked: what is left must not differ between
    another ward's object and a missing one."""
    import re

    for code in sorted({obj.station, obj.device, obj.source, obj.ward, obj.cluster}, key=len, reverse=True):
        text = text.replace(code, "§")
    return re.sub(r"\d+", "#", text)


def flashes(html: str) -> list[str]:
    import html as htmllib
    import re

    return [htmllib.unescape(m) for m in re.findall(r'<div class="flash flash-\w+" role="alert">(.*?)</div>', html)]
