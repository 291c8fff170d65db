"""One session worked out, nothing written: its slots laid out, filled, and turned into items and warnings.

``plan_session`` runs four phases: ``lay_out`` (fixed parts rendered, a ``Block`` per news block or column the
plan and the weekday allow), ``check_fixed_length`` (the fixed parts alone must fit the maximum), the filling
rules (``fill.fill_session``), then ``assemble_items`` (items in slot order, filler padding the rest) and
``session_warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..domain.models import Station
from ..errors import ValidationError
from .calendar import SessionSpec
from .candidates import Candidates
from .fill import Block, FillResult, fill_session, fmt_ms
from .quotas import DayQuotas, column_active
from .relay_slot import relay_piece, relay_title
from .render import Audio, Renderer, fill_placeholders
from .timing import warning

MIN_FILLER_MS = 5_000
ASSET_TITLES = {"nhac-hieu.mp3": "Nhạc hiệu", "chuong-bao.mp3": "Chuông báo", "nhac-nen.mp3": "Nhạc nền"}


@dataclass
class PlannedItem:
    kind: str
    title: str
    audio: Audio
    category_code: str | None = None
    bulletin_id: int | None = None
    text: str | None = None
    relay: dict | None = None  # a relay item's upstream and fallback (its audio is the fallback's)


@dataclass
class PlannedSession:
    spec: SessionSpec
    items: list[PlannedItem]
    warnings: list[dict]
    fill: FillResult | None = None
    total_ms: int = 0
    waiting_ids: list[int] = field(default_factory=list)


@dataclass
class Layout:
    """A session's slots before filling: ``pieces`` in slot order, each (slot, Audio | Block | None)."""

    max_ms: int
    pieces: list[tuple[dict, object]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    fixed_ms: int = 0
    wanted_columns: list[tuple[dict, Block]] = field(default_factory=list)  # columns the plan counts on today
    quota_warnings: list[dict] = field(default_factory=list)


def slot_where(spec: SessionSpec, slot: dict) -> str:
    """Where a slot is in its station file, for error messages (``session 'sang' slot[2]``)."""
    return f"session {spec.code!r} {slot.get('where', '')}".strip()


def asset_title(name: str) -> str:
    return ASSET_TITLES.get(name, name.rsplit(".", 1)[0])


def lay_out(spec: SessionSpec, station: Station, on_date: date, renderer: Renderer, quotas: DayQuotas) -> Layout:
    """Render the fixed parts and make a Block for each news block and each column airing today."""
    out = Layout(max_ms=spec.max_duration_s * 1000)
    for idx, slot in enumerate(spec.slots):
        kind = slot.get("kind")
        where = slot_where(spec, slot)
        if kind == "asset":
            try:
                audio = renderer.asset(slot["file"])
            except ValidationError as exc:
                raise ValidationError(f"{spec.source}: {where}: {exc.message}", field="file") from None
            out.fixed_ms += audio.duration_ms
            out.pieces.append((slot, audio))
        elif kind == "announcement":
            text = fill_placeholders(
                slot["text"], station_name=station.name, on_date=on_date, source=spec.source, where=where
            )
            audio = renderer.announcement(text, slot.get("voice"))
            out.fixed_ms += audio.duration_ms
            out.pieces.append((dict(slot, text=text), audio))
        elif kind in ("bulletins", "column"):
            if kind == "column" and not quotas.is_active(spec, idx, slot, on_date):
                continue
            _add_block(out, spec, idx, slot, station, on_date, renderer, quotas)
        elif kind == "filler":
            out.pieces.append((slot, None))
        elif kind == "relay":
            slot, audio = relay_piece(slot, spec, station, on_date, renderer)
            out.fixed_ms += audio.duration_ms
            out.pieces.append((slot, audio))
        else:
            raise ValidationError(f"{spec.source}: {where}: loại ô {kind!r} không có.", field="kind")
    return out


def _add_block(
    out: Layout,
    spec: SessionSpec,
    idx: int,
    slot: dict,
    station: Station,
    on_date: date,
    renderer: Renderer,
    quotas: DayQuotas,
) -> None:
    """A news block or a column (with its spoken intro, its share cap, what the plan reserves and owes)."""
    kind = slot["kind"]
    added = kind == "column" and not column_active(slot, on_date)  # placed beyond its weekdays by the plan
    intro_audio, intro_text = None, None
    if kind == "column" and slot.get("intro"):
        intro_text = fill_placeholders(
            slot["intro"],
            station_name=station.name,
            on_date=on_date,
            source=spec.source,
            where=slot_where(spec, slot) + ".intro",
        )
        intro_audio = renderer.announcement(intro_text)
    reserve = quotas.reserve_ms(slot) if kind == "column" else 0
    cap = int(float(slot.get("max_share", 1.0)) * out.max_ms)
    block = Block(
        slot=idx,
        kind=kind,
        cap_ms=cap,
        categories=tuple(slot.get("categories") or ()),
        reserve_ms=min(reserve, cap),
        intro_ms=intro_audio.duration_ms if intro_audio else 0,
        area_quota_ms=quotas.area_quota_ms(slot) if kind == "column" else {},
    )
    out.blocks.append(block)
    if added:
        out.quota_warnings.append(
            warning(
                "plan_quota",
                f"Thêm chuyên mục «{slot.get('title') or 'chuyên mục'}» vào buổi này (ngoài các "
                "ngày thường lệ) để đạt chỉ tiêu số buổi có chuyên mục trong tháng.",
            )
        )
    if added or block.reserve_ms or block.area_quota_ms:
        out.wanted_columns.append((slot, block))
    out.pieces.append((dict(slot, intro_text=intro_text, intro_audio=intro_audio), block))


def check_fixed_length(spec: SessionSpec, layout: Layout) -> None:
    """The signature tune and announcements alone must fit the session: a station file error otherwise."""
    if layout.fixed_ms > layout.max_ms:
        raise ValidationError(
            f"{spec.source}: session {spec.code!r} max_minutes: phần cố định (nhạc hiệu, lời dẫn) dài "
            f"{fmt_ms(layout.fixed_ms)}, vượt thời lượng tối đa {fmt_ms(layout.max_ms)} của buổi; rút ngắn lời dẫn "
            "hoặc tăng max_minutes.",
            field="max_minutes",
        )


def assemble_items(
    layout: Layout, candidates: Candidates, audio_by_id: dict[int, Audio], renderer: Renderer, total_ms: int
) -> tuple[list[PlannedItem], int]:
    """The session's items in slot order (a column's intro only when it carries something; a filler pads what
    is left when at least ``MIN_FILLER_MS``), and the session's length with the filler."""
    items: list[PlannedItem] = []
    after_content = False
    for slot, piece in layout.pieces:
        if isinstance(piece, Block):
            after_content = True
            if not piece.items:
                continue
            if slot.get("intro_audio"):
                items.append(
                    PlannedItem(
                        "announcement",
                        slot.get("title") or "Giới thiệu chuyên mục",
                        slot["intro_audio"],
                        text=slot["intro_text"],
                    )
                )
            for c in piece.items:
                b, _ = candidates[c.id]
                items.append(PlannedItem("bulletin", b.title, audio_by_id[c.id], c.category, c.id, b.text_to_speak))
        elif slot.get("kind") == "filler":
            pad = layout.max_ms - total_ms
            if pad >= MIN_FILLER_MS:
                audio = renderer.filler(slot["file"], pad)
                total_ms += audio.duration_ms
                items.append(PlannedItem("filler", slot.get("title") or "Nhạc đệm", audio))
        elif slot.get("kind") == "asset":
            items.append(PlannedItem("asset", slot.get("title") or asset_title(slot["file"]), piece))
        elif slot.get("kind") == "relay":
            title = relay_title(slot)
            items.append(PlannedItem("relay", title, piece, text=slot["fallback_text"], relay=slot["relay"]))
        else:
            title = slot.get("title") or ("Lời kết" if after_content else "Lời mở đầu")
            items.append(PlannedItem("announcement", title, piece, text=slot["text"]))
    return items, total_ms


def session_warnings(layout: Layout, fill: FillResult) -> list[dict]:
    """``waiting`` per bulletin left for a later session, then the plan's: columns added, columns left empty."""
    warnings = [
        warning("waiting", f"Tin «{w.candidate.title}» chờ buổi sau: {w.reason}.", bulletin_id=w.candidate.id)
        for w in fill.waiting
    ]
    warnings.extend(layout.quota_warnings)
    for slot, block in layout.wanted_columns:
        if not block.items:
            warnings.append(
                warning(
                    "plan_quota",
                    f"Chuyên mục «{slot.get('title') or 'chuyên mục'}» trống: không có tin nào phát được "
                    "cho chỉ tiêu của kế hoạch (cần tin đã duyệt thuộc chuyên mục này).",
                )
            )
    return warnings


def plan_session(
    station: Station,
    spec: SessionSpec,
    on_date: date,
    candidates: Candidates,
    renderer: Renderer,
    audio_by_id: dict[int, Audio],
    quotas: DayQuotas | None = None,
) -> PlannedSession:
    """One session of ``on_date`` filled from ``candidates`` (whose durations are known), nothing written."""
    layout = lay_out(spec, station, on_date, renderer, quotas if quotas is not None else DayQuotas())
    check_fixed_length(spec, layout)
    fill = fill_session(
        [c for _, c in candidates.values()],
        layout.blocks,
        max_ms=layout.max_ms,
        fixed_ms=layout.fixed_ms,
        on_date=on_date,
    )
    items, total = assemble_items(layout, candidates, audio_by_id, renderer, fill.total_ms)
    return PlannedSession(
        spec, items, session_warnings(layout, fill), fill, total, [w.candidate.id for w in fill.waiting]
    )
