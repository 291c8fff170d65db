"""Propaganda plans (kế hoạch tuyên truyền CCHC), their targets and report deadlines.

A plan covers a span (usually a calendar year) and carries targets such as
"60 minutes of CCHC news per month".  Reports are due for quarter I, 6
months, 9 months and the year, by the ``report_due_day``-th of the last month
of each period ("chậm nhất ngày 10 của tháng cuối kỳ báo cáo").
"""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain.categories import CATEGORY_CODES, CCHC_GROUP
from ..domain.models import Plan, PlanTarget, User, Ward
from ..errors import NotFound, ValidationError
from ..security import audit
from .periods import Period, half_period, nine_months_period, parse_date, quarter_period, year_period

METRICS = {"minutes": "Số phút phát", "airings": "Số lượt phát", "column_sessions": "Số buổi có chuyên mục"}
PERS = {"day": "mỗi ngày", "week": "mỗi tuần", "month": "mỗi tháng", "quarter": "mỗi quý", "year": "mỗi năm"}
TARGET_SCOPES = (None, CCHC_GROUP) + CATEGORY_CODES


def _text(value, field: str, label: str, *, required: bool, max_len: int) -> str | None:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not value:
        if required:
            raise ValidationError(f"Hãy nhập {label}.", field=field)
        return None
    if len(value) > max_len:
        raise ValidationError(f"{label[:1].upper() + label[1:]} dài quá {max_len} ký tự.", field=field)
    return value


def _int(value, field: str, label: str, lo: int, hi: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{label} phải là số nguyên.", field=field) from None
    if not lo <= number <= hi:
        raise ValidationError(f"{label} phải từ {lo} đến {hi}.", field=field)
    return number


def clean_plan(data: dict) -> dict:
    """Validate plan fields (strings from a form or JSON); return typed values."""
    out = {
        "title": _text(data.get("title"), "title", "tên kế hoạch", required=True, max_len=300),
        "number": _text(data.get("number"), "number", "số hiệu văn bản", required=False, max_len=80),
        "issued_on": parse_date(data["issued_on"], "issued_on") if data.get("issued_on") else None,
        "period_start": parse_date(data.get("period_start") or "", "period_start"),
        "period_end": parse_date(data.get("period_end") or "", "period_end"),
        "report_due_day": _int(
            data.get("report_due_day", 10), "report_due_day", "Hạn báo cáo (ngày trong tháng)", 1, 31
        ),
        "active": data.get("active", True) not in (False, "0", "false", "off", "", None),
    }
    if out["period_start"] > out["period_end"]:
        raise ValidationError("Ngày bắt đầu kế hoạch phải trước ngày kết thúc.", field="period_start")
    return out


def clean_target(data: dict) -> dict:
    metric = (data.get("metric") or "").strip()
    if metric not in METRICS:
        raise ValidationError("Chỉ tiêu phải là số phút, số lượt phát hoặc số buổi có chuyên mục.", field="metric")
    code = (data.get("category_code") or "").strip() or None
    if code == "all":
        code = None
    if code not in TARGET_SCOPES:
        raise ValidationError(f"Chuyên mục {code!r} không có trong danh mục.", field="category_code")
    per = (data.get("per") or "month").strip()
    if per not in PERS:
        raise ValidationError("Chu kỳ chỉ tiêu phải là ngày, tuần, tháng, quý hoặc năm.", field="per")
    try:
        value = float(str(data.get("value", "")).strip().replace(",", "."))
    except ValueError:
        raise ValidationError("Giá trị chỉ tiêu phải là một số.", field="value") from None
    if not 0 < value <= 1_000_000:
        raise ValidationError("Giá trị chỉ tiêu phải lớn hơn 0.", field="value")
    label = _text(data.get("label"), "label", "tên chỉ tiêu", required=False, max_len=200)
    return {"metric": metric, "category_code": code, "per": per, "value": value, "label": label}


def list_plans(session: Session, ward_id: int | None = None) -> list[Plan]:
    stmt = select(Plan).options(selectinload(Plan.targets)).order_by(Plan.period_start.desc(), Plan.id.desc())
    if ward_id is not None:
        stmt = stmt.where(Plan.ward_id == ward_id)
    return list(session.scalars(stmt))


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"Không có kế hoạch số {plan_id}.")
    return plan


def _default_ward(session: Session) -> Ward:
    ward = session.scalar(select(Ward).order_by(Ward.id).limit(1))
    if ward is None:
        raise ValidationError("Chưa có phường nào: hãy nạp dữ liệu phường trước khi lập kế hoạch.")
    return ward


def create_plan(session: Session, data: dict, *, user: User | None = None, ward: Ward | None = None) -> Plan:
    values = clean_plan(data)
    plan = Plan(ward=ward or _default_ward(session), **values)
    session.add(plan)
    session.flush()
    audit(session, "plan.create", user=user, obj=plan, detail={"title": plan.title})
    return plan


def update_plan(session: Session, plan: Plan, data: dict, *, user: User | None = None) -> Plan:
    values = clean_plan(data)
    changed = {k: str(v) for k, v in values.items() if getattr(plan, k) != v}
    for key, value in values.items():
        setattr(plan, key, value)
    session.flush()
    audit(session, "plan.update", user=user, obj=plan, detail=changed)
    return plan


def delete_plan(session: Session, plan: Plan, *, user: User | None = None) -> None:
    audit(session, "plan.delete", user=user, obj=plan, detail={"title": plan.title})
    session.delete(plan)
    session.flush()


def add_target(session: Session, plan: Plan, data: dict, *, user: User | None = None) -> PlanTarget:
    target = PlanTarget(plan=plan, **clean_target(data))
    session.add(target)
    session.flush()
    audit(
        session,
        "plan.target_add",
        user=user,
        obj=plan,
        detail={
            "target_id": target.id,
            "metric": target.metric,
            "category_code": target.category_code,
            "value": target.value,
            "per": target.per,
        },
    )
    return target


def update_target(session: Session, target: PlanTarget, data: dict, *, user: User | None = None) -> PlanTarget:
    for key, value in clean_target(data).items():
        setattr(target, key, value)
    session.flush()
    audit(
        session,
        "plan.target_update",
        user=user,
        obj=target.plan,
        detail={"target_id": target.id, "metric": target.metric, "value": target.value},
    )
    return target


def get_target(session: Session, plan: Plan, target_id: int) -> PlanTarget:
    target = session.get(PlanTarget, target_id)
    if target is None or target.plan_id != plan.id:
        raise NotFound(f"Kế hoạch không có chỉ tiêu số {target_id}.")
    return target


def delete_target(session: Session, target: PlanTarget, *, user: User | None = None) -> None:
    audit(session, "plan.target_delete", user=user, obj=target.plan, detail={"target_id": target.id})
    session.delete(target)
    session.flush()


def _covering(session: Session, ward_id: int | None, start: date, end: date) -> Plan | None:
    stmt = (
        select(Plan)
        .options(selectinload(Plan.targets))
        .where(Plan.active.is_(True), Plan.period_start <= end, Plan.period_end >= start)
        .order_by(Plan.period_start.desc(), Plan.id.desc())
    )
    if ward_id is not None:
        stmt = stmt.where(Plan.ward_id == ward_id)
    plans = list(session.scalars(stmt))
    # Prefer the plan that covers the start of the span, then any overlapping one.
    return next((p for p in plans if p.period_start <= start <= p.period_end), plans[0] if plans else None)


def current_plan(session: Session, today: date, ward_id: int | None = None) -> Plan | None:
    """The active plan in force on ``today``."""
    return _covering(session, ward_id, today, today)


def plan_for_period(session: Session, ward_id: int | None, period: Period) -> Plan | None:
    return _covering(session, ward_id, period.start, period.end)


def plans_for_period(session: Session, ward_ids: list[int], period: Period) -> dict[int, Plan]:
    """Each ward's plan for ``period`` (ward id -> plan; a ward with no active plan overlapping it is left out),
    chosen as ``plan_for_period`` chooses, in one statement for every ward of a province report."""
    stmt = (
        select(Plan)
        .options(selectinload(Plan.targets))
        .where(Plan.active.is_(True), Plan.period_start <= period.end, Plan.period_end >= period.start)
        .where(Plan.ward_id.in_(list(ward_ids)))
        .order_by(Plan.period_start.desc(), Plan.id.desc())
    )
    by_ward: dict[int, list[Plan]] = {}
    for plan in session.scalars(stmt):
        by_ward.setdefault(plan.ward_id, []).append(plan)
    start = period.start
    return {
        wid: next((p for p in plans if p.period_start <= start <= p.period_end), plans[0])
        for wid, plans in by_ward.items()
    }


def reporting_periods(year: int) -> list[Period]:
    """The periods the plan asks reports for: quarter I, 6 months, 9 months, the year."""
    return [quarter_period(year, 1), half_period(year, 1), nine_months_period(year), year_period(year)]


def due_date(period: Period, due_day: int) -> date:
    """The ``due_day``-th of the period's last month (the month's last day if shorter)."""
    last = calendar.monthrange(period.end.year, period.end.month)[1]
    return date(period.end.year, period.end.month, min(due_day, last))


def reporting_deadlines(plan: Plan) -> list[dict]:
    out = []
    for year in range(plan.period_start.year, plan.period_end.year + 1):
        for period in reporting_periods(year):
            if period.end < plan.period_start or period.start > plan.period_end:
                continue
            out.append(
                {
                    "code": period.code,
                    "label": period.label,
                    "start": period.start,
                    "end": period.end,
                    "due": due_date(period, plan.report_due_day),
                }
            )
    return out


def next_report_deadline(
    session: Session, today: date, ward_id: int | None = None, plan: Plan | None = None
) -> dict | None:
    """The next report due on or after ``today`` under the current plan (None without a plan)."""
    plan = plan or current_plan(session, today, ward_id)
    if plan is None:
        return None
    upcoming = [d for d in reporting_deadlines(plan) if d["due"] >= today]
    if not upcoming:
        return None
    nxt = upcoming[0]
    return {**nxt, "days_left": (nxt["due"] - today).days, "plan_id": plan.id, "plan_title": plan.title}
