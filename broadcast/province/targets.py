"""Where a bulletin goes: a ward's bulletin to its ward's stations, a province bulletin to its targets.

A province bulletin is one whose department has no ward (a province unit such as the department of
culture).  Its targets are every ward (``all_stations``), chosen wards (stored as those wards' stations)
or chosen stations, and it must name one of them: a province bulletin with no target is refused.  It airs
at a station only through that station's delivery, once the delivery is accepted
(``airs_at_clause``).  A ward's bulletin ``for all stations`` means every station of its own ward.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..domain.models import Bulletin, Delivery, Department, Station, Ward, bulletin_stations
from ..errors import ValidationError

ALL = "all"
MAX_WARDS = 500  # more than any province has; a bound on what one request may ask us to look up
NO_TARGET = (
    'Tin của tỉnh gửi xuống cần chọn nơi nhận: tất cả phường, xã («wards»: "all"), '
    'một số phường, xã («wards»: ["MA_PHUONG"]) hoặc một số đài («stations»).'
)


def is_province_department(department: Department | None) -> bool:
    return department is not None and department.ward_id is None


def is_province_bulletin(bulletin: Bulletin) -> bool:
    """Written by a province unit and sent down to the wards (its airing goes through deliveries)."""
    return is_province_department(bulletin.department)


def province_department_ids():
    """SQL: the ids of the province's departments (their bulletins are province bulletins)."""
    return select(Department.id).where(Department.ward_id.is_(None))


def parse_wards(session: Session, value) -> str | list[Ward]:
    """``"all"`` (every ward) or a list of ward codes → ``"all"`` or those wards.  A code the session cannot
    see (another ward's, for a ward user) is refused exactly like one that does not exist."""
    if isinstance(value, str) and value.strip().lower() == ALL:
        return ALL
    example = 'ví dụ ["MOLAO"] hoặc "all"'
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"Phường, xã nhận phải là danh sách mã phường, xã ({example}).", field="wards")
    codes = list(dict.fromkeys(v.strip().upper() for v in value if v.strip()))
    if len(codes) > MAX_WARDS:
        raise ValidationError(f"Chỉ chọn được tối đa {MAX_WARDS} phường, xã.", field="wards")
    found = {w.code.upper(): w for w in session.scalars(select(Ward).where(Ward.code.in_(codes)))} if codes else {}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(f"Không có phường, xã mã «{unknown[0][:40]}».", code="unknown_ward", field="wards")
    return [found[c] for c in codes]


def ward_stations(session: Session, wards: list[Ward]) -> list[Station]:
    if not wards:
        return []
    return list(
        session.scalars(select(Station).where(Station.ward_id.in_([w.id for w in wards])).order_by(Station.code))
    )


def merge_stations(stations: list[Station] | None, extra: list[Station]) -> list[Station]:
    """The stations named one by one, then those of the chosen wards, each once."""
    seen, out = set(), []
    for s in list(stations or []) + list(extra):
        if s.id not in seen:
            seen.add(s.id)
            out.append(s)
    return out


def check_targets(department: Department, values: dict, wards, *, creating: bool) -> None:
    """After validation, once the department is known: a province bulletin names its targets; a ward's
    bulletin names no wards and only its own ward's stations (a province user may write for a ward)."""
    if is_province_department(department):
        named = "stations" in values
        if (creating and not named) or (named and values["stations"] is None and wards != ALL):
            raise ValidationError(NO_TARGET, code="no_target", field="wards")
        if named and values["stations"] == []:
            raise ValidationError(NO_TARGET, code="no_target", field="wards")
        return
    if wards is not None:
        raise ValidationError(
            "Chỉ tin của tỉnh gửi xuống mới chọn phường, xã nhận; tin của phường chọn đài («stations»).",
            code="wards_not_allowed",
            field="wards",
        )
    for station in values.get("stations") or []:
        if station.ward_id != department.ward_id:
            raise ValidationError(
                f"Đài {station.code} không thuộc phường, xã của đơn vị {department.code}.",
                code="station_not_in_ward",
                field="stations",
            )


def target_station_ids(session: Session, bulletin: Bulletin) -> list[int]:
    """The stations the bulletin goes to: its own, or every station of its reach (the province's or its
    ward's) when it is for all."""
    if not bulletin.all_stations:
        return sorted(s.id for s in bulletin.stations)
    stmt = select(Station.id).order_by(Station.id)
    if not is_province_bulletin(bulletin):
        stmt = stmt.where(Station.ward_id == bulletin.department.ward_id)
    return list(session.scalars(stmt))


def airs_at_clause(station: Station):
    """SQL over ``Bulletin``: the bulletin may fill ``station``'s programmes — a bulletin of the station's
    ward meant for it, or a province bulletin whose delivery there is accepted (never a waiting or declined
    one)."""
    own_ward = Bulletin.department_id.in_(select(Department.id).where(Department.ward_id == station.ward_id))
    meant = or_(
        Bulletin.all_stations.is_(True),
        Bulletin.id.in_(select(bulletin_stations.c.bulletin_id).where(bulletin_stations.c.station_id == station.id)),
    )
    accepted = Bulletin.id.in_(
        select(Delivery.bulletin_id).where(Delivery.station_id == station.id, Delivery.state == "accepted")
    )
    return or_(and_(own_ward, meant), accepted)
