"""Export-fed stations: what is waiting for confirmation, and confirming all, part or none of a session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, Bulletin
from broadcast.domain.types import utcnow
from broadcast.errors import Conflict, NotFound, ValidationError
from broadcast.playout import confirm
from tests.playout.conftest import make_programme, make_station


def _past_programme(runtime, tones, bulletin_id=None):
    with runtime.unit() as s:
        st = make_station(s, sink="export")
        p = make_programme(
            s,
            st,
            [tones["short"], tones["a"]],
            starts_at=utcnow() - timedelta(hours=1),
            bulletin_ids=[bulletin_id] if bulletin_id else None,
        )
        return p.id, p.on_date, [i.id for i in p.items]


def test_partly_aired_counts_only_the_ticked_bulletin(runtime, demo, tones):
    with runtime.unit() as s:
        b = s.scalar(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id))
        bid, left = b.id, b.airings_left
    pid, day, item_ids = _past_programme(runtime, tones, bid)
    with runtime.unit() as s:
        assert [p.id for p in confirm.unconfirmed(s, runtime)] == [pid]
        rows = confirm.confirm_manual(
            s, None, "MOLAO", day.isoformat(), "sang", "partly", [item_ids[0]], note="Phát qua USB."
        )
        assert [(r.status, r.source, r.note) for r in rows] == [
            ("aired", "manual", "Phát qua USB."),
            ("missed", "manual", "Cán bộ đài xác nhận không phát. Phát qua USB."),
        ]
    with runtime.unit() as s:
        assert s.get(Bulletin, bid).airings_left == left - 1
        assert confirm.unconfirmed(s, runtime) == []
        with pytest.raises(Conflict):
            confirm.confirm_manual(s, None, "MOLAO", day, "sang", "all")


def test_confirmation_is_checked(runtime, tones):
    _pid, day, _ = _past_programme(runtime, tones)
    with runtime.unit() as s:
        with pytest.raises(ValidationError):
            confirm.confirm_manual(s, None, "MOLAO", day, "sang", "maybe")
        with pytest.raises(ValidationError):
            confirm.confirm_manual(s, None, "MOLAO", None, "sang", "all")
        with pytest.raises(ValidationError):
            confirm.confirm_manual(s, None, "MOLAO", day, "sang", "partly")
        with pytest.raises(NotFound):
            confirm.confirm_manual(s, None, "MOLAO", day, "toi", "all")
        rows = confirm.confirm_manual(s, None, "molao", day, "sang", "none")
        assert {r.status for r in rows} == {"missed"} and s.scalar(select(AsRun.sink)) == "export"
