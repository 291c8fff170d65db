"""Playout: airing sessions on time, the as-run log, emergency break-in and recovery.

Entry points: ``service.start_scheduler(runtime)`` (the APScheduler loop),
``player.air_run(...)`` (air one claimed run now), ``sinks.open_sink(spec)``.

The rooms, each with its public doors:

* ``service`` lifecycle, control loop, session jobs; ``scheduler`` derives the jobs; ``lease`` one per database;
  ``recovery`` closes what a crash left airing.
* ``claims`` the unique run row (``claim_key``, ``claim_run``, ``reclaim_run``): nothing airs twice.
* ``items`` what a programme airs; ``player`` plays items to a sink, ``streams`` one item's audio chunk by
  chunk; ``sinks`` where the PCM goes (ffmpeg through ``broadcast.audio.ffmpeg``); ``channels`` one airing
  per station and its stop/skip/emergency flags.
* ``asrun`` the as-run log object (``AsRunLog``: start, heartbeat, complete, final rows) written by ``writer``
  off the audio path.
* ``emergency`` break-in; ``commands`` operator commands (queued by the web, carried out by the scheduler).
* For the web: ``status`` (what airs now), ``confirm`` (export-fed stations), ``asrun_list`` (the log as rows).
"""
