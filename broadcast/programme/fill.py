"""The filling rules: which bulletins go into a session, in which block, in which order.

Pure functions over plain data (no database, no audio), so every rule can be
tested from a table.  In order:

1. Only bulletins that may air: approved, window covering the date, targeting
   the station, airings left (:func:`why_not_eligible`).
2. Emergency first, then ``priority``, then normal; among equals the one aired
   fewest times so far, then the one aired longest ago, then the one expiring
   first (:func:`rotation_key`): equal bulletins share airtime across days.
3. No bulletin twice in one session.
4. A block takes a bulletin only within its categories and its share of the
   session; a themed column (e.g. CCHC) takes its categories first, and time a
   plan quota reserves for a column is held back from the other blocks.
   Within a column, normal bulletins of an area the plan says is behind
   (``Block.area_quota_ms``: time still owed to the area in this column today)
   go first, the most-owed area first, until the area's time is covered; then
   the usual rotation order.  Emergency and ``priority`` bulletins still go
   before them.
5. The session never exceeds its maximum: a bulletin that does not fit waits,
   with the reason the operator sees.  Emergencies ignore block shares and
   reservations, never the session maximum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..domain.labels import AIRABLE_STATUSES

PRIORITY_RANK = {"emergency": 0, "priority": 1, "normal": 2}
CCHC_WILDCARD = "cchc-*"


@dataclass
class Candidate:
    id: int
    title: str
    category: str
    duration_ms: int
    priority: str = "normal"
    is_cchc: bool = False
    department: str | None = None
    status: str = "approved"
    valid_from: date = date.min
    valid_until: date = date.max
    airings_left: int = 1
    targets_station: bool = True
    aired_count: int = 0  # airings so far (as-run and earlier programmes)
    last_aired: date | None = None
    # A province priority bulletin the ward operator ordered among its own priority items (0 = first);
    # None = the rotation's place, still ahead of every normal item.
    position: int | None = None

    @property
    def emergency(self) -> bool:
        return self.priority == "emergency"


@dataclass
class Block:
    """A ``bulletins`` or ``column`` slot of a session, as the filler sees it."""

    slot: int  # index of the slot in the session template
    kind: str  # bulletins | column
    cap_ms: int  # max_share of the session maximum
    categories: tuple[str, ...] = ()
    reserve_ms: int = 0  # time a plan quota holds for this column
    area_quota_ms: dict[str, int] = field(default_factory=dict)  # area -> time owed to it here today
    intro_ms: int = 0  # the column's spoken introduction, aired only if it has items
    items: list[Candidate] = field(default_factory=list)

    @property
    def content_ms(self) -> int:
        return sum(c.duration_ms for c in self.items)

    @property
    def used_ms(self) -> int:
        return self.content_ms + (self.intro_ms if self.items else 0)

    def accepts(self, c: Candidate) -> bool:
        if not self.categories:
            return True
        return c.category in self.categories or (c.is_cchc and CCHC_WILDCARD in self.categories)

    def cost(self, c: Candidate) -> int:
        return c.duration_ms + (0 if self.items else self.intro_ms)

    def area_ms(self, area: str) -> int:
        return sum(c.duration_ms for c in self.items if c.category == area)

    def owed_ms(self, area: str) -> int:
        """Time the plan still wants for ``area`` in this column today (0 when covered)."""
        return max(0, self.area_quota_ms.get(area, 0) - self.area_ms(area))


@dataclass
class Waiting:
    candidate: Candidate
    reason: str


@dataclass
class FillResult:
    blocks: list[Block]
    waiting: list[Waiting]
    fixed_ms: int
    max_ms: int

    @property
    def total_ms(self) -> int:
        return self.fixed_ms + sum(b.used_ms for b in self.blocks)

    @property
    def placed_ids(self) -> list[int]:
        return [c.id for b in self.blocks for c in b.items]


def fmt_ms(ms: int) -> str:
    """ "1 phút 05 giây" / "45 giây"."""
    s = max(0, int(round(ms / 1000)))
    return f"{s // 60} phút {s % 60:02d} giây" if s >= 60 else f"{s} giây"


def why_not_eligible(c: Candidate, on_date: date) -> str | None:
    """None if the bulletin may air on ``on_date``, else why not (Vietnamese)."""
    if c.status not in AIRABLE_STATUSES:
        return "chưa được duyệt"
    if not c.valid_from <= on_date <= c.valid_until:
        return f"ngoài thời hạn phát ({c.valid_from.isoformat()} – {c.valid_until.isoformat()})"
    if not c.targets_station:
        return "không phát ở đài này"
    if c.airings_left <= 0:
        return "đã hết lượt phát"
    return None


def rotation_key(c: Candidate):
    return (PRIORITY_RANK.get(c.priority, 2), c.aired_count, c.last_aired or date.min, c.valid_until, c.id)


def ward_order(urgent: list[Candidate]) -> list[Candidate]:
    """Emergencies first; then the priority items in rotation order, except those the ward operator
    placed (``position``), each put at its index among the priority items."""
    emergencies = [c for c in urgent if c.emergency]
    priority = [c for c in urgent if not c.emergency and c.position is None]
    placed = [c for c in urgent if not c.emergency and c.position is not None]
    for c in sorted(placed, key=lambda c: (c.position, c.id)):
        priority.insert(min(c.position, len(priority)), c)
    return emergencies + priority


def fill_session(
    candidates: list[Candidate], blocks: list[Block], *, max_ms: int, fixed_ms: int, on_date: date
) -> FillResult:
    """Fill ``blocks`` (mutated) from ``candidates``; returns what went where and what waits."""
    result = FillResult(blocks=blocks, waiting=[], fixed_ms=fixed_ms, max_ms=max_ms)
    seen: set[int] = set()
    eligible = []
    for c in candidates:
        if c.id in seen or why_not_eligible(c, on_date) is not None:
            continue
        seen.add(c.id)
        eligible.append(c)
    ranked = sorted(eligible, key=rotation_key)
    urgent = ward_order([c for c in ranked if PRIORITY_RANK.get(c.priority, 2) < 2])
    normal = [c for c in ranked if PRIORITY_RANK.get(c.priority, 2) >= 2]
    for c in urgent:
        reason = _place(c, blocks, result, max_ms)
        if reason:
            result.waiting.append(Waiting(c, reason))
    # Plan quotas: areas behind their target first, within the columns that owe them time.
    placed: set[int] = set()
    for block in blocks:
        if block.kind != "column" or not block.area_quota_ms:
            continue
        for area in sorted(block.area_quota_ms, key=lambda a: (-block.owed_ms(a), a)):
            for c in normal:
                if not block.owed_ms(area):
                    break
                if c.id in placed or c.category != area or not block.accepts(c):
                    continue
                if _place(c, blocks, result, max_ms, only=block) is None:
                    placed.add(c.id)
    for c in normal:
        if c.id in placed:
            continue
        reason = _place(c, blocks, result, max_ms)
        if reason:
            result.waiting.append(Waiting(c, reason))
    return result


def _held_back(blocks: list[Block], target: Block) -> int:
    """Time reserved for other columns and not yet used by them."""
    return sum(max(0, b.reserve_ms - b.used_ms) for b in blocks if b is not target)


def _place(
    c: Candidate, blocks: list[Block], result: FillResult, max_ms: int, *, only: Block | None = None
) -> str | None:
    if only is not None:
        order = [only]
    elif c.emergency:
        order = [b for b in blocks if b.kind == "bulletins"] + [b for b in blocks if b.kind == "column"]
    else:
        order = [b for b in blocks if b.kind == "column" and b.accepts(c)] + [
            b for b in blocks if b.kind == "bulletins" and b.accepts(c)
        ]
    if not order:
        return f"không có khối tin nào của buổi nhận chuyên mục {c.category}"
    reasons = []
    for block in order:
        cost = block.cost(c)
        free = max_ms - result.total_ms
        if cost > free:
            reasons.append(f"không đủ thời lượng: tin dài {fmt_ms(c.duration_ms)}, buổi chỉ còn {fmt_ms(free)}")
            continue
        if not c.emergency:
            if block.used_ms + cost > block.cap_ms:
                reasons.append(
                    f"khối {'chuyên mục' if block.kind == 'column' else 'tin'} đã dùng hết phần thời "
                    f"lượng của nó (tối đa {fmt_ms(block.cap_ms)}), tin dài {fmt_ms(c.duration_ms)}"
                )
                continue
            held = _held_back(blocks, block)
            if held and cost > free - held:
                reasons.append(f"{fmt_ms(held)} còn lại được giữ cho chuyên mục theo chỉ tiêu kế hoạch")
                continue
        block.items.append(c)
        return None
    return "; ".join(dict.fromkeys(reasons)) + " — tin chờ buổi sau"
