"""Programme items carry their bulletin's clusters at the station (None = the whole station), whether the
builder placed them or an operator inserted them, and the day page shows them as a badge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import Cluster, Station
from broadcast.programme import edit
from broadcast.programme.build import build_day, day_dict

from .conftest import TableRenderer, next_weekday


def _target(session, bulletin, *codes):
    molao = session.scalar(select(Station).where(Station.code == "MOLAO"))
    bulletin.clusters = list(
        session.scalars(select(Cluster).where(Cluster.station_id == molao.id, Cluster.code.in_(codes)))
    )
    session.flush()


def test_built_items_carry_their_bulletins_clusters(
    session, settings, demo, clear_demo_bulletins, make_bulletin, today
):
    water = make_bulletin("Cắt nước tổ 5 và 7")
    _target(session, water, "TDP07", "TDP05")
    make_bulletin("Lịch tiếp công dân")
    on = next_weekday(today + timedelta(days=1), 2)
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=20_000), today=today)
    items = [i for p in progs for i in p.items]
    by_title = {i.title: i.clusters for i in items if i.kind == "bulletin"}
    assert by_title == {"Cắt nước tổ 5 và 7": ["TDP05", "TDP07"], "Lịch tiếp công dân": None}
    assert all(i.clusters is None for i in items if i.kind != "bulletin")  # jingles, announcements: everyone
    # The programme day API gives the same (clusters, null for the whole station).
    api = {
        i["title"]: i["clusters"] for ps in day_dict(session, settings, "MOLAO", on)["sessions"] for i in ps["items"]
    }
    assert api["Cắt nước tổ 5 và 7"] == ["TDP05", "TDP07"] and api["Lịch tiếp công dân"] is None


def test_an_inserted_bulletin_carries_its_clusters(
    session, settings, demo, clear_demo_bulletins, make_bulletin, today, login_as
):
    on = next_weekday(today + timedelta(days=1), 1)
    sang = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)[0]
    vaccine = make_bulletin("Tiêm chủng ở tổ 5")
    _target(session, vaccine, "TDP05")
    edit.insert_bulletin(session, settings, sang.id, vaccine.id, renderer=TableRenderer())
    item = next(i for i in sang.items if i.bulletin_id == vaccine.id)
    assert item.clusters == ["TDP05"]
    session.commit()
    html = login_as("vanhanh").get(f"/programmes?station=MOLAO&date={on}").get_data(as_text=True)
    assert '<span class="badge badge-clusters"' in html and "Cụm loa: TDP05</span>" in html
    assert html.count("badge-clusters") == 1  # the other items are for the whole station
