"""`broadcast normalize` and `broadcast speak`: text in, normalised text or loudness-normalised MP3 out."""

import re

from click.testing import CliRunner

from broadcast.audio.measure import measure_loudness
from broadcast.cli.speech import normalize_cmd, speak_cmd, voices_cmd


def test_normalize_stdin_to_stdout_line_for_line():
    result = CliRunner().invoke(normalize_cmd, input="UBND phường\n\n17 TDP\n".encode())
    assert result.exit_code == 0
    assert result.output == "ủy ban nhân dân phường\n\nmười bảy tổ dân phố\n"


def test_normalize_invalid_utf8_is_a_clear_error():
    result = CliRunner().invoke(normalize_cmd, input=b"UBND ph\xff\xfeng\n")
    assert result.exit_code == 1
    assert "UTF-8" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_speak_writes_mp3_and_prints_figures(tmp_path):
    out = tmp_path / "a.mp3"
    result = CliRunner().invoke(speak_cmd, ["--engine", "espeak", "--out", str(out), "Xin chào bà con"])
    assert result.exit_code == 0, result.output
    assert re.search(r"thời lượng \d+,\d giây, độ lớn -1[5-7]\.\d LUFS", result.output)
    assert abs(measure_loudness(out).integrated_lufs + 16) <= 1


def test_speak_reads_stdin_and_rejects_empty(tmp_path):
    out = tmp_path / "b.mp3"
    ok = CliRunner().invoke(speak_cmd, ["--engine", "espeak", "--out", str(out)], input="Thông báo".encode())
    assert ok.exit_code == 0 and out.exists()
    empty = CliRunner().invoke(speak_cmd, ["--engine", "espeak", "--out", str(tmp_path / "c.mp3")], input=b"...")
    assert empty.exit_code == 1 and "không có chữ nào" in empty.output


def test_voices_lists_what_can_run_here_and_all_with_a_flag(monkeypatch):
    for name in ("FPT", "VIETTEL", "ZALO"):
        monkeypatch.delenv(f"BROADCAST_{name}_API_KEY", raising=False)
    monkeypatch.setenv("BROADCAST_FPT_API_KEY", "khoa-thu")
    here = CliRunner().invoke(voices_cmd, [])
    assert here.exit_code == 0, here.output
    lines = here.output.splitlines()
    assert any(line.startswith("espeak") and "vi-vn-x-south" in line and "Nam" in line for line in lines)
    assert any(line.startswith("fpt") and "banmai" in line and "Bắc, nữ" in line for line in lines)
    assert not any(line.startswith(("viettel", "zalo")) for line in lines)  # no key: not usable here
    every = CliRunner().invoke(voices_cmd, ["--all"]).output
    assert "viettel" in every and "chưa dùng được" in every
