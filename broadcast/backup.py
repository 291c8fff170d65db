"""Consistent backups and restores that work while the service runs.

A backup is one ZIP: ``manifest.json`` (schema revision, time, row counts),
``tables/NAME.jsonl`` (every row of every table, one JSON object per line) and
``recordings/`` (the staff's uploaded readings). The rows are read from one
snapshot: SQLite's online backup API on SQLite, a REPEATABLE READ transaction
on PostgreSQL, so the web server and the scheduler can keep writing. The dump
is logical, so a SQLite backup restores onto PostgreSQL and back.

The rendered-audio cache is not included: it is rebuilt from text on demand.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import Date, DateTime, Time, func, insert, select, text
from sqlalchemy.engine import Engine

from .config import Settings
from .db import make_engine
from .domain.models import Base
from .errors import ValidationError
from .migrate import current_revision, upgrade

FORMAT = "loaphuong-backup/1"
RECORDINGS = "recordings"


def _encode(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _decode(column, value):
    if value is None:
        return None
    kind = column.type
    impl = getattr(kind, "impl", kind)
    if isinstance(impl, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(impl, Date):
        return date.fromisoformat(value)
    if isinstance(impl, Time):
        return time.fromisoformat(value)
    return value


def _kept_tables():
    """The tables a backup holds: all but the derived ones (the report's rollups), which the database's
    triggers rebuild from the as-run rows a restore inserts."""
    return [table for table in Base.metadata.sorted_tables if not table.info.get("derived")]


def _snapshot_engine(engine: Engine, workdir: Path) -> Engine:
    """On SQLite, copy the database with the online backup API and read the copy."""
    if engine.dialect.name != "sqlite":
        return engine
    copy = workdir / "snapshot.db"
    raw = engine.raw_connection()
    try:
        dst = sqlite3.connect(copy)
        raw.driver_connection.backup(dst)
        dst.close()
    finally:
        raw.close()
    return make_engine(f"sqlite:///{copy}")


def create_backup(engine: Engine, settings: Settings, out: Path) -> dict:
    out = Path(out)
    if out.exists() and out.is_dir():
        raise ValidationError(f"{out} là một thư mục: hãy cho tên tệp, ví dụ {out}/sao-luu.zip.")
    with tempfile.TemporaryDirectory() as tmp:
        source = _snapshot_engine(engine, Path(tmp))
        counts: dict[str, int] = {}
        partial = out.with_name(out.name + ".partial")
        with source.connect() as conn, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            for table in _kept_tables():
                lines = []
                for row in conn.execute(select(table).order_by(*table.primary_key.columns)).mappings():
                    lines.append(json.dumps(dict(row), default=_encode, ensure_ascii=False))
                counts[table.name] = len(lines)
                zf.writestr(f"tables/{table.name}.jsonl", "\n".join(lines))
            conn.rollback()
            recordings = settings.data_dir / RECORDINGS
            files = sorted(p for p in recordings.rglob("*") if p.is_file()) if recordings.is_dir() else []
            for path in files:
                zf.write(path, f"{RECORDINGS}/{path.relative_to(recordings).as_posix()}")
            manifest = {
                "format": FORMAT,
                "revision": revision,
                "created_at": datetime.now().astimezone().isoformat(),
                "tables": counts,
                "recordings": len(files),
            }
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        if source is not engine:
            source.dispose()
    os.replace(partial, out)  # a crash never leaves a half-written backup under the real name
    return manifest


def _read_manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError):
        raise ValidationError(f"{path} không phải tệp sao lưu của Loa Phường (thiếu manifest.json).") from None
    if manifest.get("format") != FORMAT:
        raise ValidationError(f"{path}: định dạng sao lưu {manifest.get('format')!r} không được hỗ trợ.")
    return manifest


def restore_backup(engine: Engine, settings: Settings, path: Path) -> dict:
    """Restore into an empty database and data dir; refuses to overwrite anything."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        raise ValidationError(f"Không mở được tệp sao lưu {path}: tệp không tồn tại hoặc hỏng.") from None
    with zf:
        manifest = _read_manifest(zf, path)
        if current_revision(engine) is None:
            upgrade(engine, manifest["revision"])
        if current_revision(engine) != manifest["revision"]:
            raise ValidationError(
                f"Bản sao lưu ở phiên bản lược đồ {manifest['revision']}, cơ sở dữ liệu đích ở "
                f"{current_revision(engine)}: khôi phục vào một cơ sở dữ liệu trống."
            )
        with engine.begin() as conn:
            for table in _kept_tables():
                if table.name == "categories":
                    continue
                if conn.execute(select(func.count()).select_from(table)).scalar():
                    raise ValidationError(
                        f"Cơ sở dữ liệu đích đã có dữ liệu (bảng {table.name}): chỉ khôi phục vào cơ sở dữ liệu trống."
                    )
            conn.execute(Base.metadata.tables["categories"].delete())
            for table in _kept_tables():
                raw = (
                    zf.read(f"tables/{table.name}.jsonl").decode()
                    if f"tables/{table.name}.jsonl" in zf.namelist()
                    else ""
                )
                rows = [json.loads(line) for line in raw.splitlines() if line]
                if rows:
                    conn.execute(
                        insert(table),
                        [{c.name: _decode(c, r.get(c.name)) for c in table.columns if c.name in r} for r in rows],
                    )
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
        target = settings.data_dir / RECORDINGS
        for name in zf.namelist():
            if name.startswith(RECORDINGS + "/") and not name.endswith("/"):
                rel = Path(name).relative_to(RECORDINGS)
                if ".." in rel.parts or rel.is_absolute():
                    raise ValidationError(f"Tệp sao lưu chứa đường dẫn không hợp lệ: {name}")
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(name))
    return manifest


def _reset_sequences(conn) -> None:
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if (
            len(pk) == 1
            and pk[0].autoincrement is not False
            and isinstance(pk[0].type.python_type, type)
            and pk[0].type.python_type is int
        ):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                )
            )
