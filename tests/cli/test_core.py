"""`broadcast` set-up commands (serve, db, demo, user, token) and their errors (one sentence, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner
from sqlalchemy import func, select

from broadcast.cli import main
from broadcast.domain.models import ApiToken, Bulletin, Cluster, SessionTemplate, Station, User
from broadcast.security import user_for_token


def run(env, *args, input=None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def test_help_lists_every_command_with_one_line(cli_env):
    result = run(cli_env, "--help")
    assert result.exit_code == 0
    for command in ("serve", "db", "demo", "user", "token"):
        assert f"  {command} " in result.output


def test_db_upgrade_on_empty_database(tmp_path):
    env = {"BROADCAST_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "BROADCAST_DATA_DIR": str(tmp_path)}
    result = run(env, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "trống →" in result.output
    again = run(env, "db", "current")
    assert again.output.count("0002") == 2 or "mới nhất" in again.output


def test_demo_loads_mo_lao_once(cli_env, session):
    first = run(cli_env, "demo", "--if-empty")
    assert first.exit_code == 0, first.output
    assert "lanhdao" in first.output and "approver" in first.output
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    assert station.name == "Đài truyền thanh phường Mộ Lao"
    # The demo province's other wards have clusters of their own (tests/test_demo_province.py).
    assert session.scalar(select(func.count(Cluster.id)).where(Cluster.station_id == station.id)) == 17
    sessions = {t.code: t for t in session.scalars(select(SessionTemplate))}
    assert sessions["sang"].start_time.hour == 6 and sessions["chieu"].start_time.hour == 17
    assert sessions["sang"].max_duration_s == 15 * 60 and sessions["sang"].days == "12345"
    assert session.scalar(select(func.count(Bulletin.id))) == 12
    assert set(session.scalars(select(User.role))) == {"admin", "operator", "approver", "submitter", "viewer"}
    second = run(cli_env, "demo", "--if-empty")
    assert second.exit_code == 0 and "không nạp" in second.output
    assert session.scalar(select(func.count(Bulletin.id))) == 12


def test_user_add_with_password_on_stdin(cli_env, demo, session):
    result = run(
        cli_env,
        "user",
        "add",
        "Thu.Ha",
        "--role",
        "submitter",
        "--department",
        "TP",
        "--password-stdin",
        input="mat-khau-dai\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "thu.ha"))
    assert user.role == "submitter" and user.department.code == "TP"
    assert user.password_hash.startswith("$argon2")


def test_user_add_errors_are_one_sentence(cli_env, demo):
    cases = [
        (["user", "add", "x1", "--role", "submitter", "--password-stdin"], "mat-khau-dai\n", "đơn vị"),
        (["user", "add", "x2", "--role", "viewer", "--password-stdin"], "ngan\n", "ít nhất 8"),
        (["user", "add", "vanhoa", "--role", "viewer", "--password-stdin"], "mat-khau-dai\n", "đã có"),
        (
            ["user", "add", "x3", "--role", "submitter", "--department", "NOPE", "--password-stdin"],
            "mat-khau-dai\n",
            "NOPE",
        ),
        (["user", "add", "Tên Có Dấu", "--role", "viewer", "--password-stdin"], "mat-khau-dai\n", "Tên đăng nhập"),
    ]
    for args, stdin, expected in cases:
        result = run(cli_env, *args, input=stdin)
        assert result.exit_code == 1, (args, result.output)
        assert expected in result.output and "Traceback" not in result.output


def test_token_create_prints_a_working_token_stored_hashed(cli_env, demo, session):
    result = run(cli_env, "token", "create", "vanhoa")
    assert result.exit_code == 0, result.output
    value = result.output.strip()
    assert value.startswith("lp_")
    stored = session.scalar(select(ApiToken.token_hash))
    assert value not in stored and len(stored) == 64
    assert user_for_token(session, value).username == "vanhoa"
    revoke = run(cli_env, "token", "revoke", value[:10])
    assert revoke.exit_code == 0
    session.expire_all()
    assert user_for_token(session, value) is None


def test_token_for_unknown_user(cli_env, demo):
    result = run(cli_env, "token", "create", "khongco")
    assert result.exit_code == 1 and "khongco" in result.output


def _cli(env_extra, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "broadcast", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_wrong_database_url_is_one_sentence(tmp_path):
    for url, expected in [
        ("mysql://x@y/z", "chưa được hỗ trợ"),
        ("khong-phai-url", "không phải địa chỉ"),
        ("postgresql://nobody@127.0.0.1:1/none", "Không kết nối được"),
        (f"sqlite:///{tmp_path}/no/such/dir/x.db", "Không kết nối được"),
    ]:
        proc = _cli({"BROADCAST_DATABASE_URL": url, "BROADCAST_DATA_DIR": str(tmp_path)}, "db", "upgrade")
        assert proc.returncode == 1, proc
        assert expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_unwritable_data_dir_is_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = _cli({"BROADCAST_DATA_DIR": str(blocker / "sub")}, "db", "current")
    assert proc.returncode == 1
    assert "BROADCAST_DATA_DIR" in proc.stderr and "Traceback" not in proc.stderr


def test_old_schema_refused_by_serve(cli_env, old_schema):
    proc = _cli(cli_env, "serve", "--no-scheduler", "--port", "0")
    assert proc.returncode == 1
    assert "broadcast db upgrade" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_ffmpeg_is_one_sentence(cli_env, demo, tmp_path):
    env = dict(cli_env, PATH=str(tmp_path))  # no ffmpeg, no espeak-ng on this PATH
    proc = _cli(env, "serve", "--no-scheduler", "--port", "0")
    assert proc.returncode == 1
    assert "ffmpeg" in proc.stderr and "apt-get install" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_timezone(tmp_path):
    proc = _cli({"BROADCAST_DATA_DIR": str(tmp_path), "BROADCAST_TIMEZONE": "Mars/Base"}, "db", "current")
    assert proc.returncode == 1 and "Asia/Ho_Chi_Minh" in proc.stderr


def test_demo_history_gives_reports_figures(cli_env, session):
    from broadcast.domain.models import AsRun

    result = run(cli_env, "demo", "--history-days", "14")
    assert result.exit_code == 0, result.output
    rows = session.scalars(select(AsRun)).all()
    # 14 days back hold 10 weekdays, two sessions a day, four bulletins each
    assert len(rows) == 10 * 2 * 4
    assert {r.status for r in rows} == {"aired"} and all(r.note == "dữ liệu mẫu" for r in rows)
    assert all(r.actual_start.tzinfo is not None and r.aired_ms >= 15_000 for r in rows)
    assert {r.session_code for r in rows} == {"sang", "chieu"}


def test_demo_uses_its_own_station_file_whatever_the_schedules_dir(cli_env, session, tmp_path):
    # A ward's BROADCAST_SCHEDULES_DIR holds its own stations (here: none); the demo still finds MOLAO.
    ward_files = tmp_path / "lich-cua-phuong"
    ward_files.mkdir()
    result = run(dict(cli_env, BROADCAST_SCHEDULES_DIR=str(ward_files)), "demo")
    assert result.exit_code == 0, result.output
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    assert station is not None
    assert session.scalar(select(func.count(Cluster.id)).where(Cluster.station_id == station.id)) == 17
