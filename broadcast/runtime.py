"""The running system's handles: settings plus a checked database engine."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .config import SESSION_SETTINGS_KEY, Settings, load_settings
from .db import check_connection, engine_for, session_factory, session_scope
from .errors import ConfigError
from .migrate import check_schema_current

REQUIRED_PROGRAMS = {
    "ffmpeg": "ffmpeg",
    "ffprobe": "ffmpeg",
    "espeak-ng": "espeak-ng",
}


@dataclass
class Runtime:
    settings: Settings
    engine: Engine

    def session(self) -> Session:
        session = session_factory(self.engine)()
        # Helpers deep in the core (the bulletin workflow's "today") read the ward's settings from
        # the session instead of the environment: ``config.session_settings(session)``.
        session.info[SESSION_SETTINGS_KEY] = self.settings
        return session

    @contextmanager
    def unit(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            session.info[SESSION_SETTINGS_KEY] = self.settings
            yield session


def check_programs(names=("ffmpeg", "ffprobe", "espeak-ng")) -> None:
    missing = sorted({REQUIRED_PROGRAMS.get(n, n) for n in names if shutil.which(n) is None})
    if missing:
        pkgs = " ".join(missing)
        raise ConfigError(
            f"Thiếu chương trình {', '.join(missing)}: cài bằng `sudo apt-get install {pkgs}` (hoặc chạy `make run`)."
        )


def open_runtime(
    settings: Settings | None = None, *, check_schema: bool = True, engine: Engine | None = None
) -> Runtime:
    """Settings, engine and checks, each failing with one clear sentence."""
    settings = settings or load_settings()
    engine = engine or engine_for(settings.database_url)
    check_connection(engine)
    if check_schema:
        check_schema_current(engine)
    return Runtime(settings, engine)
