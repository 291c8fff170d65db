"""The export package for stations fed by USB stick or an MP3 player with a timer.

For one station and date, under ``<data dir>/exports/<STATION>/<date>/`` (or
``out_dir``)::

    <STATION>_<date>/
        <date>_<STATION>_<session>.mp3     the whole session mixed in order (ID3: station, date, session)
        <session>/NN-<title>.mp3           each item's MP3
        <session>.m3u8                     the items of one session, in order
        all.m3u8                           the session mixes, in start order
        cue_sheet.csv, cue_sheet.json      position, planned start, duration, title, category, department, bulletin id
    <STATION>_<date>.zip                   all of the above

The long mix copies the items' MP3 frames behind one new tag and Xing frame
(every segment is in the house format, 44.1 kHz mono MP3; others are
converted first): ``audio.mp3join`` writes what ffmpeg's concat demuxer
writes with ``-c copy``, in a fifth of its time and without its 50 MB of
libraries; ffmpeg still joins any file that is not plain frames.  Python never
holds a session as PCM.

Only what the package needs is imported at module level (the programme
builder and the calendar come in with ``export_day``): an export run on its
own stays small.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..audio import ffmpeg
from ..audio.errors import AudioError
from ..audio.mp3join import join_mp3
from ..config import Settings
from ..domain.models import Programme, ProgrammeItem, Station
from ..errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SAMPLE_RATE = ffmpeg.SAMPLE_RATE
CUE_FIELDS = (
    "session",
    "position",
    "planned_start",
    "duration_ms",
    "duration",
    "offset_ms",
    "kind",
    "title",
    "category",
    "department",
    "bulletin_id",
    "file",
)


@dataclass
class ExportResult:
    folder: Path
    zip_path: Path
    files: list[Path] = field(default_factory=list)


def slug(text: str, limit: int = 40) -> str:
    """ASCII file-name part: "Nộp hồ sơ trực tuyến" -> "nop-ho-so-truc-tuyen"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return (text[:limit].rstrip("-")) or "muc"


def _is_house_mp3(path: Path) -> bool:
    try:
        from mutagen.mp3 import MP3

        info = MP3(path).info
    except Exception:  # not an MP3 (or unreadable): convert it
        return False
    return info.sample_rate == SAMPLE_RATE and info.channels == 1


def _ffmpeg(args: list[str], what: str) -> None:
    try:
        ffmpeg.run(args, what, timeout=3600, loglevel="error", detail=True)
    except AudioError as exc:
        raise ValidationError(exc.message) from None


def place_item(src: Path, dest: Path) -> None:
    """Copy an item into the package, converting it to 44.1 kHz mono MP3 if it is not already."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if _is_house_mp3(src):
        shutil.copyfile(src, dest)
    else:
        _ffmpeg(
            [
                "-i",
                str(src),
                "-map",
                "0:a",
                "-map_metadata",
                "-1",
                "-ar",
                str(SAMPLE_RATE),
                "-ac",
                "1",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "128k",
                str(dest),
            ],
            f"chuyển {src.name} sang MP3",
        )


def tag_mp3(path: Path, **tags: str) -> None:
    from mutagen.easyid3 import EasyID3
    from mutagen.id3 import ID3NoHeaderError

    try:
        id3 = EasyID3(str(path))
    except ID3NoHeaderError:
        id3 = EasyID3()
    for key, value in tags.items():
        if value:
            id3[key] = str(value)
    id3.save(str(path), v2_version=3)


def _concat_line(path: Path) -> str:
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'\n"


def mix_files(files: list[Path], out: Path, *, metadata: dict[str, str] | None = None) -> Path:
    """One MP3 of ``files`` in order, their frames copied (never PCM in Python): by ``join_mp3``, or by
    ffmpeg's concat demuxer when a file is more than plain house-format frames."""
    if not files:
        raise ValidationError("Buổi không có mục nào để ghép.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.mp3")
    try:
        if join_mp3(files, tmp, metadata):
            os.replace(tmp, out)
            return out
    finally:
        tmp.unlink(missing_ok=True)
    return _ffmpeg_concat(files, out, tmp, metadata)


def _ffmpeg_concat(files: list[Path], out: Path, tmp: Path, metadata: dict[str, str] | None) -> Path:
    listing = out.with_name(f".{out.stem}.{os.getpid()}.concat.txt")
    listing.write_text("".join(_concat_line(f) for f in files), "utf-8")
    meta: list[str] = []
    for key, value in (metadata or {}).items():
        if value:
            meta += ["-metadata", f"{key}={value}"]
    try:
        _ffmpeg(
            [
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                "-map",
                "0:a",
                "-map_metadata",
                "-1",
                "-c",
                "copy",
                "-id3v2_version",
                "3",
                "-write_xing",
                "1",
                *meta,
                str(tmp),
            ],
            "ghép buổi phát",
        )
        os.replace(tmp, out)
    finally:
        listing.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return out


def _item_audio(item: ProgrammeItem, programme: Programme) -> Path:
    if not item.audio_path or not Path(item.audio_path).is_file():
        raise ValidationError(
            f"Mục {item.position} «{item.title}» của buổi {programme.session_code} chưa có tệp âm thanh; "
            "hãy dựng lại chương trình.",
            field="items",
        )
    return Path(item.audio_path)


def _fmt(ms: int) -> str:
    s = ms / 1000
    return f"{int(s // 60):02d}:{s % 60:06.3f}"


def _cue_row(item: ProgrammeItem, session_code: str, rel: Path, offset: int, tz) -> dict:
    """One line of the cue sheet: where the item sits in its session and where its file is."""
    dept = item.bulletin.department.code if item.bulletin is not None and item.bulletin.department else ""
    return {
        "session": session_code,
        "position": item.position,
        "planned_start": item.planned_start.astimezone(tz).isoformat(),
        "duration_ms": item.duration_ms,
        "duration": _fmt(item.duration_ms),
        "offset_ms": offset,
        "kind": item.kind,
        "title": item.title,
        "category": item.category_code or "",
        "department": dept,
        "bulletin_id": item.bulletin_id,
        "file": rel.as_posix(),
    }


@dataclass
class _SessionExport:
    mix: Path
    duration_ms: int
    files: list[Path]
    cues: list[dict]


def _export_session(folder: Path, station: Station, on_date: date, p: Programme, tz) -> _SessionExport:
    """Place one session's items, write its playlist and mix them into the session MP3."""
    item_files: list[Path] = []
    cues: list[dict] = []
    lines = ["#EXTM3U", f"#PLAYLIST:{station.name} – {p.session_code} – {on_date:%d/%m/%Y}"]
    offset = 0
    album = f"{station.name} – {on_date.isoformat()} – {p.session_code}"
    for item in sorted(p.items, key=lambda i: i.position):
        src = _item_audio(item, p)
        rel = Path(p.session_code) / f"{item.position:02d}-{slug(item.title)}.mp3"
        dest = folder / rel
        place_item(src, dest)
        tag_mp3(
            dest,
            title=item.title,
            artist=station.name,
            album=album,
            tracknumber=str(item.position),
            date=str(on_date.year),
            genre=item.category_code or item.kind,
        )
        item_files.append(dest)
        lines += [f"#EXTINF:{round(item.duration_ms / 1000)},{item.title}", rel.as_posix()]
        cues.append(_cue_row(item, p.session_code, rel, offset, tz))
        offset += item.duration_ms
    playlist = folder / f"{p.session_code}.m3u8"
    playlist.write_text("\n".join(lines) + "\n", "utf-8")
    mix = folder / f"{on_date.isoformat()}_{station.code}_{p.session_code}.mp3"
    mix_files(
        item_files,
        mix,
        metadata={
            "title": f"{station.name} – buổi {p.session_code} – {on_date:%d/%m/%Y}",
            "artist": station.name,
            "album": f"Chương trình ngày {on_date:%d/%m/%Y}",
            "date": str(on_date.year),
            "station": station.code,
            "session": p.session_code,
            "programme_date": on_date.isoformat(),
        },
    )
    return _SessionExport(mix=mix, duration_ms=offset, files=[mix, playlist, *item_files], cues=cues)


def _write_listings(folder: Path, station: Station, on_date: date, sessions: list[tuple[str, _SessionExport]]):
    """all.m3u8 (the session mixes in start order) and the cue sheet as CSV and JSON; returns their paths."""
    all_m3u = folder / "all.m3u8"
    all_m3u.write_text(
        "#EXTM3U\n"
        + "".join(
            f"#EXTINF:{round(s.duration_ms / 1000)},{station.name} – {code}\n{s.mix.name}\n" for code, s in sessions
        ),
        "utf-8",
    )
    cues = [c for _, s in sessions for c in s.cues]
    csv_path, json_path = folder / "cue_sheet.csv", folder / "cue_sheet.json"
    with csv_path.open("w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel opens Vietnamese right
        writer = csv.DictWriter(fh, fieldnames=CUE_FIELDS)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in c.items()} for c in cues)
    json_path.write_text(
        json.dumps(
            {"station": station.code, "station_name": station.name, "date": on_date.isoformat(), "items": cues},
            ensure_ascii=False,
            indent=2,
        ),
        "utf-8",
    )
    return [all_m3u, csv_path, json_path]


def _write_zip(result: ExportResult, name: str) -> None:
    """Zip the package atomically (MP3s stored as they are, text deflated) and add the zip to the file list."""
    tmp_zip = result.zip_path.with_name(f".{result.zip_path.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp_zip, "w") as zf:
        for f in sorted(result.files):
            kind = zipfile.ZIP_STORED if f.suffix == ".mp3" else zipfile.ZIP_DEFLATED
            _zip_add(zf, f, (Path(name) / f.relative_to(result.folder)).as_posix(), kind)
    os.replace(tmp_zip, result.zip_path)
    result.files.append(result.zip_path)


def _zip_add(zf: zipfile.ZipFile, path: Path, arcname: str, kind: int) -> None:
    """``zf.write`` (same entry, same bytes) copying 1 MiB at a time instead of 8 KiB: a tenth of the calls."""
    info = zipfile.ZipInfo.from_file(path, arcname)
    info.compress_type = kind
    with path.open("rb") as src, zf.open(info, "w") as dest:
        shutil.copyfileobj(src, dest, 1 << 20)


def export_programmes(
    settings: Settings, station: Station, on_date: date, programmes: list[Programme], out_dir: Path | None = None
) -> ExportResult:
    """Write the export package of ``programmes`` (sessions without items are skipped) and zip it."""
    base = Path(out_dir) if out_dir else settings.subdir("exports") / station.code / on_date.isoformat()
    name = f"{station.code}_{on_date.isoformat()}"
    folder = base / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    result = ExportResult(folder=folder, zip_path=base / f"{name}.zip")
    sessions: list[tuple[str, _SessionExport]] = []
    for p in programmes:
        if not p.items:
            continue
        done = _export_session(folder, station, on_date, p, settings.tz)
        sessions.append((p.session_code, done))
        result.files += done.files
    if not sessions:
        shutil.rmtree(folder, ignore_errors=True)
        raise ValidationError(
            f"Chưa có chương trình nào của đài {station.code} ngày {on_date:%d/%m/%Y} để xuất; "
            "hãy dựng chương trình trước."
        )
    result.files += _write_listings(folder, station, on_date, sessions)
    _write_zip(result, name)
    return result


def export_day(
    session: Session, settings: Settings, station_code: str, on_date, *, out_dir: Path | None = None
) -> ExportResult:
    """Write the export package of a station's built programme for one date."""
    # imported here: the builder pulls in the renderer, speech engines and numpy, which export does not use
    from .build import day_programmes
    from .calendar import get_station, parse_date

    station = get_station(session, station_code)
    on_date = parse_date(on_date)
    return export_programmes(settings, station, on_date, day_programmes(session, station, on_date), out_dir)


def session_preview(settings: Settings, programme: Programme) -> Path:
    """The whole session as one MP3 for listening in the browser (cached on the items' files and order)."""
    import hashlib

    files = [_item_audio(i, programme) for i in sorted(programme.items, key=lambda i: i.position)]
    key = hashlib.sha256("\n".join(f"{f}:{f.stat().st_mtime_ns}" for f in files).encode()).hexdigest()[:20]
    out = settings.subdir("programme-audio") / f"preview-{key}.mp3"
    if out.is_file():
        return out
    folder = settings.subdir("programme-audio") / f".preview-{key}"
    folder.mkdir(exist_ok=True)
    try:
        placed = []
        for n, f in enumerate(files, start=1):
            dest = folder / f"{n:03d}.mp3"
            place_item(f, dest)
            placed.append(dest)
        mix_files(placed, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out
