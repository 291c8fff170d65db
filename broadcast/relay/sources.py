"""Named upstream sources (nguồn tiếp sóng): the VOV programmes and the provincial station a ward relays, as
records the operator adds, edits, disables and checks, and the relay slots coming up with their health.

A station file names a source by its code; the build looks the code up (broadcast.programme.relay_slot), so
an address that changes is edited once here.  Sources are never deleted: as-run rows and reports name them,
so one that is no longer relayed is disabled instead.  Every change is audited; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import tenancy
from ..config import Settings
from ..domain.models import Programme, ProgrammeItem, Station, UpstreamSource, User
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..security import audit
from .probe import probe_stream
from .urls import check_relay_url

CATEGORY_LABELS = {"national": "VOV (quốc gia)", "province": "Đài tỉnh", "other": "Khác"}
#: The last check's state, as the list page and the dashboard show it.
STATE_LABELS = {"ok": "Tốt", "silent": "Im lặng", "failed": "Lỗi", "never": "Chưa kiểm tra"}
# The same shape as station and device codes: station files, URLs and the CLI name a source by it.
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
MAX_NAME = 200
#: A check from the page or the API waits at most this long for the upstream.
CHECK_TIMEOUT_S = 8.0


def clean_code(code) -> str:
    text = str(code or "").strip().upper()
    if not CODE_RE.match(text):
        raise ValidationError(
            "Mã nguồn chỉ gồm chữ in hoa không dấu, số, gạch dưới hoặc gạch ngang (1–40 ký tự), ví dụ VOV1.",
            field="code",
        )
    return text


def clean_name(name) -> str:
    text = str(name or "").strip()
    if not text or len(text) > MAX_NAME:
        raise ValidationError(f"Cần tên nguồn tiếp sóng (tối đa {MAX_NAME} ký tự).", field="name")
    return text


def clean_category(category) -> str:
    text = str(category or "").strip().lower()
    if text not in CATEGORY_LABELS:
        raise ValidationError(
            "Loại nguồn phải là national (VOV), province (đài tỉnh) hoặc other (khác).", field="category"
        )
    return text


def list_sources(session: Session, *, enabled_only: bool = False) -> list[UpstreamSource]:
    query = select(UpstreamSource).order_by(UpstreamSource.code)
    if enabled_only:
        query = query.where(UpstreamSource.enabled.is_(True))
    return list(session.scalars(query))


def source_by_code(session: Session, code, required: bool = True) -> UpstreamSource | None:
    """The source with this code (spaces and case forgiven); ``NotFound`` when missing and ``required``."""
    wanted = str(code or "").strip().upper()
    source = session.scalar(select(UpstreamSource).where(UpstreamSource.code == wanted)) if wanted else None
    if source is None and required:
        raise NotFound(f"Không có nguồn tiếp sóng mã {wanted or str(code or '')!r}.", field="code")
    return source


def check_may_change(session: Session, source: UpstreamSource) -> None:
    """A ward user uses the province's shared sources but may not change or disable them (the session's
    scope already hides other wards' sources)."""
    wid = tenancy.ward_id(session)
    if wid is not None and source.ward_id != wid:
        raise PermissionDenied(
            f"Nguồn tiếp sóng {source.code} là nguồn dùng chung của tỉnh: phường, xã được dùng nhưng không được "
            "sửa hay tắt; hãy liên hệ cán bộ cấp tỉnh.",
            code="province_source",
        )


def add_source(
    session: Session,
    *,
    code,
    name,
    url,
    category="other",
    own_addresses: tuple[str, ...] = (),
    user: User | None = None,
    ip: str | None = None,
    ward_id: int | None = None,
) -> UpstreamSource:
    """A new enabled source; every field is checked before anything is added.

    It belongs to ``ward_id``, else to the ward the session acts for; a province user's (or the CLI's
    without a ward) is the province's, shared with every ward."""
    code = clean_code(code)
    fields = {
        "name": clean_name(name),
        "url": check_relay_url(url, own_addresses=own_addresses),
        "category": clean_category(category),
    }
    # Codes are unique in the installation (station files name them): look past the ward's scope.
    taken = select(UpstreamSource.id).where(UpstreamSource.code == code).execution_options(**{tenancy.ALL_WARDS: True})
    if session.scalar(taken) is not None:
        raise Conflict(f"Mã nguồn tiếp sóng {code} đã có.", field="code")
    ward_id = ward_id if ward_id is not None else tenancy.ward_id(session)
    source = UpstreamSource(code=code, enabled=True, ward_id=ward_id, **fields)
    session.add(source)
    session.flush()
    audit(session, "source.create", user=user, obj=source, detail={"code": code, **fields}, ip=ip)
    return source


def update_source(
    session: Session,
    source: UpstreamSource,
    *,
    name=None,
    url=None,
    category=None,
    own_addresses: tuple[str, ...] = (),
    user: User | None = None,
    ip: str | None = None,
) -> dict:
    """Change the given fields (None keeps one); returns {field: [before, after]} of what changed.

    A new address makes the last check meaningless, so it is cleared: the health line then says "never
    checked" instead of vouching for a stream nobody has heard."""
    wanted = {}
    if name is not None:
        wanted["name"] = clean_name(name)
    if url is not None:
        wanted["url"] = check_relay_url(url, own_addresses=own_addresses)
    if category is not None:
        wanted["category"] = clean_category(category)
    check_may_change(session, source)  # after the fields: bad input is told as such whoever owns the source
    changed = {k: [getattr(source, k), v] for k, v in wanted.items() if getattr(source, k) != v}
    for field, (_, value) in changed.items():
        setattr(source, field, value)
    if "url" in changed:
        source.last_check, source.last_check_at = None, None
    if changed:
        audit(session, "source.update", user=user, obj=source, detail={"code": source.code, **changed}, ip=ip)
    return changed


def set_enabled(
    session: Session, source: UpstreamSource, enabled: bool, *, user: User | None = None, ip: str | None = None
) -> bool:
    """Turn a source on or off (the way to retire one); True if it changed."""
    check_may_change(session, source)
    if source.enabled == bool(enabled):
        return False
    source.enabled = bool(enabled)
    action = "source.enable" if enabled else "source.disable"
    audit(session, action, user=user, obj=source, detail={"code": source.code}, ip=ip)
    return True


def check_source(
    session: Session,
    source: UpstreamSource,
    *,
    timeout_s: float = CHECK_TIMEOUT_S,
    probe: Callable[..., dict] | None = None,
) -> dict:
    """Probe the source now (``probe``: probe_stream unless a test gives another) and keep the result as its
    last check (the caller commits)."""
    result = (probe or probe_stream)(source.url, timeout_s=timeout_s)
    source.last_check, source.last_check_at = result, utcnow()
    return result


def check_programme_sources(session: Session, programme: Programme, *, probe: Callable[..., dict] | None = None):
    """Probe every named source a programme relays (the scheduler does it when it readies a session, so the
    dashboard's health line is fresh before the slot); returns {code: state}. The caller commits."""
    codes = {
        str(item.relay.get("source")).upper()
        for item in programme.items
        if item.kind == "relay" and item.relay and item.relay.get("source")
    }
    states = {}
    for source in session.scalars(select(UpstreamSource).where(UpstreamSource.code.in_(codes))) if codes else []:
        states[source.code] = check_state(check_source(session, source, probe=probe))
    return states


def check_state(check: dict | None) -> str:
    """``ok``, ``silent`` (reachable, nothing audible), ``failed`` or ``never`` (no check yet)."""
    if not check:
        return "never"
    if not check.get("ok"):
        return "failed"
    return "ok" if check.get("audible") else "silent"


def check_summary(check: dict | None) -> str:
    """One Vietnamese sentence for a check: what the stream is and whether it sounds, or why it failed."""
    state = check_state(check)
    if state == "never":
        return "Chưa kiểm tra."
    if state == "failed":
        return f"Lỗi: {check.get('error') or 'không rõ nguyên nhân'}"
    rate = check.get("sample_rate")
    parts = [
        str(check.get("codec") or "?"),
        f"{check['bitrate'] // 1000} kbit/s" if check.get("bitrate") else None,
        f"{rate:,} Hz".replace(",", ".") if rate else None,
        {1: "mono", 2: "stereo"}.get(check.get("channels")),
    ]
    facts = ", ".join(p for p in parts if p)
    level = check.get("rms_dbfs")
    level_text = f"mức âm {level:.1f} dBFS".replace(".", ",") if level is not None else "không đo được mức âm"
    if state == "silent":
        return f"Kết nối được nhưng nguồn im lặng ({facts}; {level_text})."
    return f"Tốt: {facts}; {level_text}."


def source_json(source: UpstreamSource) -> dict:
    return {
        "code": source.code,
        "name": source.name,
        "url": source.url,
        "category": source.category,
        "enabled": source.enabled,
        "shared": source.ward_id is None,
        "state": check_state(source.last_check),
        "last_check": source.last_check,
        "last_check_at": source.last_check_at.isoformat() if source.last_check_at else None,
    }


# --- relay slots coming up, for the dashboard --------------------------------------------------


@dataclass(frozen=True)
class UpcomingRelay:
    station_code: str
    station_name: str
    start: datetime  # local time of the station's zone
    upstream: str  # the display name the programme was built with
    source: str | None  # the source's code, None for a slot that names a URL no source has
    state: str  # check_state of the source's last check
    checked_at: datetime | None  # UTC
    age: timedelta | None  # how old that check is at ``now``
    error: str | None  # the last check's Vietnamese reason, when it failed


def upcoming_relays(session: Session, settings: Settings, now: datetime, hours: float = 24) -> list[UpcomingRelay]:
    """Relay items planned from ``now`` (UTC) for ``hours``, earliest first, with their source's last check.

    Two statements whatever the number of items: the items with their stations, then the sources they
    name (by code, or by address for a slot that gave a URL)."""
    rows = session.execute(
        select(ProgrammeItem.planned_start, ProgrammeItem.relay, Station.code, Station.name)
        .join(Programme, ProgrammeItem.programme_id == Programme.id)
        .join(Station, Programme.station_id == Station.id)
        .where(
            ProgrammeItem.kind == "relay",
            ProgrammeItem.planned_start >= now,
            ProgrammeItem.planned_start < now + timedelta(hours=hours),
        )
        .order_by(ProgrammeItem.planned_start, Station.code)
    ).all()
    if not rows:
        return []
    relays = [r.relay or {} for r in rows]
    codes = {r.get("source") for r in relays if r.get("source")}
    urls = {r.get("url") for r in relays if not r.get("source") and r.get("url")}
    found = session.scalars(
        select(UpstreamSource).where(or_(UpstreamSource.code.in_(codes), UpstreamSource.url.in_(urls)))
    ).all()
    by_code, by_url = {s.code: s for s in found}, {s.url: s for s in found}
    out = []
    for row, relay in zip(rows, relays, strict=True):
        src = by_code.get(relay.get("source")) or (None if relay.get("source") else by_url.get(relay.get("url")))
        check = src.last_check if src is not None else None
        at = src.last_check_at if src is not None else None
        out.append(
            UpcomingRelay(
                station_code=row.code,
                station_name=row.name,
                start=row.planned_start.astimezone(settings.tz),
                upstream=relay.get("upstream") or relay.get("url") or "",
                source=src.code if src is not None else relay.get("source"),
                state=check_state(check),
                checked_at=at,
                age=(now - at) if at is not None else None,
                error=(check or {}).get("error"),
            )
        )
    return out
