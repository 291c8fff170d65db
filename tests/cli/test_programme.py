"""`broadcast programme ...`: build, show (--json), export, lock; errors are one Vietnamese sentence."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcast.cli import main
from tests.programme.conftest import next_weekday


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_show_json_export_and_lock(cli_env, rendered_day, tmp_path):
    on, _ = rendered_day
    shown = run(cli_env, "programme", "show", "--station", "MOLAO", "--date", on.isoformat(), "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["station"] == "MOLAO" and [s["code"] for s in data["sessions"]] == ["sang", "chieu"]
    text = run(cli_env, "programme", "show", "--station", "MOLAO", "--date", on.isoformat())
    assert "Buổi sang lúc 06:00" in text.output and "Nhạc hiệu" in text.output
    out = tmp_path / "usb"
    exported = run(cli_env, "programme", "export", "--station", "MOLAO", "--date", on.isoformat(), "--out", str(out))
    assert exported.exit_code == 0, exported.output
    files = [Path(line) for line in exported.output.splitlines()]
    assert all(f.is_file() for f in files) and any(f.suffix == ".zip" for f in files)
    assert any(f.name == "cue_sheet.csv" for f in files)
    locked = run(cli_env, "programme", "lock", "--station", "MOLAO", "--date", on.isoformat(), "--session", "sang")
    assert locked.exit_code == 0 and "Đã khóa" in locked.output
    rebuilt = run(cli_env, "programme", "build", "--station", "MOLAO", "--date", on.isoformat())
    assert rebuilt.exit_code == 0 and "đã khóa, giữ nguyên" in rebuilt.output


def test_build_prints_sessions(cli_env, demo, today):
    sat = next_weekday(today + timedelta(days=1), 6)
    result = run(cli_env, "programme", "build", "--station", "MOLAO", "--date", sat.isoformat())
    assert result.exit_code == 0 and "không có buổi phát" in result.output


@pytest.mark.parametrize(
    "args, words",
    [
        (["build", "--station", "NOPE", "--date", "2025-10-01"], "Không có đài 'NOPE'"),
        (["build", "--station", "MOLAO", "--date", "01/10/2025"], "YYYY-MM-DD"),
        (["show", "--station", "MOLAO", "--date", "2025-1-1x"], "YYYY-MM-DD"),
        (["lock", "--station", "MOLAO", "--date", "2025-10-01", "--session", "toi"], "không có buổi phát 'toi'"),
        (["lock", "--station", "MOLAO", "--date", "2025-10-01", "--session", "sang"], "chưa được dựng"),
        (["export", "--station", "MOLAO", "--date", "2025-10-01", "--out", "/tmp/x"], "dựng chương trình trước"),
    ],
)
def test_errors_are_one_sentence(cli_env, demo, args, words):
    result = CliRunner().invoke(main, ["programme", *args], env=cli_env)
    assert result.exit_code == 1, result.output
    assert words in result.output and "Traceback" not in result.output
    assert result.output.startswith("Lỗi: ")


def test_help_lists_programme(cli_env):
    result = run(cli_env, "programme", "--help")
    assert result.exit_code == 0
    for cmd in ("build", "show", "export", "lock", "unlock", "reload"):
        assert f"  {cmd} " in result.output
