"""Jobs derived from session templates and built programmes; the session claim key; building on demand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from broadcast.domain.types import utcnow
from broadcast.playout import scheduler
from broadcast.playout.claims import claim_key
from tests.playout.conftest import add_template, make_programme, make_station, wait_for


def test_planned_sessions_follow_templates_and_built_programmes(runtime, tones):
    tz = runtime.settings.tz
    day = utcnow().astimezone(tz).date()
    moved = datetime.combine(day, datetime.min.time(), tz) + timedelta(hours=9)
    with runtime.unit() as s:
        st = make_station(s)
        add_template(s, st, "sang", datetime.min.time().replace(hour=6))
        add_template(s, st, "chieu", datetime.min.time().replace(hour=17))
        make_programme(s, st, [tones["short"]], on_date=day, session_code="chieu", starts_at=moved)
    with runtime.unit() as s:
        plans = scheduler.planned_sessions(s, tz, [day])
    by_code = {p["code"]: p for p in plans}
    assert by_code["sang"]["start"] == datetime.combine(day, datetime.min.time().replace(hour=6), tz)
    # a built programme is the truth for its time
    assert by_code["chieu"]["start"] == moved and "programme_id" in by_code["chieu"]


def test_session_claim_key_format_is_stable():
    # Existing playout_runs rows carry these keys: the format never changes.
    assert claim_key("scheduled", 3, date(2025, 10, 1), "sang") == "sched:3:2025-10-01:sang"


def test_build_programme_never_rebuilds_a_day_under_way(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"]], starts_at=utcnow() + timedelta(minutes=1))
        day, code = p.on_date, st.code
    assert scheduler.build_programme(runtime, code, day, "sang") is False


def test_jobs_are_derived_from_session_templates_and_rederived_on_change(runtime, service_factory):
    tz = runtime.settings.tz
    soon = (utcnow() + timedelta(hours=2)).astimezone(tz)
    with runtime.unit() as s:
        st = make_station(s)
        add_template(s, st, "sang", soon.time().replace(second=0, microsecond=0))
    svc = service_factory()
    ids = {j.id for j in svc.scheduler.get_jobs()}
    tag = f"{st.code}:{soon.date().isoformat()}:sang"
    assert f"session:{tag}" in ids and f"prerender:{tag}" in ids
    with runtime.unit() as s:
        from broadcast.domain.models import SessionTemplate

        s.scalar(select(SessionTemplate)).enabled = False
        s.scalar(select(SessionTemplate)).updated_at = utcnow()
    wait_for(lambda: not [j for j in svc.scheduler.get_jobs() if j.id.startswith("session:")], timeout=5)
