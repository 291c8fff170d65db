"""Relay slots in a day's build: a named source looked up when the programme is built, the fallback readied.

A station file names an upstream by ``url`` or by ``source`` (the code of an ``UpstreamSource`` the operator
manages); the code is resolved at build time, so a source whose address changes is relayed from its new
address by the next build.  The programme item carries ``relay`` = {"url", "upstream", "source",
"category", "fallback"[, "record"]}; its audio is the fallback's (a stock asset or a rendered announcement; none for
``skip``) and its length is the slot's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.models import Station, UpstreamSource
from ..errors import ValidationError
from ..relay.urls import check_relay_url
from .calendar import SessionSpec
from .render import Audio, Renderer, fill_placeholders

AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".flac", ".m4a", ".aac")
#: the longest relay slot (a whole programme hour and more)
MAX_RELAY_MINUTES = 240


def check_relay_slot(raw: dict, assets_dir: Path, fail: Callable[[str, str], NoReturn]) -> dict:
    """A relay slot as a station file or the programme page gives it: ``url`` or ``source`` (a named upstream's
    code), ``minutes``, a ``fallback`` (a file of audio_assets/, an announcement text, or ``"skip"``, the
    default) and ``record = true`` to keep what is relayed.  ``fail(field, problem)`` raises the caller's
    error (naming the file and the field, or the form's field)."""
    url, code = raw.get("url"), raw.get("source")
    if bool(url) == bool(code):
        fail("", "ô tiếp sóng cần đúng một trong 'url' hoặc 'source' (mã nguồn tiếp sóng)")
    if url:
        try:
            check_relay_url(url)
        except ValidationError as exc:
            fail(".url", exc.message)
    elif not isinstance(code, str) or not code.strip():
        fail(".source", "mã nguồn tiếp sóng không hợp lệ")
    minutes = raw.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 < minutes <= MAX_RELAY_MINUTES:
        fail(".minutes", f"phải là số phút trong khoảng (0, {MAX_RELAY_MINUTES}]")
    if not isinstance(raw.get("record", False), bool):
        fail(".record", "phải là true hoặc false")
    fallback = str(raw.get("fallback", "skip")).strip()
    if not fallback:
        fail(".fallback", 'để trống: dùng tên tệp, lời thông báo hoặc "skip"')
    bad_name = "/" in fallback or "\\" in fallback or fallback.startswith(".")
    if fallback.lower().endswith(AUDIO_SUFFIXES) and (bad_name or not (assets_dir / fallback).is_file()):
        fail(".fallback", f"không thấy tệp âm thanh audio_assets/{fallback}")
    return dict(raw, fallback=fallback)


def fallback_kind(fallback: str) -> str:
    """``skip``, ``asset`` (a file of audio_assets/) or ``announcement`` (any other text)."""
    if fallback.strip().lower() == "skip":
        return "skip"
    return "asset" if fallback.strip().lower().endswith(AUDIO_SUFFIXES) else "announcement"


def resolve_relays(session: Session, specs: list[SessionSpec]) -> list[SessionSpec]:
    """The specs with every relay slot's upstream resolved (URL, display name, report category)."""
    slots = [s for spec in specs for s in spec.slots if s.get("kind") == "relay" and s.get("source")]
    codes = {str(s["source"]).strip().upper() for s in slots}
    sources = (
        {src.code: src for src in session.scalars(select(UpstreamSource).where(UpstreamSource.code.in_(codes)))}
        if codes
        else {}
    )
    out = []
    for spec in specs:
        if not any(s.get("kind") == "relay" for s in spec.slots):
            out.append(spec)
            continue
        slots = [_resolved(slot, spec, sources) if slot.get("kind") == "relay" else slot for slot in spec.slots]
        out.append(replace(spec, slots=slots))
    return out


def _resolved(slot: dict, spec: SessionSpec, sources: dict[str, UpstreamSource]) -> dict:
    code = str(slot["source"]).strip().upper() if slot.get("source") else None  # codes are stored upper-case
    where = f"{spec.source}: session {spec.code!r} {slot.get('where', '')}.source".strip()
    if code:
        src = sources.get(code)
        if src is None:
            raise ValidationError(f"{where}: không có nguồn tiếp sóng mã {code!r}.", field="source")
        if not src.enabled:
            raise ValidationError(f"{where}: nguồn tiếp sóng {code!r} đang tắt.", field="source")
        url, name, category = src.url, src.name, src.category
    else:
        url, name, category = slot["url"], slot.get("title") or slot["url"], "other"
    fallback = str(slot.get("fallback") or "skip")
    relay = {"url": url, "upstream": name, "source": code, "category": category, "fallback": fallback_kind(fallback)}
    if slot.get("record"):
        relay["record"] = True  # keep what is relayed, to air again later
    return dict(slot, relay=relay)


def relay_piece(
    slot: dict, spec: SessionSpec, station: Station, on_date: date, renderer: Renderer
) -> tuple[dict, Audio]:
    """The slot (with its fallback's text, for an announcement) and an Audio: the fallback's file, the
    slot's length."""
    relay = slot["relay"]  # resolved by resolve_relays (the build, the programme page's insert)
    length_ms = int(round(float(slot["minutes"]) * 60_000))
    fallback = str(slot.get("fallback") or "skip")
    path, rendition_id, text = None, None, None
    if relay["fallback"] == "asset":
        audio = renderer.asset(fallback)
        path, rendition_id = audio.path, audio.rendition_id
    elif relay["fallback"] == "announcement":
        where = f"session {spec.code!r} {slot.get('where', '')}.fallback"
        text = fill_placeholders(fallback, station_name=station.name, on_date=on_date, source=spec.source, where=where)
        audio = renderer.announcement(text)
        path, rendition_id = audio.path, audio.rendition_id
    return dict(slot, relay=relay, fallback_text=text), Audio(path, length_ms, rendition_id)


def relay_title(slot: dict) -> str:
    relay = slot.get("relay") or {}
    return slot.get("title") or f"Tiếp sóng {relay.get('upstream') or slot.get('url') or slot.get('source')}"
