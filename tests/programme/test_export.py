"""The export package, checked with ffprobe on real rendered audio (espeak, short texts)."""

from __future__ import annotations

import csv
import json
import subprocess
import zipfile

import pytest
from mutagen.easyid3 import EasyID3

from broadcast.errors import NotFound, ValidationError
from broadcast.programme.export import export_day, mix_files, slug


def ffprobe_s(path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)


def ffprobe_stream(path) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=codec_name,sample_rate,channels",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)["streams"][0]


def test_package_contents_and_durations(session, settings, rendered_day, tmp_path):
    on, progs = rendered_day
    result = export_day(session, settings, "MOLAO", on, out_dir=tmp_path / "usb")
    folder = result.folder
    assert folder.name == f"MOLAO_{on.isoformat()}" and result.zip_path.is_file()
    cues = json.loads((folder / "cue_sheet.json").read_text("utf-8"))
    assert cues["station"] == "MOLAO" and cues["date"] == on.isoformat()
    with (folder / "cue_sheet.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(cues["items"]) == sum(len(p.items) for p in progs)
    assert set(rows[0]) >= {
        "position",
        "planned_start",
        "duration_ms",
        "title",
        "category",
        "department",
        "bulletin_id",
    }
    for p in progs:
        mix = folder / f"{on.isoformat()}_MOLAO_{p.session_code}.mp3"
        session_cues = [c for c in cues["items"] if c["session"] == p.session_code]
        cue_total_s = sum(c["duration_ms"] for c in session_cues) / 1000
        assert abs(ffprobe_s(mix) - cue_total_s) < 0.1, (p.session_code, ffprobe_s(mix), cue_total_s)
        # each item file is there, in the house format, and as long as the cue sheet says
        for c in session_cues:
            f = folder / c["file"]
            assert abs(ffprobe_s(f) * 1000 - c["duration_ms"]) < 100, c
            assert ffprobe_stream(f) == {"codec_name": "mp3", "sample_rate": "44100", "channels": 1}
        assert [c["position"] for c in session_cues] == list(range(1, len(session_cues) + 1))
        bulletin_cues = [c for c in session_cues if c["bulletin_id"]]
        assert bulletin_cues and all(c["department"] == "VHTT" and c["category"] for c in bulletin_cues)
        # playlist lists the item files in order
        m3u = (folder / f"{p.session_code}.m3u8").read_text("utf-8").splitlines()
        assert m3u[0] == "#EXTM3U"
        assert [line for line in m3u if not line.startswith("#")] == [c["file"] for c in session_cues]
        # ID3 tags carry station, date and session
        tags = EasyID3(str(mix))
        assert "Mộ Lao" in tags["artist"][0] and p.session_code in tags["title"][0]
        assert on.strftime("%d/%m/%Y") in tags["album"][0]
        from mutagen.id3 import ID3

        txxx = {f.desc: str(f.text[0]) for f in ID3(str(mix)).getall("TXXX")}
        assert txxx.get("station") == "MOLAO" and txxx.get("session") == p.session_code
        assert txxx.get("programme_date") == on.isoformat()
    with zipfile.ZipFile(result.zip_path) as zf:
        names = set(zf.namelist())
    on_disk = {f"{folder.name}/{f.relative_to(folder).as_posix()}" for f in folder.rglob("*") if f.is_file()}
    assert names == on_disk
    assert {f"{folder.name}/cue_sheet.csv", f"{folder.name}/cue_sheet.json", f"{folder.name}/all.m3u8"} <= names
    assert set(result.files) >= {result.zip_path, folder / "cue_sheet.csv"}


def test_default_location_is_under_the_data_dir(session, settings, rendered_day):
    on, _ = rendered_day
    result = export_day(session, settings, "MOLAO", on)
    assert result.zip_path.is_relative_to(settings.data_dir / "exports" / "MOLAO")


def test_non_mp3_items_are_converted(tmp_path):
    wav = tmp_path / "a.wav"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=440:d=1.5:sample_rate=22050", str(wav)],
        check=True,
    )
    from broadcast.programme.export import place_item

    dest = tmp_path / "out" / "a.mp3"
    place_item(wav, dest)
    assert ffprobe_stream(dest) == {"codec_name": "mp3", "sample_rate": "44100", "channels": 1}
    mixed = mix_files([dest, dest], tmp_path / "mix.mp3")
    assert abs(ffprobe_s(mixed) - 2 * ffprobe_s(dest)) < 0.1


def test_export_errors(session, settings, demo, today):
    with pytest.raises(ValidationError, match="dựng chương trình trước"):
        export_day(session, settings, "MOLAO", today)
    with pytest.raises(NotFound):
        export_day(session, settings, "KHONGCO", today)
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        export_day(session, settings, "MOLAO", "hôm nay")


def test_slug():
    assert slug("Nộp hồ sơ trực tuyến — Đợt 2") == "nop-ho-so-truc-tuyen-dot-2"
    assert slug("!!!") == "muc"
