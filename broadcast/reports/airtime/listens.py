"""The report's "portal and podcast" section: plays of the ward's bulletins on the public listening page, the
embeddable player and the podcast feeds, beside the loudspeaker airtime.

Always present (zeros for a period nobody listened), so the report's shape does not depend on the data.  Plays
belong to bulletins, and a bulletin to a ward (through its department), not to a station or a cluster: a report
of every station counts the bulletins of every ward; a report filtered to a station or a cluster counts the
bulletins of the ward(s) of its station(s), and says so in ``note``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.categories import CCHC_CODES, CCHC_GROUP
from ...domain.models import Station, Ward
from ...publishing.listens import CHANNEL_LABELS, CHANNELS, listen_rows
from ..narrative import lower_first
from .scope import UNCATEGORISED, Scope
from .sections import ordered_categories

TITLE = "Trang nghe công khai và podcast"
TOP_BULLETINS = 10


def zero_channels() -> dict[str, int]:
    return dict.fromkeys(CHANNELS, 0)


def scope_wards(session: Session, scope: Scope) -> list[Ward] | None:
    """The wards whose bulletins the section counts (None: every ward)."""
    if scope.station_ids is None:
        return None
    ward_ids = select(Station.ward_id).where(Station.id.in_(scope.station_ids))
    return list(session.scalars(select(Ward).where(Ward.id.in_(ward_ids)).order_by(Ward.code)))


def scope_note(scope: Scope, wards: list[Ward] | None) -> str:
    """Why the figures are of a whole ward although the report is filtered (Vietnamese, shown under the tables)."""
    if wards is None:
        return "Lượt nghe tính cho mọi tin, bài của các phường trong hệ thống."
    names = ", ".join(lower_first(w.name) for w in wards) or "phường"
    if scope.station is None and scope.cluster is None:  # whole wards: nothing to split
        return f"Lượt nghe tính cho mọi tin, bài của {names}."
    if scope.cluster is not None:
        return (
            f"Lượt nghe không tách được theo cụm loa: đây là lượt nghe mọi tin, bài của {names}, "
            f"nơi có cụm loa {scope.cluster.code}."
        )
    return (
        f"Lượt nghe không tách được theo đài: đây là lượt nghe mọi tin, bài của {names}, "
        "vì trang nghe, trình phát nhúng và podcast dùng chung cho cả phường."
    )


def plays_row(by_channel: Mapping[str, int]) -> dict:
    """Plays per channel (in ``CHANNELS`` order) and their sum."""
    channels = {c: int(by_channel.get(c, 0)) for c in CHANNELS}
    return {"by_channel": channels, "plays": sum(channels.values())}


def sum_rows(rows: Iterable[dict]) -> dict:
    total = zero_channels()
    for row in rows:
        for c in CHANNELS:
            total[c] += row["by_channel"][c]
    return plays_row(total)


def category_rows(categories: Iterable, by_category: Mapping[str, Mapping[str, int]]) -> list[dict]:
    """Every known category (CCHC areas first, as in the airtime by category), zero where nobody listened; then
    any code only the listens know (so the lines always add up to the total)."""
    rows = []
    known = set()
    for cat in ordered_categories(categories):
        known.add(cat.code)
        rows.append(
            {
                "code": cat.code,
                "name": cat.name,
                "is_cchc": cat.is_cchc,
                "group": CCHC_GROUP if cat.is_cchc else "other",
                **plays_row(by_category.get(cat.code, {})),
            }
        )
    for code in sorted(set(by_category) - known):
        name = code or UNCATEGORISED[1]
        rows.append({"code": code, "name": name, "is_cchc": False, "group": "other", **plays_row(by_category[code])})
    return rows


def category_groups(by_category: list[dict]) -> list[dict]:
    """The CCHC subtotal and the subtotal of every other category, each naming its categories."""
    out = []
    for code, name in ((CCHC_GROUP, "Cải cách hành chính (CCHC)"), ("other", "Các chuyên mục khác")):
        members = [r for r in by_category if (r["group"] == CCHC_GROUP) == (code == CCHC_GROUP)]
        out.append({"code": code, "name": name, **sum_rows(members), "categories": [r["code"] for r in members]})
    return out


def top_bulletins(rows: Iterable[tuple], category_names: Mapping[str, str], limit: int = TOP_BULLETINS) -> list:
    """The most played bulletins (most plays first, then by title and id), each with its plays per channel."""
    bulletins: dict[int, dict] = {}
    for channel, category, bulletin_id, title, plays in rows:
        b = bulletins.setdefault(
            bulletin_id,
            {"title": title or "", "category": category or "", "by_channel": zero_channels()},
        )
        b["by_channel"][channel] += int(plays or 0)
    out = [
        {
            "bulletin_id": bulletin_id,
            "title": b["title"],
            "category": b["category"],
            "category_name": category_names.get(b["category"], UNCATEGORISED[1]),
            "is_cchc": b["category"] in CCHC_CODES,
            **plays_row(b["by_channel"]),
        }
        for bulletin_id, b in bulletins.items()
    ]
    out.sort(key=lambda r: (-r["plays"], r["title"], r["bulletin_id"]))
    return out[:limit]


def listen_section(session: Session, scope: Scope, categories: list) -> dict:
    """Plays in the report's period per channel, per category (with the CCHC subtotal) and of the most played
    bulletins, for the wards of the report's scope."""
    wards = scope_wards(session, scope)
    rows = listen_rows(
        session,
        start=scope.period.start,
        end=scope.period.end,
        ward_ids=None if wards is None else [w.id for w in wards],
    )
    rows = [r for r in rows if r[0] in CHANNELS]  # a channel this report does not know would unbalance the sums
    by_category: dict[str, dict[str, int]] = {}
    for channel, category, _bulletin_id, _title, plays in rows:
        cat = by_category.setdefault(category or "", zero_channels())
        cat[channel] += int(plays or 0)
    cat_rows = category_rows(categories, by_category)
    totals = sum_rows(cat_rows)
    groups = category_groups(cat_rows)
    return {
        "title": TITLE,
        "wards": None if wards is None else [{"code": w.code, "name": w.name} for w in wards],
        "note": scope_note(scope, wards),
        "channels": [{"code": c, "name": CHANNEL_LABELS[c], "plays": totals["by_channel"][c]} for c in CHANNELS],
        "plays": totals["plays"],
        "cchc_plays": groups[0]["plays"],
        "bulletins": len({r[2] for r in rows}),
        "category_groups": groups,
        "by_category": cat_rows,
        "top_bulletins": top_bulletins(rows, {c.code: c.name for c in categories}),
    }
