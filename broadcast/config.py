"""Settings from the environment, with working defaults. This module is the only place that reads
``BROADCAST_*`` variables; everything else takes a ``Settings`` (or asks one of the readers below).

``BROADCAST_DATABASE_URL``   default: SQLite file ``instance/loaphuong.db``
``BROADCAST_DATA_DIR``       audio cache, exports, recordings; default ``instance/``
``BROADCAST_SECRET_KEY``     generated and stored in the data dir on first run
``BROADCAST_TIMEZONE``       the ward's zone for every local date and time; default ``Asia/Ho_Chi_Minh``
``BROADCAST_TTS_ENGINES``    ordered fallback list of text-to-speech engines, default ``gtts,espeak``
``BROADCAST_PIPER_MODEL``    path of a Piper ``.onnx`` voice already on disk; unset = Piper unavailable
``BROADCAST_SCHEDULES_DIR``  the station files (``*.toml``); default the checkout's ``schedules/``
``BROADCAST_ASSETS_DIR``     stock audio (signature tune, chime, bed); default the checkout's ``audio_assets/``
``BROADCAST_MQTT_URL``       the device network's broker (``mqtt://host:1883``); unset = no MQTT
``BROADCAST_WEB_WORKERS``    processes of ``broadcast serve`` (its ``--workers``); default 1 (waitress, one process)
``BROADCAST_WEB_THREADS``    threads in each of those processes (its ``--threads``); default 8
``BROADCAST_<ENGINE>_API_KEY`` / ``BROADCAST_<ENGINE>_URL`` for the cloud voices ``FPT``, ``VIETTEL``,
                             ``ZALO``: the provider's key, and its endpoint (unset = the provider's public one)

Relative paths are taken from the current directory, like ``BROADCAST_DATA_DIR``.

Code that runs inside a ``Runtime`` session finds the settings with ``session_settings(session)``
(the runtime puts them in ``session.info``), so deep helpers such as the bulletin workflow need
not be handed them through every call.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = Path(os.getcwd()) / "instance"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_TTS_ENGINES = ("gtts", "espeak")
DEFAULT_SCHEDULES_DIR = PROJECT_ROOT / "schedules"
DEFAULT_ASSETS_DIR = PROJECT_ROOT / "audio_assets"
# Where a Runtime session carries its settings (``Session.info`` is SQLAlchemy's per-session dict).
SESSION_SETTINGS_KEY = "broadcast.settings"
#: Cloud text-to-speech engines configured by ``BROADCAST_<NAME>_API_KEY`` and ``BROADCAST_<NAME>_URL``.
CLOUD_TTS_ENGINES = ("fpt", "viettel", "zalo")
DEFAULT_PUBLIC_RATE_LIMIT = "600 per minute"
DEFAULT_PUBLIC_CACHE_S = 30
DEFAULT_WEB_WORKERS = 1
MAX_WEB_WORKERS = 16
DEFAULT_WEB_THREADS = 8
MAX_WEB_THREADS = 64


@dataclass(frozen=True)
class TtsProvider:
    """One cloud voice's key and endpoint; ``url`` None = the provider's public endpoint."""

    api_key: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str
    timezone: str = DEFAULT_TIMEZONE
    tts_engines: tuple[str, ...] = DEFAULT_TTS_ENGINES
    assets_dir: Path = DEFAULT_ASSETS_DIR
    schedules_dir: Path = DEFAULT_SCHEDULES_DIR
    piper_model: Path | None = None
    piper_voices: Path | None = None  # a folder of Piper .onnx voices (BROADCAST_PIPER_VOICES)
    mqtt_url: str | None = None
    tts_providers: dict = field(default_factory=dict)  # engine name -> TtsProvider
    # Requests per client address to the public pages and feeds (BROADCAST_PUBLIC_RATE_LIMIT, flask-limiter syntax).
    public_rate_limit: str = DEFAULT_PUBLIC_RATE_LIMIT
    # Seconds a public page or feed is served from memory before it is read again (BROADCAST_PUBLIC_CACHE_S).
    public_cache_s: int = DEFAULT_PUBLIC_CACHE_S
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

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


def _check_data_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"  # per process: `serve --workers` starts several at once
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
    # Written with a temporary name then linked into place: a crash never leaves half a key, and when several
    # processes start at once on a new data dir (gunicorn workers) the first key wins and every process reads it.
    tmp = key_file.with_name(f"secret_key.{os.getpid()}.tmp")
    tmp.write_text(key)
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, key_file)
    except FileExistsError:
        key = key_file.read_text().strip()
    finally:
        tmp.unlink()
    return key


# --- readers: one variable each, for callers that need one value without a data dir ------------


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _dir(value: str | None, default: Path) -> Path:
    return Path(value).expanduser().resolve() if value and value.strip() else default


def read_tts_engines(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """``BROADCAST_TTS_ENGINES`` as lower-case names, in order; the default when empty."""
    raw = _env(env).get("BROADCAST_TTS_ENGINES") or ",".join(DEFAULT_TTS_ENGINES)
    names = tuple(n.strip().lower() for n in raw.split(",") if n.strip())
    return names or DEFAULT_TTS_ENGINES


def read_piper_model(env: Mapping[str, str] | None = None) -> Path | None:
    value = (_env(env).get("BROADCAST_PIPER_MODEL") or "").strip()
    return Path(value).expanduser() if value else None


def read_piper_voices(env: Mapping[str, str] | None = None) -> Path | None:
    value = (_env(env).get("BROADCAST_PIPER_VOICES") or "").strip()
    return Path(value).expanduser() if value else None


def read_schedules_dir(env: Mapping[str, str] | None = None) -> Path:
    return _dir(_env(env).get("BROADCAST_SCHEDULES_DIR"), DEFAULT_SCHEDULES_DIR)


def read_assets_dir(env: Mapping[str, str] | None = None) -> Path:
    return _dir(_env(env).get("BROADCAST_ASSETS_DIR"), DEFAULT_ASSETS_DIR)


def read_mqtt_url(env: Mapping[str, str] | None = None) -> str | None:
    return (_env(env).get("BROADCAST_MQTT_URL") or "").strip() or None


def read_tts_providers(env: Mapping[str, str] | None = None) -> dict[str, TtsProvider]:
    """``BROADCAST_<ENGINE>_API_KEY`` / ``_URL`` for each cloud engine (empty values = unset)."""
    env = _env(env)
    return {
        name: TtsProvider(
            api_key=(env.get(f"BROADCAST_{name.upper()}_API_KEY") or "").strip() or None,
            url=(env.get(f"BROADCAST_{name.upper()}_URL") or "").strip() or None,
        )
        for name in CLOUD_TTS_ENGINES
    }


def read_timezone(env: Mapping[str, str] | None = None) -> ZoneInfo:
    """The ward's zone, never failing: a wrong name falls back to the default here, because the
    callers (today's date for a bulletin check) must answer; ``load_settings`` refuses it instead."""
    try:
        return ZoneInfo(_env(env).get("BROADCAST_TIMEZONE") or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def session_settings(session) -> Settings | None:
    """The settings of the Runtime that opened ``session``; None for a bare session."""
    info = getattr(session, "info", None)
    return info.get(SESSION_SETTINGS_KEY) if info is not None else None


def read_web_workers(env: Mapping[str, str] | None = None) -> int:
    """``BROADCAST_WEB_WORKERS``: the default of ``serve --workers`` (1 = waitress in one process)."""
    hint = "số tiến trình từ 1 đến {max} (1 là một tiến trình waitress; máy 2 nhân: 4)"
    return _read_count(env, "BROADCAST_WEB_WORKERS", DEFAULT_WEB_WORKERS, MAX_WEB_WORKERS, hint)


def read_web_threads(env: Mapping[str, str] | None = None) -> int:
    """``BROADCAST_WEB_THREADS``: the default of ``serve --threads`` (threads in each web process)."""
    hint = "số luồng mỗi tiến trình từ 1 đến {max} (máy 2 nhân với 4 tiến trình: 4)"
    return _read_count(env, "BROADCAST_WEB_THREADS", DEFAULT_WEB_THREADS, MAX_WEB_THREADS, hint)


def _read_count(env: Mapping[str, str] | None, name: str, default: int, maximum: int, hint: str) -> int:
    raw = (_env(env).get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ConfigError(f"{name}={raw!r} không hợp lệ: dùng {hint.format(max=maximum)}.")
    return int(raw)


def read_public_cache_s(env) -> int:
    raw = (env.get("BROADCAST_PUBLIC_CACHE_S") or "").strip()
    if not raw:
        return DEFAULT_PUBLIC_CACHE_S
    if not raw.isdigit() or int(raw) > 3600:
        raise ConfigError(
            f"BROADCAST_PUBLIC_CACHE_S={raw!r} không hợp lệ: dùng số giây từ 0 đến 3600 (0 là không giữ trang)."
        )
    return int(raw)


def read_public_rate_limit(env) -> str:
    from limits import parse_many

    raw = (env.get("BROADCAST_PUBLIC_RATE_LIMIT") or "").strip() or DEFAULT_PUBLIC_RATE_LIMIT
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(
            f"BROADCAST_PUBLIC_RATE_LIMIT={raw!r} không hợp lệ: ví dụ «600 per minute» hoặc «20 per second»."
        ) from None
    return raw


def load_settings(env: dict | None = None) -> Settings:
    """Read settings from ``env`` (default: ``os.environ``) and check them."""
    env = os.environ if env is None else env
    data_dir = _check_data_dir(Path(env.get("BROADCAST_DATA_DIR") or DEFAULT_INSTANCE).expanduser().resolve())
    database_url = env.get("BROADCAST_DATABASE_URL") or f"sqlite:///{data_dir / 'loaphuong.db'}"
    # Unlike ``read_tts_engines`` the names keep their case here, as they always have.
    engines = tuple(e.strip() for e in (env.get("BROADCAST_TTS_ENGINES") or "gtts,espeak").split(",") if e.strip())
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key=env.get("BROADCAST_SECRET_KEY") or _secret_key(data_dir),
        timezone=_check_timezone(env.get("BROADCAST_TIMEZONE") or DEFAULT_TIMEZONE),
        tts_engines=engines or ("espeak",),
        schedules_dir=read_schedules_dir(env),
        assets_dir=read_assets_dir(env),
        piper_model=read_piper_model(env),
        piper_voices=read_piper_voices(env),
        mqtt_url=read_mqtt_url(env),
        tts_providers=read_tts_providers(env),
        public_rate_limit=read_public_rate_limit(env),
        public_cache_s=read_public_cache_s(env),
    )
