"""Playout: airing sessions on time, the as-run log, emergency break-in and recovery.

Entry points: ``service.start_scheduler(runtime)`` (the APScheduler loop),
``player.air_run(...)`` (air one claimed run now), ``sinks.open_sink(spec)``.
"""
