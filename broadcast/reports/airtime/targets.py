"""The plan's targets against the report's figures: each target scaled to the period, and what was achieved."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ...domain.categories import CATEGORIES, CCHC_GROUP
from ..periods import Period

METRIC_LABELS = {"minutes": "phút", "airings": "lượt", "column_sessions": "buổi"}
PER_MONTHS = {"month": 1.0, "quarter": 3.0, "year": 12.0}

Achieved = Callable[[str, "str | None"], float]


def default_target_label(metric: str, category_code: str | None) -> str:
    what = {"minutes": "Số phút", "airings": "Số lượt phát", "column_sessions": "Số buổi có chuyên mục"}.get(
        metric, metric
    )
    if category_code is None:
        scope = "tất cả chuyên mục"
    elif category_code == CCHC_GROUP:
        scope = "tin CCHC"
    else:
        cat = next((c for c in CATEGORIES if c.code == category_code), None)
        scope = cat.name if cat else category_code
    return f"{what} ({scope})"


def column_session_codes(plan) -> tuple[str, ...]:
    """The single categories (not ``cchc``, not "all") whose ``column_sessions`` targets need, per session,
    whether an item of theirs aired: the SQL counts those sessions for them."""
    return tuple(
        dict.fromkeys(
            t.category_code
            for t in (plan.targets if plan is not None else ())
            if t.metric == "column_sessions" and t.category_code not in (None, CCHC_GROUP)
        )
    )


def scale(per: str, period: Period) -> float:
    """How many times a target ``per`` day/week/month/quarter/year fits in ``period``."""
    if per == "day":
        return period.days
    if per == "week":
        return period.days / 7
    return period.months / PER_MONTHS.get(per, 1.0)


def achievements(totals: Mapping, by_category: Iterable[Mapping], sessions_by_category: Mapping[str, int]) -> Achieved:
    """``achieved(metric, code)``: what the report counts for a target of ``metric`` on ``code`` (None: every
    category, ``cchc``: the CCHC areas together, else one category)."""
    cat_by_code = {r["code"]: r for r in by_category}

    def achieved(metric: str, code: str | None):
        if metric == "column_sessions":
            if code is None:
                return totals["sessions_aired"]
            if code == CCHC_GROUP:
                return totals["cchc_sessions"]
            return sessions_by_category.get(code, 0)
        if code is None:
            src = {"airings": totals["airings"], "minutes": totals["minutes"]}
        elif code == CCHC_GROUP:
            src = {"airings": totals["cchc_airings"], "minutes": totals["cchc_minutes"]}
        else:
            row = cat_by_code.get(code)
            src = {"airings": row["airings"] if row else 0, "minutes": row["minutes"] if row else 0.0}
        return src.get(metric, 0)

    return achieved


def target_rows(plan, period: Period, achieved: Achieved) -> list[dict]:
    """One row per target of ``plan`` (none without a plan): the target scaled to the period, achieved, percent."""
    if plan is None:
        return []
    rows = []
    for t in plan.targets:
        target = round(float(t.value) * scale(t.per, period), 1)
        got = achieved(t.metric, t.category_code)
        percent = round(got * 100 / target, 1) if target else None
        rows.append(
            {
                "id": t.id,
                "label": t.label or default_target_label(t.metric, t.category_code),
                "metric": t.metric,
                "unit": METRIC_LABELS.get(t.metric, ""),
                "category_code": t.category_code,
                "per": t.per,
                "value": float(t.value),
                "target": target,
                "achieved": got,
                "percent": percent,
                "met": bool(target) and got >= target,
            }
        )
    return rows
