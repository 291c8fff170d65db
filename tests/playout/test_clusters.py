"""The server's own playout airs every item whatever its clusters (it drives the whole station) and copies
the item's clusters into its as-run row, where the report's cluster filter reads them."""

from __future__ import annotations

from broadcast.domain.models import ProgrammeItem
from tests.playout.conftest import air_programme, make_programme, make_station, run_rows


def test_server_rows_copy_the_items_clusters(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["b"], tones["a"]])
        s.get(ProgrammeItem, p.items[0].id).clusters = ["TDP05", "TDP07"]
        s.get(ProgrammeItem, p.items[1].id).clusters = []  # an empty list also means the whole station
        ids = (p.id, st.id)
    rows = run_rows(runtime, air_programme(runtime, *ids).run_id)
    assert [(r.position, r.status, r.clusters) for r in rows] == [
        (0, "aired", ["TDP05", "TDP07"]),
        (1, "aired", None),
        (2, "aired", None),
    ]
