"""Recorded readings: sniffed with ffprobe, size-capped, stored under a generated name."""

from __future__ import annotations

import io
import subprocess

import pytest

from broadcast.bulletins import recording
from broadcast.errors import PermissionDenied, ValidationError


def make_audio(tmp_path, name="tone.wav", args=()) -> bytes:
    out = tmp_path / name
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", *args, str(out)],
        check=True,
    )
    return out.read_bytes()


@pytest.fixture
def wav(tmp_path):
    return make_audio(tmp_path)


def test_wav_is_stored_under_a_generated_name_and_bumps_version(session, settings, users, make_bulletin, wav):
    b = make_bulletin("draft")
    info = recording.attach_recording(session, settings, users["vanhoa"], b, io.BytesIO(wav), "bai doc.wav")
    assert info["format"] == "wav" and 0.9 < info["duration"] < 1.1
    path = recording.recording_file(settings, b)
    assert path.parent == settings.data_dir / "recordings" and path.read_bytes() == wav
    assert "bai doc" not in path.name and path.name.startswith(f"bulletin-{b.id}-v2-")
    assert b.version == 2 and b.status == "draft"
    assert recording.recording_mime(path) == "audio/wav"


def test_ogg_named_mp3_is_recognised_by_content(session, settings, users, make_bulletin, tmp_path):
    data = make_audio(tmp_path, "tone.ogg", ["-c:a", "libvorbis"])
    b = make_bulletin("draft")
    info = recording.attach_recording(session, settings, users["vanhoa"], b, io.BytesIO(data), "ghi-am.mp3")
    assert info["format"] == "ogg" and recording.recording_file(settings, b).suffix == ".ogg"


def test_webm_from_the_browser_is_accepted(session, settings, users, make_bulletin, tmp_path):
    data = make_audio(tmp_path, "tone.webm", ["-c:a", "libopus"])
    b = make_bulletin("draft")
    assert (
        recording.attach_recording(session, settings, users["vanhoa"], b, io.BytesIO(data), "ghi-am.webm")["format"]
        == "webm"
    )


def test_recording_on_an_approved_bulletin_sends_it_back_to_review(session, settings, users, make_bulletin, wav):
    b = make_bulletin("approved")
    recording.attach_recording(session, settings, users["vanhanh"], b, io.BytesIO(wav), "x.wav")
    assert b.status == "submitted" and b.version == 2


@pytest.mark.parametrize(
    "payload,filename,code",
    [
        (b"ID3 this is not really audio" * 20, "bai.mp3", "not_audio"),
        (b"<html><script>alert(1)</script></html>", "bai.wav", "not_audio"),
        (b"", "bai.wav", "not_audio"),
        (None, "../etc/passwd.wav", "bad_filename"),
        (None, "thu/muc/bai.wav", "bad_filename"),
        (None, "C:\\Users\\bai.wav", "bad_filename"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(
    session, settings, users, make_bulletin, wav, payload, filename, code
):
    b = make_bulletin("draft")
    data = wav if payload is None else payload
    with pytest.raises(ValidationError) as info:
        recording.attach_recording(session, settings, users["vanhoa"], b, io.BytesIO(data), filename)
    assert info.value.code == code and info.value.http_status == 400
    assert b.recording_path is None and b.version == 1
    assert list(recording.recordings_dir(settings).iterdir()) == []


def test_upload_over_the_limit_is_413(session, settings, users, make_bulletin, wav):
    b = make_bulletin("draft")
    with pytest.raises(recording.TooLarge) as info:
        recording.attach_recording(session, settings, users["vanhoa"], b, io.BytesIO(wav), "a.wav", limit=1000)
    assert info.value.http_status == 413 and "MB" in info.value.message
    assert b.recording_path is None and list((settings.data_dir / "recordings").iterdir()) == []


def test_submitter_cannot_replace_recording_after_approval(session, settings, users, make_bulletin, wav):
    b = make_bulletin("approved")
    with pytest.raises(PermissionDenied):
        recording.attach_recording(session, settings, users["vanhoa"], b, io.BytesIO(wav), "a.wav")
