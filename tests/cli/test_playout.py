"""`broadcast playout run`: a wrong station or date is one Vietnamese sentence (the shared lookups)."""

from __future__ import annotations

from click.testing import CliRunner

from broadcast.cli import main


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_unknown_station_and_bad_date_are_one_sentence(cli_env, demo):
    unknown = run(cli_env, "playout", "run", "--station", " nope ", "--session", "sang", "--sink", "null")
    assert unknown.exit_code == 1
    assert "Không có đài mã 'NOPE'" in unknown.output and "Traceback" not in unknown.output
    bad_day = run(
        cli_env, "playout", "run", "--station", "MOLAO", "--date", "2025-02-30", "--session", "sang", "--sink", "null"
    )
    assert bad_day.exit_code == 1
    assert "Ngày không hợp lệ" in bad_day.output and "YYYY-MM-DD" in bad_day.output
