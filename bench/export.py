"""Export benchmark: one 45-minute session from already rendered segments.

Rows (see bench/__main__.py for the table):

* ``export.session45_s``: wall time of our export of one 45-minute session
  (house-format checks, the mixed session MP3 with ID3 tags, per-item MP3s
  with tags, M3U8, cue sheets, ZIP), run in a child process; the limit beside
  it is ``export.ffmpeg_concat_s``, plain ffmpeg concatenating the same files
  (concat demuxer, frames copied).  Target: within 1.2x.
* ``export.mix45_s``: only the mixed session MP3 (our ``mix_files``), same limit.
* ``export.peak_rss_mb``: peak resident memory of the export: the child
  Python process (its VmHWM, imports included) plus the largest of its
  ffmpeg/ffprobe children (0 when none runs: house-format segments are joined
  in Python), added: an upper bound of what ran at the same time.  Target
  < 120 MB and within 2x of ``export.ffmpeg_concat_rss_mb``, ffmpeg's own peak
  for the plain concat (a row of its own).

Segments: 28 speech-length tones of 80-110 s plus two signature tunes, in the
house format (44.1 kHz mono MP3 128 kb/s), 45 minutes in all; generated before
timing.  Run alone with ``python -m bench.export``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 45 * 60

_CHILD = r"""
import json, resource, subprocess, sys, time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from broadcast.config import Settings
from broadcast.domain.models import Programme, ProgrammeItem, Station
import broadcast.programme.export as export

work, mode, measure = Path(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
segs = json.loads((work / "segments.json").read_text())
settings = Settings(database_url="sqlite://", data_dir=work / "data", secret_key="bench")
def plain():
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0",
                    "-i", str(work / "plain.txt"), "-c", "copy", str(work / "plain.mp3")], check=True)

def ours():
    if mode == "package":
        start = datetime(2025, 10, 1, 5, 30, tzinfo=timezone.utc)
        station = Station(code="BENCH", name="Đài truyền thanh xã thử")
        p = Programme(session_code="sang", on_date=date(2025, 10, 1), starts_at=start, max_duration_s=45 * 60)
        at = start
        for n, (path, ms) in enumerate(segs, start=1):
            p.items.append(ProgrammeItem(position=n, kind="bulletin" if n not in (1, len(segs)) else "asset",
                                         title=f"Mục {n}", audio_path=path, duration_ms=ms, planned_start=at,
                                         category_code="thong-bao"))
            at += timedelta(milliseconds=ms)
        export.export_programmes(settings, station, date(2025, 10, 1), [p], out_dir=work / "out")
    else:
        export.mix_files([Path(s) for s, _ in segs], work / "mix.mp3",
                         metadata={"title": "bench", "artist": "bench", "station": "BENCH", "session": "sang"})

if measure:
    # Each ffmpeg/ffprobe the export runs goes through a tiny wrapper that spawns it and reports its own
    # peak: a child forked from this process would count this process's pages until it execs.
    import broadcast.audio.ffmpeg as ffmpeg_module
    real_run, peaks = subprocess.run, []
    class _Shim:
        def run(self, cmd, **kw):
            out = work / "ffmpeg-rss.txt"
            result = real_run([sys.executable, "-S", "-I", str(work / "rss.py"), str(out), *cmd], **kw)
            peaks.append(int(out.read_text().split()[-1]))
            return result
        def __getattr__(self, name):
            return getattr(subprocess, name)
    ffmpeg_module.subprocess = _Shim()
    ours()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would count the bench's own
    # process, which this child was forked from.
    hwm = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
    print(json.dumps({"self_kb": int(hwm.split()[1]), "ffmpeg_kb": max(peaks, default=0)}))
    sys.exit(0)
plain(); ours()  # warm-up of both: files, ffmpeg and output paths in the page cache
t0 = time.perf_counter(); plain(); plain_s = time.perf_counter() - t0
t0 = time.perf_counter(); ours(); ours_s = time.perf_counter() - t0
print(json.dumps({"ours": ours_s, "plain": plain_s}))
"""

_RSS = r"""
import os, resource, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status = os.waitpid(pid, 0)
with open(sys.argv[1], "a") as fh:
    fh.write(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def make_segments(work: Path) -> list[tuple[str, int]]:
    from broadcast.audio.measure import probe_duration

    seg_dir = work / "segments"
    seg_dir.mkdir()
    tune = seg_dir / "00-tune.mp3"
    shutil.copyfile(ROOT / "audio_assets" / "nhac-hieu.mp3", tune)
    base = []
    for n, (freq, secs) in enumerate([(220, 80), (247, 95), (262, 110), (294, 88)]):
        out = seg_dir / f"base-{n}.mp3"
        # a tone with a syllable-rate tremolo: compresses like speech does, not like silence
        _ffmpeg(
            "-f",
            "lavfi",
            "-i",
            f"aevalsrc='0.3*sin(2*PI*{freq}*t)*(0.5+0.5*sin(2*PI*4*t))':s=44100:d={secs}",
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            str(out),
        )
        base.append(out)
    tune_s = probe_duration(tune)
    files = [tune]
    total, i = 2 * tune_s, 0
    while total < TARGET_S - 60:
        src = base[i % len(base)]
        dest = seg_dir / f"{i + 1:02d}-seg.mp3"
        shutil.copyfile(src, dest)  # distinct files, as a real session has
        files.append(dest)
        total += probe_duration(dest)
        i += 1
    end = seg_dir / "99-tune.mp3"
    shutil.copyfile(tune, end)
    files.append(end)
    return [(str(f), int(round(probe_duration(f) * 1000))) for f in files]


def _child(work: Path, mode: str, measure: bool = False) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT), str(work), mode, "1" if measure else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _plain_ffmpeg_rss_mb(work: Path) -> float:
    out = work / "plain-rss.txt"
    subprocess.run(
        [
            sys.executable,
            "-S",
            "-I",
            str(work / "rss.py"),
            str(out),
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(work / "plain.txt"),
            "-c",
            "copy",
            str(work / "plain.mp3"),
        ],
        check=True,
    )
    return int(out.read_text().split()[-1]) / 1024


def run(repeats: int = 3) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        work = Path(tmp)
        segs = make_segments(work)
        (work / "segments.json").write_text(json.dumps(segs))
        (work / "plain.txt").write_text("".join(f"file '{p}'\n" for p, _ in segs))
        (work / "rss.py").write_text(_RSS)
        total_min = sum(ms for _, ms in segs) / 60000
        packages = [_child(work, "package") for _ in range(repeats)]
        mixes = [_child(work, "mix") for _ in range(repeats)]
        memory = _child(work, "package", measure=True)
        ffmpeg_rss = _plain_ffmpeg_rss_mb(work)
    ffmpeg_s = min(r["plain"] for r in packages + mixes)
    package_s = min(p["ours"] for p in packages)
    mix_s = min(m["ours"] for m in mixes)
    # Python waits while ffmpeg runs: the sum of both peaks bounds what was resident at once.
    peak_mb = (memory["self_kb"] + memory["ffmpeg_kb"]) / 1024
    limit = {"name": "export.ffmpeg_concat_s", "value": round(ffmpeg_s, 3)}
    note = f"{len(segs)} segments, {total_min:.1f} min, best of {repeats}"
    return [
        {
            "name": "export.session45_s",
            "value": round(package_s, 3),
            "unit": "s",
            "limit": limit,
            "target": "≤ 1.2× ffmpeg",
            "note": note,
        },
        {"name": "export.mix45_s", "value": round(mix_s, 3), "unit": "s", "limit": limit, "target": "≤ 1.2× ffmpeg"},
        {
            "name": "export.ffmpeg_concat_s",
            "value": round(ffmpeg_s, 3),
            "unit": "s",
            "limit": None,
            "target": None,
            "note": note,
        },
        {
            "name": "export.peak_rss_mb",
            "value": round(peak_mb, 1),
            "unit": "MB",
            "limit": {"name": "export.ffmpeg_concat_rss_mb", "value": round(ffmpeg_rss, 1)},
            "target": "< 120 MB and ≤ 2× ffmpeg concat",
            "note": f"Python {memory['self_kb'] / 1024:.0f} MB + ffmpeg {memory['ffmpeg_kb'] / 1024:.0f} MB",
        },
        {
            "name": "export.ffmpeg_concat_rss_mb",
            "value": round(ffmpeg_rss, 1),
            "unit": "MB",
            "limit": None,
            "target": None,
            "note": "plain ffmpeg concat of the same files (the floor)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, ensure_ascii=False))
