"""Which device airs what, by cluster: one rule for the server (the devices an emergency or a live broadcast
is sent to) and the agent (the programme items it airs, the others logged skipped).

A device serves some clusters of its station (none: the whole station); an item or a command is meant for
some clusters (none: everyone).  The device airs it when either side names none or they share a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable


def device_hears(device_clusters: Iterable[str] | None, meant_for: Iterable[str] | None) -> bool:
    """Whether a device serving ``device_clusters`` airs something meant for ``meant_for``."""
    serves, targets = set(device_clusters or ()), set(meant_for or ())
    return not serves or not targets or bool(serves & targets)
