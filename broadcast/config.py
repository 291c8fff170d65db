"""Settings from the environment, with working defaults.

``BROADCAST_DATABASE_URL``  default: SQLite file ``instance/loaphuong.db``
``BROADCAST_DATA_DIR``      audio cache, exports, recordings; default ``instance/``
``BROADCAST_SECRET_KEY``    generated and stored in the data dir on first run
``BROADCAST_TIMEZONE``      default ``Asia/Ho_Chi_Minh``
``BROADCAST_TTS_ENGINES``   ordered fallback list, default ``gtts,espeak``
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = Path(os.getcwd()) / "instance"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str
    timezone: str = "Asia/Ho_Chi_Minh"
    tts_engines: tuple[str, ...] = ("gtts", "espeak")
    assets_dir: Path = PROJECT_ROOT / "audio_assets"
    schedules_dir: Path = PROJECT_ROOT / "schedules"
    extra: dict = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def subdir(self, name: str) -> Path:
        """A folder under the data dir, created on first use."""
        path = self.data_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def _check_data_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"Không ghi được vào thư mục dữ liệu {path} ({exc.strerror or exc}): "
            "hãy đặt BROADCAST_DATA_DIR tới một thư mục có quyền ghi."
        ) from None
    return path


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"Múi giờ BROADCAST_TIMEZONE={name!r} không tồn tại: dùng tên IANA, ví dụ Asia/Ho_Chi_Minh."
        ) from None
    return name


def _secret_key(data_dir: Path) -> str:
    """Keep one generated key per data dir so sessions survive restarts."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    # Written with a temporary name then renamed: a crash never leaves half a key.
    tmp = key_file.with_suffix(".tmp")
    tmp.write_text(key)
    os.chmod(tmp, 0o600)
    tmp.replace(key_file)
    return key


def load_settings(env: dict | None = None) -> Settings:
    """Read settings from ``env`` (default: ``os.environ``) and check them."""
    env = os.environ if env is None else env
    data_dir = _check_data_dir(Path(env.get("BROADCAST_DATA_DIR") or DEFAULT_INSTANCE).expanduser().resolve())
    database_url = env.get("BROADCAST_DATABASE_URL") or f"sqlite:///{data_dir / 'loaphuong.db'}"
    engines = tuple(e.strip() for e in (env.get("BROADCAST_TTS_ENGINES") or "gtts,espeak").split(",") if e.strip())
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key=env.get("BROADCAST_SECRET_KEY") or _secret_key(data_dir),
        timezone=_check_timezone(env.get("BROADCAST_TIMEZONE") or "Asia/Ho_Chi_Minh"),
        tts_engines=engines or ("espeak",),
    )
