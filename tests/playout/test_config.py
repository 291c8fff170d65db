"""Playout settings: defaults, database rows, settings extras, keyword overrides; bad modes fall back."""

from __future__ import annotations

from broadcast.domain.models import Setting
from broadcast.playout.config import PlayoutConfig


def test_layers_and_fallbacks(runtime):
    assert PlayoutConfig().grace_s == 300
    with runtime.unit() as s:
        s.add(Setting(key="playout.grace_s", value=120))
        s.add(Setting(key="playout.emergency_break", value="whenever"))
    config = PlayoutConfig.load(runtime, speed=0, nonsense=1)
    assert (config.grace_s, config.speed, config.emergency_break) == (120, 0, "pause")
