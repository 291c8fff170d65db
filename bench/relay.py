"""Relay: how fast a dead upstream hands over to the fallback, the silence threshold, and what a relay costs.

A real Icecast on loopback with ffmpeg feeding it a tone is the upstream; the player's ``RelayFeed`` is paced
in real time as the player paces it (one 100 ms chunk per 100 ms), without a database or a sink.

- ``relay.fallback_ms``: from killing the upstream (its source and the server) to the first fallback chunk;
  target < 5,000 ms.  What had arrived still airs first (loudness levelling holds about 3 s of it).
- ``relay.silence_fallback_ms``: an upstream that is reachable but silent: when the fallback starts, against
  the silence threshold (``relay_silence_s``, default 5 s): it must not be earlier, nor much later.
- ``relay.cpu_pct``: CPU of one relay running in real time (the ffmpeg pulling and levelling the stream plus
  this process's share), in % of one core over ``CPU_WINDOW_S``; target < 10 %.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

CPU_WINDOW_S = 20.0
TICK_S = 0.1


def _ticks(pid: int) -> int:
    """utime + stime of a process in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _upstream(children, port: int, password: str, mount: str, volume: float):
    src = f"sine=frequency=1000:sample_rate=44100,volume={volume}"
    argv = ["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i", src, "-ac", "2"]
    argv += ["-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3"]
    return children.start(mount, [*argv, f"icecast://source:{password}@127.0.0.1:{port}/{mount}"], dict(os.environ))


def _feed(url: str, config):
    from broadcast.audio.ffmpeg import BYTES_PER_SECOND
    from broadcast.playout.relay import RelayFeed

    tone = bytes(BYTES_PER_SECOND // 2)  # the fallback's content does not matter here, only when it starts
    return RelayFeed(url, name="bench", fallback_pcm=tone, fallback="asset", config=config, clock=lambda: "")


def _run_until(feed, predicate, timeout: float) -> float | None:
    """Pull chunks in real time until ``predicate(feed)``; the monotonic time it became true, or None."""
    chunk = 4410 * 2 * 1  # 100 ms of house PCM
    deadline = time.monotonic() + timeout
    next_tick = time.monotonic()
    while time.monotonic() < deadline:
        feed.next_chunk(chunk)
        if predicate(feed):
            return time.monotonic()
        next_tick += TICK_S
        time.sleep(max(0.0, next_tick - time.monotonic()))
    return None


def _wait_mount(url: str, timeout: float = 15) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.read(1024):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def run() -> list[dict]:
    from broadcast.cli.netdemo_processes import Children, start_icecast
    from broadcast.playout.config import PlayoutConfig

    config = PlayoutConfig()
    with tempfile.TemporaryDirectory(prefix="lp-bench-relay-") as tmp:
        children = Children(Path(tmp))
        try:
            started = start_icecast(children, Path(tmp))
            if started is None:
                return [{"name": "relay.*", "value": None, "unit": "", "limit": None, "note": "icecast2 missing"}]
            port, password = started
            loud = _upstream(children, port, password, "vov1", 0.5)
            _upstream(children, port, password, "quiet", 0.0)
            base = f"http://127.0.0.1:{port}"
            _wait_mount(base + "/vov1")

            # CPU over a window of steady relaying, then the upstream dies
            feed = _feed(base + "/vov1", config)
            _run_until(feed, lambda f: f.relayed_ms >= 3000, 15)
            reader_pid, me = feed.reader.proc.pid, os.getpid()
            t0, c0, m0 = time.monotonic(), _ticks(reader_pid), _ticks(me)
            _run_until(feed, lambda f: False, CPU_WINDOW_S)
            hz = os.sysconf("SC_CLK_TCK")
            cpu = ((_ticks(reader_pid) - c0) + (_ticks(me) - m0)) / hz / (time.monotonic() - t0) * 100
            killed = time.monotonic()
            loud.kill()
            children.procs["icecast"].kill()
            at = _run_until(feed, lambda f: f.state == "fallback", 15)
            fallback_ms = round((at - killed) * 1000) if at else None
            feed.close()
        finally:
            children.stop_all()
        # a reachable but silent upstream: the threshold decides (a fresh Icecast for it)
        children = Children(Path(tmp) / "quiet")
        try:
            port, password = start_icecast(children, Path(tmp) / "quiet")
            _upstream(children, port, password, "quiet", 0.0)
            _wait_mount(f"http://127.0.0.1:{port}/quiet")
            feed = _feed(f"http://127.0.0.1:{port}/quiet", config)
            began = time.monotonic()
            at = _run_until(feed, lambda f: f.state == "fallback", config.relay_silence_s + 10)
            silence_ms = round((at - began) * 1000) if at else None
            feed.close()
        finally:
            children.stop_all()
    threshold_ms = round(config.relay_silence_s * 1000)
    return [
        {
            "name": "relay.fallback_ms",
            "value": fallback_ms,
            "unit": "ms",
            "limit": {"name": "target", "value": 5000},
            "target": "upstream killed -> fallback heard < 5,000 ms (the 3 s already received airs first)",
        },
        {
            "name": "relay.silence_fallback_ms",
            "value": silence_ms,
            "unit": "ms",
            "limit": {"name": "relay_silence_s", "value": threshold_ms},
            "target": "a silent upstream hands over at the threshold (ratio ≈ 1, never < 1)",
        },
        {
            "name": "relay.cpu_pct",
            "value": round(cpu, 2),
            "unit": "% of a core",
            "limit": {"name": "target", "value": 10},
            "target": f"one relay in real time (ffmpeg + feed), {CPU_WINDOW_S:g} s window",
        },
    ]
