"""Station session templates kept as TOML files under ``schedules/``.

A file describes one station and its recurring sessions; each session is an
ordered list of slots.  Loading validates everything first and only then
writes, so a bad file changes nothing.  Errors name the file and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.categories import CATEGORY_CODES
from ..domain.models import Cluster, SessionTemplate, Station, Ward
from ..errors import ValidationError

SLOT_KINDS = ("asset", "announcement", "bulletins", "column", "filler")
DAY_NAMES = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


@dataclass
class SessionDef:
    code: str
    name: str
    start: time
    days: str
    max_duration_s: int
    slots: list[dict]


@dataclass
class StationDef:
    code: str
    name: str
    sink: str
    ward_code: str
    ward_name: str
    clusters: list[tuple[str, str]] = field(default_factory=list)
    sessions: list[SessionDef] = field(default_factory=list)
    source: str = ""


class TemplateError(ValidationError):
    code = "template_error"

    def __init__(self, source: str, where: str, problem: str):
        super().__init__(f"{source}: {where}: {problem}")


def _time(value, source, where) -> time:
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError):
        raise TemplateError(source, where, f"giờ {value!r} không hợp lệ, dùng dạng HH:MM") from None


def _days(value, source, where) -> str:
    days = []
    for d in value or []:
        n = DAY_NAMES.get(str(d).lower()[:3]) if isinstance(d, str) else d
        if not isinstance(n, int) or not 1 <= n <= 7:
            raise TemplateError(source, where, f"ngày {d!r} không hợp lệ (mon..sun hoặc 1..7)")
        days.append(n)
    if not days:
        raise TemplateError(source, where, "phải có ít nhất một ngày trong tuần")
    return "".join(str(n) for n in sorted(set(days)))


def _check_categories(cats, source, where):
    for code in cats or []:
        if code != "cchc-*" and code not in CATEGORY_CODES:
            raise TemplateError(source, where, f"chuyên mục {code!r} không có")


def _slot(raw: dict, assets_dir: Path, source: str, where: str) -> dict:
    kind = raw.get("kind")
    if kind not in SLOT_KINDS:
        raise TemplateError(source, where, f"loại ô {kind!r} không có; dùng một trong {', '.join(SLOT_KINDS)}")
    if kind in ("asset", "filler"):
        name = raw.get("file")
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise TemplateError(source, where, "cần 'file' là tên một tệp trong audio_assets/")
        if not (assets_dir / name).is_file():
            raise TemplateError(source, where, f"không thấy tệp âm thanh audio_assets/{name}")
    if kind == "announcement" and not str(raw.get("text", "")).strip():
        raise TemplateError(source, where, "lời giới thiệu cần 'text'")
    if kind in ("bulletins", "column"):
        _check_categories(raw.get("categories"), source, where)
        share = raw.get("max_share", 1.0)
        if not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise TemplateError(source, where, "max_share phải trong khoảng (0, 1]")
    if kind == "column" and "weekdays" in raw:
        raw = dict(raw, weekdays=[int(c) for c in _days(raw["weekdays"], source, where + ".weekdays")])
    return dict(raw)


def parse_station_file(path: Path, assets_dir: Path) -> StationDef:
    source = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(source, "cú pháp TOML", str(exc)) from None
    st = data.get("station") or {}
    for key in ("code", "name"):
        if not st.get(key):
            raise TemplateError(source, f"station.{key}", "thiếu")
    ward = data.get("ward") or {}
    result = StationDef(
        code=st["code"], name=st["name"], sink=st.get("sink", "null"),
        ward_code=ward.get("code", st["code"]), ward_name=ward.get("name", st["name"]), source=str(path),
        clusters=[(c["code"], c["name"]) for c in data.get("cluster", [])],
    )
    seen = set()
    for i, s in enumerate(data.get("session", [])):
        where = f"session[{i}]"
        code = s.get("code")
        if not code or code in seen:
            raise TemplateError(source, f"{where}.code", "thiếu hoặc trùng mã buổi phát")
        seen.add(code)
        minutes = s.get("max_minutes")
        if not isinstance(minutes, (int, float)) or minutes <= 0:
            raise TemplateError(source, f"{where}.max_minutes", "phải là số phút dương")
        slots = [_slot(raw, assets_dir, source, f"{where}.slot[{j}]") for j, raw in enumerate(s.get("slot", []))]
        result.sessions.append(SessionDef(
            code=code, name=s.get("name", code), start=_time(s.get("start"), source, f"{where}.start"),
            days=_days(s.get("days"), source, f"{where}.days"), max_duration_s=int(minutes * 60), slots=slots,
        ))
    return result


def apply_station_def(session: Session, sdef: StationDef) -> Station:
    """Create or update the station, its clusters and its sessions from a parsed file."""
    ward = session.scalar(select(Ward).where(Ward.code == sdef.ward_code))
    if ward is None:
        ward = Ward(code=sdef.ward_code, name=sdef.ward_name)
        session.add(ward)
    station = session.scalar(select(Station).where(Station.code == sdef.code))
    if station is None:
        station = Station(code=sdef.code, ward=ward, name=sdef.name, sink=sdef.sink)
        session.add(station)
    station.name = sdef.name
    have = {c.code for c in station.clusters}
    for code, name in sdef.clusters:
        if code not in have:
            station.clusters.append(Cluster(code=code, name=name))
    existing = {t.code: t for t in station.sessions}
    for sd in sdef.sessions:
        tpl = existing.pop(sd.code, None) or SessionTemplate(station=station, code=sd.code)
        tpl.name, tpl.start_time, tpl.days = sd.name, sd.start, sd.days
        tpl.max_duration_s, tpl.slots, tpl.source_file, tpl.enabled = sd.max_duration_s, sd.slots, sdef.source, True
        session.add(tpl)
    for stale in existing.values():  # removed from the file: keep history, stop airing
        stale.enabled = False
    session.flush()
    return station


def load_schedules(session: Session, schedules_dir: Path, assets_dir: Path, only: str | None = None) -> list[Station]:
    """Parse every ``*.toml`` (all first, then write) and apply them."""
    files = sorted(schedules_dir.glob("*.toml"))
    if only:
        files = [f for f in files if f.stem.upper() == only.upper()]
    defs = [parse_station_file(f, assets_dir) for f in files]
    return [apply_station_def(session, d) for d in defs]
