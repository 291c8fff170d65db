"""Stations: the lookup by code every entry point shares, and the station's output (sink) as the
operator changes it from the web. Every change is audited; the caller commits.

Holidays, extra sessions and quiet hours live in ``broadcast.station_calendar``: they need the
programme calendar, and the programme package looks stations up here, so keeping them apart keeps
the two from importing each other.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import tenancy
from .config import Settings
from .domain.models import Station, User, Ward
from .errors import Conflict, NotFound, ValidationError
from .security import audit

# The shape of device and source codes: station files, URLs and the CLI name a station by it.
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")


def station_by_code(session: Session, code, *, required: bool = True) -> Station | None:
    """The station with this code (spaces and case forgiven).

    ``required``: a missing station is a ``NotFound`` (code ``unknown_station``, field ``station``);
    otherwise None, for callers that treat "no such station" as an ordinary answer."""
    wanted = str(code or "").strip().upper()
    station = session.scalar(select(Station).where(Station.code == wanted)) if wanted else None
    if station is None and required:
        raise NotFound(f"Không có đài mã {wanted or str(code or '')!r}.", code="unknown_station", field="station")
    return station


def add_station(session: Session, user: User | None, code, name, ward_code=None, ip: str | None = None) -> Station:
    """A new station (enabled, ``null`` output until the operator sets one) of a ward: a ward user's own ward
    (naming another is "no such ward", as for a missing one), the ward a province user chose (required).
    Codes are unique in the whole installation. The caller commits."""
    code = str(code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ValidationError(
            "Mã đài chỉ gồm chữ in hoa không dấu, số, gạch dưới hoặc gạch ngang (1–40 ký tự), ví dụ MOLAO.",
            field="code",
        )
    name = str(name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError("Tên đài không được để trống (tối đa 200 ký tự).", field="name")
    ward = _ward_for_new_station(session, ward_code)
    taken = select(Station.id).where(Station.code == code).execution_options(**{tenancy.ALL_WARDS: True})
    if session.scalar(taken) is not None:
        raise Conflict(f"Mã đài {code} đã có.", field="code")
    station = Station(code=code, name=name, ward=ward, sink="null", enabled=True)
    session.add(station)
    session.flush()
    audit(session, "station.create", user=user, obj=station, ip=ip, detail={"code": code, "ward": ward.code})
    return station


def _ward_for_new_station(session: Session, ward_code) -> Ward:
    wanted = str(ward_code or "").strip().upper()
    own = tenancy.ward_id(session)
    if not wanted:
        if own is None:
            raise ValidationError("Chọn phường, xã của đài mới.", field="ward")
        return session.get(Ward, own)
    # The session's scope hides other wards: a ward user naming one finds nothing, as for a missing code.
    ward = session.scalar(select(Ward).where(Ward.code == wanted))
    if ward is None:
        raise NotFound(f"Không có phường, xã mã {wanted!r}.", field="ward")
    return ward


def public_sink(sink: str) -> str:
    """The sink as shown to people: never the Icecast source password."""
    return "icecast://" + sink.split("@")[-1] if sink.startswith("icecast://") and "@" in sink else sink


# --- output -------------------------------------------------------------------------------


def check_sink(spec: str, settings: Settings) -> str:
    """A valid sink spec for the web form, else ValidationError.

    ``file:`` targets must stay inside the data directory: from the web nobody may point the
    player at an arbitrary file of the server (the database, say)."""
    spec = (spec or "").strip()
    if len(spec) > 500:
        raise ValidationError("Đích phát quá dài (tối đa 500 ký tự).", field="sink")
    if spec in ("export", "agent"):  # no live sink on the server: USB export, or the station's own agents
        return spec
    # Imported here: loading the playout package for a station lookup would be wasted work.
    from .playout.sinks import open_sink

    open_sink(spec)  # parses (no side effect); raises ValidationError with the reason
    if spec.startswith("file:"):
        data_dir = Path(settings.data_dir).resolve()
        target = Path(spec[5:]).expanduser()
        if not target.is_absolute():
            target = data_dir / target
        if not target.resolve().is_relative_to(data_dir):
            raise ValidationError(
                f"Ghi tệp chỉ được vào thư mục dữ liệu {data_dir}: ví dụ file:{data_dir / 'luu-tru'}/", field="sink"
            )
        spec = "file:" + str(target.resolve()) + ("/" if spec.endswith("/") else "")
    return spec


def set_sink(
    session: Session, settings: Settings, user: User | None, station: Station, spec: str, ip: str | None = None
) -> bool:
    """Change where ``station`` plays. An empty value keeps the current one. True if it changed."""
    if not (spec or "").strip():
        return False
    spec = check_sink(spec, settings)
    if spec == station.sink:
        return False
    before = public_sink(station.sink)
    station.sink = spec
    audit(
        session,
        "station.sink",
        user=user,
        obj=station,
        ip=ip,
        detail={"station": station.code, "from": before, "to": public_sink(spec)},
    )
    return True
