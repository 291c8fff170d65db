"""What the paid voices cost: characters sent to each provider per day and month, and monthly caps.

Providers bill by characters read. Each rendition a paid engine makes adds its spoken text's length
to today's row for that engine (``tts_usage``); a monthly cap per provider (``speech.cap.<engine>``
in ``settings``, none by default) takes the engine out of the chain once the month's count reaches
it, so the next engine reads instead and the operator is told why. Counting happens where the
database is (``store``), never in the render threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.models import Setting, TtsUsage
from ..errors import ValidationError
from ..security import audit

log = logging.getLogger(__name__)

PAID = {"fpt": "FPT.AI", "viettel": "Viettel AI", "zalo": "Zalo AI"}
MAX_CAP = 1_000_000_000
CAP_KEY = "speech.cap.{}"


@dataclass(frozen=True)
class Usage:
    engine: str
    title: str
    today: int
    month: int
    cap: int | None

    @property
    def over(self) -> bool:
        return self.cap is not None and self.month >= self.cap

    def as_dict(self) -> dict:
        return {
            "engine": self.engine,
            "provider": self.title,
            "chars_today": self.today,
            "chars_month": self.month,
            "monthly_cap": self.cap,
            "over_cap": self.over,
        }


def record(session: Session, engine: str, chars: int, day: date) -> None:
    """Add one request of ``chars`` characters to ``engine``'s count for ``day`` (paid engines only)."""
    if engine not in PAID or chars <= 0:
        return
    row = session.scalar(select(TtsUsage).where(TtsUsage.engine == engine, TtsUsage.day == day))
    if row is None:
        row = TtsUsage(engine=engine, day=day, chars=0, requests=0)
        session.add(row)
    row.chars += chars
    row.requests += 1
    session.flush()


def cap(session: Session, engine: str) -> int | None:
    row = session.get(Setting, CAP_KEY.format(engine))
    return int(row.value) if row is not None and row.value not in (None, "") else None


def set_cap(session: Session, engine: str, raw: str | int | None, *, user=None, ip: str | None = None) -> int | None:
    """Set (or with an empty value remove) ``engine``'s monthly cap in characters."""
    if engine not in PAID:
        raise ValidationError(f"“{engine}” không phải giọng đọc trả phí.", field="engine")
    text = str(raw if raw is not None else "").strip().replace(".", "").replace(" ", "")
    value = None
    if text:
        if not text.isdigit() or int(text) > MAX_CAP:
            raise ValidationError(
                f"Hạn mức phải là số ký tự, từ 0 đến {MAX_CAP:,}; để trống nếu không giới hạn.".replace(",", "."),
                field="cap",
            )
        value = int(text)
    key = CAP_KEY.format(engine)
    row = session.get(Setting, key)
    if value is None:  # no cap: no row
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    audit(session, "speech.cap", user=user, object_type="settings", object_id=key, detail={"cap": value}, ip=ip)
    session.flush()
    return value


def usage(session: Session, today: date) -> list[Usage]:
    """Each paid provider's characters today and this month (by local date), with its cap."""
    month_start = today.replace(day=1)
    rows = session.execute(
        select(TtsUsage.engine, TtsUsage.day, func.sum(TtsUsage.chars))
        .where(TtsUsage.day >= month_start, TtsUsage.day <= today)
        .group_by(TtsUsage.engine, TtsUsage.day)
    ).all()
    month: dict[str, int] = {}
    day: dict[str, int] = {}
    for engine, row_day, chars in rows:
        month[engine] = month.get(engine, 0) + int(chars or 0)
        if row_day == today:
            day[engine] = int(chars or 0)
    return [Usage(e, t, day.get(e, 0), month.get(e, 0), cap(session, e)) for e, t in PAID.items()]


def within_caps(session: Session, engine_names: Sequence[str], today: date) -> tuple[tuple[str, ...], list[str]]:
    """The chain without the paid engines whose monthly cap is reached, and a sentence for each one left out."""
    over = {u.engine: u for u in usage(session, today) if u.over}
    kept, notes = [], []
    for name in engine_names:
        if name in over:
            u = over[name]
            notes.append(
                f"{u.title} đã dùng hết hạn mức tháng ({u.month:,}/{u.cap:,} ký tự): bỏ qua.".replace(",", ".")
            )
            continue
        kept.append(name)
    for note in notes:
        log.warning(note)
    return tuple(kept), notes
