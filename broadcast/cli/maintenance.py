"""Backups and restores."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_settings
from ..db import check_connection, engine_for
from ..runtime import open_runtime


@click.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Tệp ZIP sẽ ghi.")
def backup(out):
    """Sao lưu cơ sở dữ liệu, từ điển phát âm, cài đặt và bản ghi âm (chạy được khi hệ thống đang phát)."""
    from ..backup import create_backup
    from ..security import audit

    runtime = open_runtime()
    manifest = create_backup(runtime.engine, runtime.settings, out)
    with runtime.unit() as session:
        audit(session, "backup.create", detail={"file": str(out), "rows": sum(manifest["tables"].values())})
    click.echo(f"Đã sao lưu {sum(manifest['tables'].values())} dòng và {manifest['recordings']} bản ghi âm vào {out}")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore(file):
    """Khôi phục một bản sao lưu vào cơ sở dữ liệu và thư mục dữ liệu trống."""
    from ..backup import restore_backup

    settings = load_settings()
    engine = engine_for(settings.database_url)
    check_connection(engine)
    manifest = restore_backup(engine, settings, file)
    click.echo(
        f"Đã khôi phục {sum(manifest['tables'].values())} dòng (phiên bản {manifest['revision']}) "
        f"và {manifest['recordings']} bản ghi âm."
    )


COMMANDS = [backup, restore]
