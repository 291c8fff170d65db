"""The session mix joined in Python (``audio.mp3join``) against ffmpeg's concat demuxer with ``-c copy``."""

from __future__ import annotations

import json
import subprocess
import zlib

import pytest
from mutagen.easyid3 import EasyID3
from mutagen.id3 import ID3

from broadcast.audio.mp3join import crc16, crc16_combine, join_mp3
from broadcast.programme.export import export_day, mix_files


def _ffmpeg(*args) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def tone(path, seconds, *, freq=440, bitrate="128k", rate=44100, channels=1, extra=()):
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"sine=f={freq}:d={seconds}:sample_rate={rate}",
        "-ac",
        str(channels),
        "-c:a",
        "libmp3lame",
        "-b:a",
        bitrate,
        *extra,
        str(path),
    )
    return path


def ffmpeg_concat(files, out):
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{f}'\n" for f in files))
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0:a", "-c", "copy", "-write_xing", "1", str(out))
    return out


def after_id3(path) -> bytes:
    data = path.read_bytes()
    if data[:3] != b"ID3":
        return data
    return data[10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]) :]


def decoded_md5(path) -> str:
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "md5", "-"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def ffprobe_s(path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(json.loads(out)["format"]["duration"])


@pytest.fixture
def house(tmp_path):
    """Three house-format files of different lengths, one of them with an ID3v1 tag at its end."""
    return [
        tone(tmp_path / "a.mp3", 2.3, freq=330),
        tone(tmp_path / "b.mp3", 1.1, freq=440, extra=("-write_id3v1", "1", "-metadata", "title=b")),
        tone(tmp_path / "c.mp3", 3.7, freq=550),
    ]


def test_join_writes_ffmpeg_concat_output_behind_its_own_tag(house, tmp_path):
    ours, theirs = tmp_path / "ours.mp3", ffmpeg_concat(house, tmp_path / "theirs.mp3")
    assert join_mp3(house, ours, {"title": "Buổi sáng", "station": "MOLAO"})
    # the Xing/LAME frame (counts, seek table, delay/padding, CRCs) and every audio frame, byte for byte
    assert after_id3(ours) == after_id3(theirs)
    assert decoded_md5(ours) == decoded_md5(theirs)
    assert abs(ffprobe_s(ours) - sum(ffprobe_s(f) for f in house)) < 0.1
    tags = ID3(str(ours))
    assert tags.version == (2, 3, 0) and str(tags["TIT2"]) == "Buổi sáng" and str(tags["TXXX:station"]) == "MOLAO"


def test_join_of_mixed_bitrates_is_a_vbr_xing_frame_like_ffmpeg(tmp_path):
    files = [tone(tmp_path / "lo.mp3", 1.5, bitrate="64k"), tone(tmp_path / "hi.mp3", 2.0, bitrate="160k")]
    ours, theirs = tmp_path / "ours.mp3", ffmpeg_concat(files, tmp_path / "theirs.mp3")
    assert join_mp3(files, ours)
    assert after_id3(ours) == after_id3(theirs)
    assert b"Xing" in after_id3(ours)[:64]


def test_files_that_are_not_plain_house_frames_go_to_ffmpeg(tmp_path):
    mono = tone(tmp_path / "mono.mp3", 1.0)
    stereo = tone(tmp_path / "stereo.mp3", 1.0, channels=2)
    other_rate = tone(tmp_path / "48k.mp3", 1.0, rate=48000)
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(mono.read_bytes() + b"not an mp3 frame" * 8)
    for bad in (stereo, other_rate, junk, tmp_path / "a.wav"):
        if bad.suffix == ".wav":
            _ffmpeg("-f", "lavfi", "-i", "sine=d=0.5", str(bad))
        out = tmp_path / f"{bad.stem}-joined.mp3"
        assert not join_mp3([mono, bad], out) and not out.exists()
    # mix_files still makes the session from them (ffmpeg's concat demuxer)
    mixed = mix_files([mono, junk], tmp_path / "mix.mp3", metadata={"title": "x"})
    assert abs(ffprobe_s(mixed) - 2.0) < 0.15


def test_crc16_combine_equals_the_crc_of_the_joined_bytes():
    a, b = b"ab" * 1000 + b"c", bytes(range(256)) * 3
    assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)
    assert crc16_combine(0, crc16(b), len(b)) == crc16(b)


def test_exported_mix_is_the_items_in_playlist_order(session, settings, rendered_day, tmp_path, monkeypatch):
    """The package's session MP3 holds exactly the frames of the item files its playlist lists, in order,
    joined without ffmpeg (rendered audio is plain house-format frames)."""
    import broadcast.programme.export as export

    def no_ffmpeg(*args, **kwargs):
        raise AssertionError("rendered items should not need ffmpeg to be joined")

    monkeypatch.setattr(export, "_ffmpeg_concat", no_ffmpeg)
    on, progs = rendered_day
    folder = export_day(session, settings, "MOLAO", on, out_dir=tmp_path / "usb").folder
    for p in progs:
        mix = folder / f"{on.isoformat()}_MOLAO_{p.session_code}.mp3"
        items = [
            folder / line
            for line in (folder / f"{p.session_code}.m3u8").read_text("utf-8").splitlines()
            if not line.startswith("#")
        ]
        assert items and len(items) == len(p.items)
        theirs = ffmpeg_concat(items, tmp_path / f"{p.session_code}-ffmpeg.mp3")
        assert zlib.crc32(after_id3(mix)) == zlib.crc32(after_id3(theirs))
        cues = json.loads((folder / "cue_sheet.json").read_text("utf-8"))["items"]
        total_s = sum(c["duration_ms"] for c in cues if c["session"] == p.session_code) / 1000
        assert abs(ffprobe_s(mix) - total_s) < 0.1
        assert "Mộ Lao" in EasyID3(str(mix))["artist"][0]
