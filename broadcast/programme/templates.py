"""Station session templates kept as TOML files under ``schedules/``.

A file describes one station and its recurring sessions; each session is an
ordered list of slots.  Loading validates everything first and only then
writes, so a bad file changes nothing.  Errors name the file and the field.

Per-date exceptions live in the same file::

    [[holiday]]                 # no session that day (or only the listed ones)
    date = 2025-09-02
    sessions = ["chieu"]        # optional; default: every session
    note = "Quốc khánh"

    [[extra]]                   # a one-off session on a date
    date = 2025-10-01
    session = "dacbiet"         # a [[session]] of this file (days = [] for extra-only ones)
    start = "19:00"             # optional: default the session's own start
    max_minutes = 20            # optional: default the session's own maximum

The file is the source of truth for its station's date overrides: loading it
replaces them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..dates import parse_day
from ..domain.categories import CATEGORY_CODES
from ..domain.models import Cluster, DateOverride, SessionTemplate, Station, Ward
from ..errors import ValidationError
from ..speech.voices import check_choice
from .relay_slot import check_relay_slot

SLOT_KINDS = ("asset", "announcement", "bulletins", "column", "filler", "relay")
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
class OverrideDef:
    on_date: date
    kind: str  # holiday | extra
    session_code: str | None = None
    start: time | None = None
    max_duration_s: int | None = None
    note: str | None = None


@dataclass
class StationDef:
    code: str
    name: str
    sink: str
    ward_code: str
    ward_name: str
    clusters: list[tuple[str, str]] = field(default_factory=list)
    sessions: list[SessionDef] = field(default_factory=list)
    overrides: list[OverrideDef] = field(default_factory=list)
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


def _days(value, source, where, allow_empty: bool = False) -> str:
    if not isinstance(value, (list, tuple)) and value is not None:
        raise TemplateError(source, where, 'phải là danh sách ngày, ví dụ ["mon", "fri"]')
    days = []
    for d in value or []:
        n = DAY_NAMES.get(str(d).lower()[:3]) if isinstance(d, str) else d
        if not isinstance(n, int) or not 1 <= n <= 7:
            raise TemplateError(source, where, f"ngày {d!r} không hợp lệ (mon..sun hoặc 1..7)")
        days.append(n)
    if not days:
        if allow_empty and value is not None:
            return ""  # days = []: the session airs only on dates listed under [[extra]]
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
    if kind == "relay":
        return dict(_relay_slot(raw, assets_dir, source, where), where=where)
    if kind == "announcement" and not str(raw.get("text", "")).strip():
        raise TemplateError(source, where, "lời giới thiệu cần 'text'")
    if kind == "announcement" and "voice" in raw:
        # this slot's own voice over the station's: { engine = "espeak", voice = "vi", speed = 1.0 }
        try:
            raw = dict(raw, voice=check_choice(raw["voice"]))
        except ValidationError as exc:
            raise TemplateError(source, where + ".voice", exc.message) from None
    if kind in ("bulletins", "column"):
        _check_categories(raw.get("categories"), source, where)
        share = raw.get("max_share", 1.0)
        if not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise TemplateError(source, where, "max_share phải trong khoảng (0, 1]")
    if kind == "column" and "weekdays" in raw:
        raw = dict(raw, weekdays=[int(c) for c in _days(raw["weekdays"], source, where + ".weekdays")])
    if kind == "column" and "intro" in raw and not str(raw.get("intro") or "").strip():
        raise TemplateError(source, where + ".intro", "lời giới thiệu chuyên mục để trống")
    # Where the slot came from, so errors found at build time can name the field.
    return dict(raw, where=where)


def _relay_slot(raw: dict, assets_dir: Path, source: str, where: str) -> dict:
    """A relay slot (``relay_slot.check_relay_slot``), its errors naming the file and the field."""

    def fail(field: str, problem: str):
        raise TemplateError(source, where + field, problem)

    return check_relay_slot(raw, assets_dir, fail)


#: A lower bound of spoken length used before anything is rendered: fast
#: Vietnamese speech is about five syllables a second.
SYLLABLES_PER_SECOND_FAST = 5.0


def asset_duration_s(assets_dir: Path, name: str) -> float | None:
    from ..audio.measure import probe_audio

    info = probe_audio(assets_dir / name)
    return info.duration_s if info else None


def fixed_parts_estimate_s(slots: list[dict], assets_dir: Path) -> float:
    """A lower bound of the fixed parts' length (assets measured, speech estimated fast)."""
    total = 0.0
    for slot in slots:
        if slot["kind"] == "asset":
            total += asset_duration_s(assets_dir, slot["file"]) or 0.0
        elif slot["kind"] == "announcement":
            total += len(str(slot.get("text", "")).split()) / SYLLABLES_PER_SECOND_FAST
        elif slot["kind"] == "relay":
            total += float(slot["minutes"]) * 60
    return total


def _date(value, source, where) -> date:
    """A TOML date (or a ``YYYY-MM-DD`` string) through the project's one date parser; the error names the
    file and the field, as every station file error does."""
    try:
        day = parse_day(value, field=where)
    except ValidationError:
        day = None
    if day is None:
        raise TemplateError(source, where, f"ngày {value!r} không hợp lệ, dùng dạng YYYY-MM-DD")
    return day


def _overrides(data: dict, sessions: dict[str, SessionDef], source: str) -> list[OverrideDef]:
    result = []
    for i, h in enumerate(data.get("holiday", [])):
        where = f"holiday[{i}]"
        on = _date(h.get("date"), source, f"{where}.date")
        codes = h.get("sessions")
        if codes is None:
            result.append(OverrideDef(on, "holiday", None, note=h.get("note")))
            continue
        for code in codes if isinstance(codes, list) else [codes]:
            if code not in sessions:
                raise TemplateError(source, f"{where}.sessions", f"không có buổi phát {code!r} trong tệp")
            result.append(OverrideDef(on, "holiday", code, note=h.get("note")))
    for i, x in enumerate(data.get("extra", [])):
        where = f"extra[{i}]"
        on = _date(x.get("date"), source, f"{where}.date")
        code = x.get("session")
        if code not in sessions:
            raise TemplateError(source, f"{where}.session", f"không có buổi phát {code!r} trong tệp")
        if str(on.isoweekday()) in sessions[code].days:
            raise TemplateError(
                source,
                f"{where}.session",
                f"buổi {code!r} đã phát theo lịch vào ngày {on.isoformat()}; "
                "khai báo một buổi riêng với days = [] cho buổi phát thêm",
            )
        if any(o.kind == "extra" and o.on_date == on and o.session_code == code for o in result):
            raise TemplateError(source, f"{where}.session", f"buổi {code!r} ngày {on.isoformat()} bị khai báo hai lần")
        start = _time(x["start"], source, f"{where}.start") if "start" in x else None
        minutes = x.get("max_minutes")
        if minutes is not None and (not isinstance(minutes, (int, float)) or minutes <= 0):
            raise TemplateError(source, f"{where}.max_minutes", "phải là số phút dương")
        result.append(OverrideDef(on, "extra", code, start, int(minutes * 60) if minutes else None, x.get("note")))
    return result


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
        code=st["code"],
        name=st["name"],
        sink=st.get("sink", "null"),
        ward_code=ward.get("code", st["code"]),
        ward_name=ward.get("name", st["name"]),
        source=str(path),
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
        fixed = fixed_parts_estimate_s(slots, assets_dir)
        if fixed > minutes * 60:
            raise TemplateError(
                source,
                f"{where}.max_minutes",
                f"phần cố định (nhạc hiệu, lời dẫn) đã dài ít nhất {fixed:.0f} giây, "
                f"vượt thời lượng tối đa {minutes} phút của buổi {code!r}",
            )
        result.sessions.append(
            SessionDef(
                code=code,
                name=s.get("name", code),
                start=_time(s.get("start"), source, f"{where}.start"),
                days=_days(s.get("days"), source, f"{where}.days", allow_empty=True),
                max_duration_s=int(minutes * 60),
                slots=slots,
            )
        )
    result.overrides = _overrides(data, {sd.code: sd for sd in result.sessions}, source)
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
    # The file's own holidays and extra sessions are replaced; those added in the web admin are kept.
    for old in session.scalars(
        select(DateOverride).where(DateOverride.station_id == station.id, DateOverride.source == "file")
    ):
        session.delete(old)
    for o in sdef.overrides:
        session.add(
            DateOverride(
                station_id=station.id,
                on_date=o.on_date,
                kind=o.kind,
                session_code=o.session_code,
                start_time=o.start,
                max_duration_s=o.max_duration_s,
                note=o.note,
            )
        )
    session.flush()
    return station


def load_schedules(session: Session, schedules_dir: Path, assets_dir: Path, only: str | None = None) -> list[Station]:
    """Parse every ``*.toml`` (all first, then write) and apply them."""
    files = sorted(schedules_dir.glob("*.toml"))
    if only:
        files = [f for f in files if f.stem.upper() == only.upper()]
    defs = [parse_station_file(f, assets_dir) for f in files]
    return [apply_station_def(session, d) for d in defs]
