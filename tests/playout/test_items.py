"""A programme's items: offsets from the start, durations probed when missing, the programme by station code."""

from __future__ import annotations

from broadcast.domain.models import ProgrammeItem
from broadcast.playout.items import Item, load_programme, probe_ms, programme_items, total_ms
from tests.playout.conftest import make_programme, make_station


def test_items_carry_offsets_and_probe_missing_durations(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["b"]])
        s.get(ProgrammeItem, p.items[0].id).duration_ms = 0  # unknown: probed from the file
        s.flush()
        items = programme_items(s, p)
    assert [i.position for i in items] == [0, 1]
    assert 950 <= items[0].duration_ms <= 1100 and items[1].offset_ms == items[0].duration_ms
    assert total_ms(items) == items[1].offset_ms + items[1].duration_ms
    assert total_ms([]) == 0


def test_probe_ms_is_zero_for_nothing_to_play(tmp_path):
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio")
    assert probe_ms(None) == 0 and probe_ms(str(tmp_path / "missing.mp3")) == 0 and probe_ms(str(junk)) == 0


def test_load_programme_by_station_code(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"]])
        day, pid = p.on_date, p.id
    with runtime.unit() as s:
        assert load_programme(s, "MOLAO", day, "sang").id == pid
        assert load_programme(s, "MOLAO", day, "toi") is None
        assert load_programme(s, "NOWHERE", day, "sang") is None
    assert Item(0, "t", None, 10).kind == "bulletin"
