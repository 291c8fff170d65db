"""`broadcast playout run`: airs a session and prints its log, is refused while the station airs; a wrong
station or date is one Vietnamese sentence."""

from __future__ import annotations

from click.testing import CliRunner

from broadcast.cli import main
from broadcast.domain.models import PlayoutRun
from broadcast.domain.types import utcnow
from broadcast.playout.lease import process_holder
from tests.playout.conftest import make_programme, make_station, make_tone, runs


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


def test_run_airs_the_session_and_prints_its_log(cli_env, runtime, tmp_path):
    with runtime.unit() as s:
        st = make_station(s)
        tones = [make_tone(tmp_path / "a.mp3", 0.5, 440), make_tone(tmp_path / "b.mp3", 0.5, 660)]
        p = make_programme(s, st, tones)
        day = p.on_date.isoformat()
    result = run(cli_env, "playout", "run", "--station", "MOLAO", "--date", day, "--session", "sang", "--speed", "0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[:2] for line in lines if line.strip().startswith(("0 ", "1 "))] == [
        ["0", "aired"],
        ["1", "aired"],
    ]
    assert "Mục 1" in result.output and "Mục 2" in result.output
    assert lines[-1] == "Kết thúc: done, 2 dòng nhật ký."
    assert [r.status for r in runs(runtime)] == ["done"]


def test_run_is_refused_while_the_station_airs(cli_env, runtime, tmp_path):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [make_tone(tmp_path / "a.mp3", 0.5)])
        # a live run: its holder is this process and its heartbeat fresh, so recovery leaves it alone
        busy = PlayoutRun(claim_key="busy", station_id=st.id, kind="manual", air_date=p.on_date, session_code="sang")
        busy.status, busy.holder, busy.heartbeat_at = "running", process_holder(), utcnow()
        s.add(busy)
        s.flush()
        day, busy_id = p.on_date, busy.id
    result = run(cli_env, "playout", "run", "--station", "MOLAO", "--date", day.isoformat(), "--session", "sang")
    assert result.exit_code == 1
    assert f"Đài MOLAO đang phát (lượt #{busy_id}, sang)" in result.output and "Traceback" not in result.output
    assert len(runs(runtime)) == 1  # nothing claimed
