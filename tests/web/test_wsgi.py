"""The served app's heap is frozen once built: the garbage collector's full passes skip it."""

from __future__ import annotations

import gc

from web.wsgi import GunicornServer


def test_the_worker_freezes_what_building_the_app_made():
    made = []

    def factory():
        made.append([["a structure the app keeps"]])  # a container, so the collector tracks it
        return "the app"

    server = GunicornServer(factory, host="127.0.0.1", port=0, workers=2, threads=2)
    try:
        assert server.load() == "the app"
        kept = made[0]
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # in the permanent generation, not walked
    finally:
        gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())
