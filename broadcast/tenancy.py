"""Wards and the province: which rows a user may see and change.

An installation holds one province and any number of wards and communes.  A ward user (``users.ward_id``
set) sees and changes only their ward's rows; a province user (``ward_id`` NULL) has their role over every
ward.  The web puts the acting user's scope on its request session (``apply``).  From then on every ORM
SELECT, UPDATE and DELETE on that session carries the ward's criteria (SQLAlchemy's ``with_loader_criteria``
in a ``do_orm_execute`` hook), relationship loads included: a page or endpoint that looks an object up by id
or code finds nothing of another ward and answers exactly as for a missing one, and a list never shows
another ward's rows.  Code that is not acting for a user (the scheduler, playout, the agent API, the CLI)
uses unscoped sessions and sees everything.

Statements written in Core against tables (reports, the API list's plain rows) are not ORM statements:
they take the ward from ``ward_id(session)`` and narrow themselves (``station_ids_clause``).

Shared by every ward: categories, the installation's settings, and what the province owns — its
departments and users (named as the authors of bulletins sent down), its lexicon entries and its upstream
sources (a ward sees them beside its own).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, with_loader_criteria

from .domain.models import (
    ApiToken,
    AsRun,
    AsRunDayItem,
    AsRunDaySession,
    AuditLog,
    Bulletin,
    BulletinComment,
    Cluster,
    DateOverride,
    Delivery,
    Department,
    Device,
    DeviceCommand,
    DeviceEvent,
    LexiconEntry,
    LiveSession,
    Plan,
    PlanTarget,
    PlayoutCommand,
    PlayoutRun,
    Programme,
    ProgrammeItem,
    Province,
    SessionTemplate,
    Station,
    UpstreamSource,
    User,
    Ward,
    WardSetting,
)

SCOPE_KEY = "broadcast.ward_scope"
# Set on a statement (``execution_options(all_wards=True)``) that must see past the scope on purpose:
# uniqueness checks of codes that are unique in the whole installation.
ALL_WARDS = "all_wards"


@dataclass(frozen=True)
class Scope:
    """What a session acting for a user may see: one ward's rows, or (``ward_id`` None) the province's."""

    ward_id: int | None

    @property
    def is_province(self) -> bool:
        return self.ward_id is None


def scope_of(user) -> Scope:
    return Scope(getattr(user, "ward_id", None))


def apply(session: Session, user) -> Scope:
    """Act for ``user`` on ``session`` from now on (the web calls this once the user is known)."""
    scope = scope_of(user)
    session.info[SCOPE_KEY] = scope
    return scope


def ward_id(session: Session) -> int | None:
    """The ward the session acts for; None for a province user or an unscoped session."""
    scope = session.info.get(SCOPE_KEY)
    return None if scope is None else scope.ward_id


def is_ward_scoped(session: Session) -> bool:
    return ward_id(session) is not None


def station_ids_clause(session: Session, column):
    """``column IN (the ward's stations)`` for Core statements, or None when the session sees every ward."""
    wid = ward_id(session)
    if wid is None:
        return None
    return column.in_(select(Station.id).where(Station.ward_id == wid))


@functools.lru_cache(maxsize=1024)
def ward_bulletin_ids(wid: int):
    """The ids of the bulletins ward ``wid`` sees: its departments' and the province's sent to its stations
    (an immutable SELECT, built once per ward: every bulletin list and page asks for it)."""
    stations = select(Station.id).where(Station.ward_id == wid)
    return select(Bulletin.id).where(
        or_(
            Bulletin.department_id.in_(select(Department.id).where(Department.ward_id == wid)),
            Bulletin.id.in_(select(Delivery.bulletin_id).where(Delivery.station_id.in_(stations))),
        )
    )


@functools.lru_cache(maxsize=1024)
def _criteria(wid: int) -> tuple:
    """The ward's loader criteria, built once per ward: the options are immutable and depend on ``wid``
    alone, and building them (each lambda analysed) was half the CPU of a dashboard request."""
    stations = select(Station.id).where(Station.ward_id == wid)
    devices = select(Device.id).where(Device.station_id.in_(stations))
    programmes = select(Programme.id).where(Programme.station_id.in_(stations))
    ward_users = select(User.id).where(User.ward_id == wid)
    bulletins = ward_bulletin_ids(wid)
    by_station = [
        SessionTemplate,
        DateOverride,
        Programme,
        AsRun,
        AsRunDaySession,
        PlayoutRun,
        PlayoutCommand,
        Delivery,
        Cluster,
    ]
    rules = [
        with_loader_criteria(Ward, lambda cls: cls.id == wid),
        with_loader_criteria(Province, lambda cls: cls.id.in_(select(Ward.province_id).where(Ward.id == wid))),
        with_loader_criteria(Station, lambda cls: cls.ward_id == wid),
        with_loader_criteria(Device, lambda cls: cls.station_id.in_(stations)),
        with_loader_criteria(DeviceEvent, lambda cls: cls.device_id.in_(devices)),
        with_loader_criteria(DeviceCommand, lambda cls: cls.device_id.in_(devices)),
        with_loader_criteria(ProgrammeItem, lambda cls: cls.programme_id.in_(programmes)),
        with_loader_criteria(Plan, lambda cls: cls.ward_id == wid),
        with_loader_criteria(PlanTarget, lambda cls: cls.plan_id.in_(select(Plan.id).where(Plan.ward_id == wid))),
        with_loader_criteria(WardSetting, lambda cls: cls.ward_id == wid),
        with_loader_criteria(AsRunDayItem, lambda cls: cls.ward_id == wid),
        with_loader_criteria(LiveSession, lambda cls: cls.ward_id == wid),
        with_loader_criteria(Bulletin, lambda cls: cls.id.in_(bulletins)),
        with_loader_criteria(BulletinComment, lambda cls: cls.bulletin_id.in_(bulletins)),
        with_loader_criteria(ApiToken, lambda cls: cls.user_id.in_(ward_users)),
        # The province's own rows (ward NULL) are shared with every ward.
        with_loader_criteria(Department, lambda cls: or_(cls.ward_id == wid, cls.ward_id.is_(None))),
        with_loader_criteria(User, lambda cls: or_(cls.ward_id == wid, cls.ward_id.is_(None))),
        with_loader_criteria(LexiconEntry, lambda cls: or_(cls.ward_id == wid, cls.ward_id.is_(None))),
        with_loader_criteria(UpstreamSource, lambda cls: or_(cls.ward_id == wid, cls.ward_id.is_(None))),
        # Rows from before migration 0014 carry no ward: they belong to their user's.
        with_loader_criteria(
            AuditLog,
            lambda cls: or_(cls.ward_id == wid, cls.ward_id.is_(None) & cls.user_id.in_(ward_users)),
        ),
    ]
    rules += [with_loader_criteria(entity, lambda cls: cls.station_id.in_(stations)) for entity in by_station]
    return tuple(rules)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state) -> None:
    wid = ward_id(state.session)
    if wid is None or state.is_column_load or state.execution_options.get(ALL_WARDS):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(*_criteria(wid))


@event.listens_for(Session, "before_flush")
def _ward_joins_the_province(session: Session, _context, _instances) -> None:
    """A ward saved without a province joins the installation's (created from its ``province`` text)."""
    for obj in session.new:
        if isinstance(obj, Ward) and obj.province_id is None and obj.province_ref is None:
            obj.province_ref = installation_province(session, name=obj.province)


def installation_province(session: Session, *, name: str | None = None) -> Province:
    """The installation's province, created on first use."""
    found = session.scalars(select(Province).order_by(Province.id).limit(1)).first()
    if found is None:
        found = next((o for o in session.new if isinstance(o, Province)), None)
    if found is None:
        name = name or "Tỉnh"
        found = Province(code=province_code(name), name=name)
        session.add(found)
    return found


def province_code(name: str) -> str:
    """``"Hà Nội"`` → ``"HANOI"``: a code from a name, as migration 0014 makes it."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    letters = "".join(c for c in ascii_name if c.isascii() and c.isalnum()).upper()
    return letters[:40] or "TINH"


def ward_of(obj) -> int | None:
    """The ward a row belongs to, through its station, department, bulletin, device or plan; None for the
    province's own rows (its departments, users and the bulletins they send down)."""
    for _ in range(4):  # a delivery's station, a command's device's station: never deeper
        if obj is None:
            return None
        if isinstance(obj, Ward):
            return obj.id
        if getattr(obj, "ward_id", None) is not None:
            return obj.ward_id
        relationships = type(obj).__mapper__.relationships if hasattr(type(obj), "__mapper__") else {}
        parent = next(
            (name for name in ("station", "department", "device", "plan", "programme") if name in relationships),
            None,
        )
        if parent is None:
            return None
        obj = getattr(obj, parent)
    return None
