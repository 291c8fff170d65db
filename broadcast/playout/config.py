"""Playout settings: defaults, overridden by ``settings`` table rows ``playout.*``,
``Settings.extra["playout"]`` and finally keyword arguments."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from sqlalchemy import select

BREAK_MODES = ("pause", "immediate", "item_end")
AFTER_MODES = ("resume", "end")


@dataclass(frozen=True)
class PlayoutConfig:
    #: minutes before a session that the pre-render job builds its programme
    prerender_min: float = 60
    #: a session started later than this after its time is logged ``missed``
    grace_s: float = 300
    #: the session job fires this much early to decode and open the sink, then waits for the second
    preroll_s: float = 2.0
    #: 1 = real time, 0 = as fast as possible (tests)
    speed: float = 1.0
    heartbeat_s: float = 1.0
    chunk_ms: int = 100
    lease_ttl_s: float = 30
    lease_renew_s: float = 10
    #: how often the scheduler polls operator commands and emergency bulletins
    poll_s: float = 1.0
    #: how often jobs are re-derived from sessions/programmes when they changed
    derive_s: float = 30
    derive_days: int = 2
    #: a run whose heartbeat is older than this (and whose process is gone) is dead
    stale_s: float = 15
    #: "pause" = break in at the next pause (end of sentence) or item end; "immediate"; "item_end"
    emergency_break: str = "pause"
    #: "resume" the interrupted session (the cut item from its start), or "end" it
    emergency_after: str = "resume"
    #: only emergencies approved this recently are aired on their own
    emergency_max_age_s: float = 1800
    #: silence of at least this long counts as the end of a sentence
    pause_ms: int = 300
    #: operator commands older than this are expired, not carried out
    command_ttl_s: float = 120
    icecast_max_backoff_s: float = 30
    #: a relayed stream that cannot be reached, stalls or stays silent this long hands over to its fallback
    relay_silence_s: float = 5.0
    #: while the fallback airs, a lost upstream is tried again this often
    relay_retry_s: float = 3.0
    #: the upstream must be audible this long before the relay returns from the fallback
    relay_resume_ms: int = 1000
    #: a live broadcast whose audio stops arriving this long ends (the closing chime airs)
    live_drop_s: float = 4.0

    @classmethod
    def load(cls, runtime=None, **overrides) -> PlayoutConfig:
        values: dict = {}
        names = {f.name for f in fields(cls)}
        if runtime is not None:
            from ..domain.models import Setting

            try:
                with runtime.unit() as session:
                    for key, value in session.execute(
                        select(Setting.key, Setting.value).where(Setting.key.like("playout.%"))
                    ):
                        name = key.split(".", 1)[1]
                        if name in names:
                            values[name] = value
            except Exception:  # settings are optional; the defaults work
                pass
            values.update({k: v for k, v in (runtime.settings.extra.get("playout") or {}).items() if k in names})
        values.update({k: v for k, v in overrides.items() if k in names})
        config = replace(cls(), **values)
        if config.emergency_break not in BREAK_MODES:
            config = replace(config, emergency_break="pause")
        if config.emergency_after not in AFTER_MODES:
            config = replace(config, emergency_after="resume")
        return config
