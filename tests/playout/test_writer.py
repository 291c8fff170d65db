"""The as-run writer: operations applied in order off the caller's thread, ids kept by key, a bad op skipped."""

from __future__ import annotations

from broadcast.playout.writer import LogWriter


def test_ops_run_in_order_with_ids_by_key(runtime):
    writer = LogWriter(runtime)
    seen = []
    try:
        writer.submit(lambda session, ids: 41, key="a")
        writer.submit(lambda session, ids: seen.append(ids.get("a")))
        writer.submit(lambda session, ids: 1 / 0)  # a bug in one op must not stop the log
        writer.submit(lambda session, ids: seen.append("after"))
        assert writer.flush(10)
    finally:
        writer.close()
    assert seen == [41, "after"] and writer.ids["a"] == 41
