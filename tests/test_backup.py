"""Backups: a consistent snapshot restores into a fresh data dir with the same figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from broadcast.backup import create_backup, restore_backup
from broadcast.cli import main
from broadcast.config import Settings
from broadcast.db import make_engine
from broadcast.domain.models import AsRun, AuditLog, Bulletin, LexiconEntry, Setting, Station
from broadcast.errors import ValidationError
from broadcast.security import authenticate
from tests.reports.airtime.test_rollups import expected_rollups, stored_rollups


def _airtime(session) -> list[tuple]:
    return list(
        session.execute(
            select(AsRun.category_code, func.count(AsRun.id), func.sum(AsRun.aired_ms))
            .group_by(AsRun.category_code)
            .order_by(AsRun.category_code)
        )
    )


@pytest.fixture
def filled(runtime, demo):
    with runtime.unit() as s:
        station = s.scalar(select(Station))
        start = datetime(2025, 10, 1, 23, 0, tzinfo=UTC)  # 06:00 local on 2 October
        for i, (cat, ms, status) in enumerate(
            [("cchc-tthc", 61_000, "aired"), ("cchc-chung", 30_500, "interrupted"), ("y-te", 45_000, "aired")]
        ):
            s.add(
                AsRun(
                    station=station,
                    air_date=date(2025, 10, 2),
                    title=f"item {i}",
                    category_code=cat,
                    actual_start=start + timedelta(minutes=i),
                    actual_end=start + timedelta(minutes=i + 1),
                    aired_ms=ms,
                    status=status,
                    source="playout",
                )
            )
        s.add(LexiconEntry(term="SIPAS", spoken="xi-pát"))
        s.add(Setting(key="operator_may_approve_normal", value=True))
    recordings = runtime.settings.data_dir / "recordings"
    recordings.mkdir()
    (recordings / "abc123.mp3").write_bytes(b"ID3 fake but preserved byte for byte")
    return runtime


def _fresh(tmp_path, name: str, template_url: str | None = None) -> tuple[Settings, object]:
    data = tmp_path / name
    data.mkdir()
    url = f"sqlite:///{data / 'restored.db'}"
    settings = Settings(database_url=url, data_dir=data, secret_key="k")
    return settings, make_engine(url)


def test_backup_then_restore_gives_the_same_figures(filled, tmp_path, session):
    out = tmp_path / "backup.zip"
    manifest = create_backup(filled.engine, filled.settings, out)
    assert manifest["tables"]["as_run"] == 3 and manifest["recordings"] == 1
    assert "as_run_day_session" not in manifest["tables"]  # derived: rebuilt by the triggers on restore

    settings, engine = _fresh(tmp_path, "restored")
    restore_backup(engine, settings, out)
    from sqlalchemy.orm import Session

    with Session(engine) as restored:
        assert _airtime(restored) == _airtime(session)
        assert stored_rollups(restored) == expected_rollups(restored) == stored_rollups(session)
        assert restored.scalar(select(func.count(Bulletin.id))) == 12
        assert restored.scalar(select(LexiconEntry.spoken)) == "xi-pát"
        assert restored.get(Setting, "operator_may_approve_normal").value is True
        first = restored.scalar(select(AsRun).order_by(AsRun.id))
        assert first.actual_start == datetime(2025, 10, 1, 23, 0, tzinfo=UTC)
        assert authenticate(restored, "lanhdao", "loaphuong2025") is not None
        # new rows after a restore get fresh ids (sequences follow the restored rows)
        restored.add(AuditLog(action="after-restore"))
        restored.commit()
    assert (settings.data_dir / "recordings" / "abc123.mp3").read_bytes() == b"ID3 fake but preserved byte for byte"
    engine.dispose()


def test_restore_refuses_a_database_with_data(filled, tmp_path):
    out = tmp_path / "b.zip"
    create_backup(filled.engine, filled.settings, out)
    with pytest.raises(ValidationError) as err:
        restore_backup(filled.engine, filled.settings, out)
    assert "trống" in err.value.message


def test_restore_rejects_a_file_that_is_not_a_backup(tmp_path):
    settings, engine = _fresh(tmp_path, "x")
    bogus = tmp_path / "not.zip"
    bogus.write_text("hello")
    with pytest.raises(ValidationError):
        restore_backup(engine, settings, bogus)
    engine.dispose()


def test_cli_backup_and_restore(filled, cli_env, tmp_path):
    out = tmp_path / "cli.zip"
    result = CliRunner().invoke(main, ["backup", "--out", str(out)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert out.exists() and not out.with_name("cli.zip.partial").exists()
    data = tmp_path / "cli-restored"
    env = {"BROADCAST_DATA_DIR": str(data), "BROADCAST_DATABASE_URL": f"sqlite:///{tmp_path}/cli-restored.db"}
    result = CliRunner().invoke(main, ["restore", str(out)], env=env)
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(main, ["restore", str(out)], env=env)
    assert again.exit_code == 1 and "trống" in again.output
