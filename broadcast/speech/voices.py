"""Which voice reads: one per station, overridable per bulletin.

A choice is ``{"engine", "voice", "speed"}``: an engine and one of its voices from the catalogue, and
the reading speed (0.8–1.2, mapped onto each provider's scale). Without one, the installation's engine
order and voice read. The chosen engine goes first and the others stay behind it as fallbacks, so a
provider that is down or over its cap never leaves a station silent. Renditions are keyed on engine,
voice and settings, so changing a station's voice re-renders only what that station airs.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ..config import Settings
from ..domain.models import Station
from ..errors import ValidationError
from ..security import audit
from .engines.chain import voice_catalogue

MIN_SPEED, MAX_SPEED = 0.8, 1.2


def check_choice(raw, config: Settings | None = None) -> dict | None:
    """A valid choice from a form or the API (None/empty = no choice); a Vietnamese refusal otherwise."""
    if raw in (None, "", {}):
        return None
    if not isinstance(raw, dict):
        raise ValidationError("Giọng đọc phải gồm bộ đọc (engine), giọng (voice) và tốc độ (speed).", field="voice")
    engine, voice = str(raw.get("engine") or "").strip(), str(raw.get("voice") or "").strip()
    known = {(v["engine"], v["voice"]) for v in voice_catalogue(config)}
    if (engine, voice) not in known:
        raise ValidationError(f"Không có giọng “{voice}” của bộ đọc “{engine}”.", field="voice")
    try:
        speed = round(float(str(raw.get("speed", 1.0)).replace(",", ".")), 2)
    except ValueError:
        speed = -1.0
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValidationError("Tốc độ đọc phải từ 0,8 đến 1,2 (1 = bình thường).", field="speed")
    return {"engine": engine, "voice": voice, "speed": speed}


def set_station_voice(
    session: Session, station: Station, raw, *, config: Settings | None = None, user=None, ip: str | None = None
) -> dict | None:
    choice = check_choice(raw, config)
    if choice != station.voice:
        audit(session, "station.voice", user=user, obj=station, ip=ip, detail={"old": station.voice, "new": choice})
        station.voice = choice
    return choice


def chain_for(choice: dict | None, engines: Sequence[str]) -> tuple[str, ...]:
    """The engine order for ``choice``: its engine first, the configured ones behind it."""
    if not choice:
        return tuple(engines)
    return (choice["engine"], *(e for e in engines if e != choice["engine"]))


def label(choice: dict | None) -> str:
    if not choice:
        return "giọng mặc định"
    speed = f"{choice['speed']:g}".replace(".", ",")
    return f"{choice['engine']} · {choice['voice']} · tốc độ {speed}"
