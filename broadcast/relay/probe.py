"""Check an upstream before a relay slot relies on it: can it be reached, is it audio a station can air, and
does it sound (a stream that carries only silence is as useless on air as one that is down).

Two bounded runs: ffprobe for the stream's facts (codec, bitrate, sample rate, channels), then ffmpeg
decoding about three seconds to house PCM to measure the level with the player's own meter, so a source
the check calls silent is one the player would hand over to its fallback too.  Every run is killed at the
probe's deadline: a check never hangs the page or the command that asked for it.
"""

from __future__ import annotations

import json
import math
import subprocess
import time

from ..audio import ffmpeg
from ..errors import ValidationError
from ..playout.levels import SILENCE_RMS, rms
from .urls import FFMPEG_PROTOCOLS, check_relay_url

#: How much of the stream is decoded to measure its level.
SAMPLE_SECONDS = 3.0
#: What a station can air: telephone-band to studio rates, mono or stereo (the player downmixes to mono).
MIN_RATE, MAX_RATE, MAX_CHANNELS = 8_000, 96_000, 2
#: The 16-bit floor, reported for digital silence (whose level in dB is minus infinity, which JSON cannot hold).
FLOOR_DBFS = -96.0
#: The player's silence threshold in dBFS (about -49): audible means the player would relay it.
SILENT_DBFS = 20 * math.log10(SILENCE_RMS / 32768)


def _result(**facts) -> dict:
    base = {
        "ok": False,
        "codec": None,
        "bitrate": None,
        "sample_rate": None,
        "channels": None,
        "audible": False,
        "rms_dbfs": None,
        "error": None,
    }
    return {**base, **facts}


class _Refused(Exception):
    """The stream cannot be relayed; the message is the Vietnamese reason, ``facts`` what was read before
    (the operator sees a 6-channel stream's codec and rate beside the refusal)."""

    def __init__(self, message: str, facts: dict | None = None):
        super().__init__(message)
        self.facts = facts or {}


def probe_stream(url: str, *, timeout_s: float = 8.0) -> dict:
    """The stream's facts and whether it is audible; ``ok`` False with a Vietnamese ``error`` when a station
    cannot relay it.  Takes at most about ``timeout_s`` seconds whatever the server does."""
    try:
        url = check_relay_url(url)
    except ValidationError as exc:
        return _result(error=exc.message)
    deadline = time.monotonic() + timeout_s
    facts: dict = {}
    try:
        facts = _stream_facts(url, deadline)
        level = _level_dbfs(url, deadline)
    except _Refused as exc:
        return _result(**(exc.facts or facts), error=str(exc))
    return _result(**facts, ok=True, audible=level >= SILENT_DBFS, rms_dbfs=round(level, 1))


def relay_refusal(url: str, *, timeout_s: float = 5.0) -> str | None:
    """Why a station must not relay ``url`` (not audio, a rate or channel layout it cannot air, unreachable),
    in Vietnamese; None when it may.  The player asks before each connection, so what it refuses never airs
    (only the stream's facts: no level measured)."""
    try:
        _stream_facts(check_relay_url(url), time.monotonic() + timeout_s)
    except ValidationError as exc:
        return exc.message
    except _Refused as exc:
        return str(exc)
    return None


def _run(argv: list[str], deadline: float) -> subprocess.CompletedProcess:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Refused("Nguồn không trả lời kịp thời gian kiểm tra.")
    try:
        return subprocess.run(argv, capture_output=True, timeout=left)
    except subprocess.TimeoutExpired:
        raise _Refused(f"Nguồn không trả lời trong {left:.0f} giây.") from None
    except FileNotFoundError:
        raise _Refused(ffmpeg.MISSING) from None


def _io_timeout(deadline: float) -> float:
    # ffmpeg's own read timeout, a little inside the deadline, so a stalled server ends with its reason
    # (and our kill at the deadline is only the last resort).
    return max(0.5, (deadline - time.monotonic()) * 0.8)


def _stream_facts(url: str, deadline: float) -> dict:
    argv = ffmpeg.stream_probe_argv(url, protocols=FFMPEG_PROTOCOLS, timeout_s=_io_timeout(deadline))
    done = _run(argv, deadline)
    if done.returncode != 0:
        raise _Refused(_reason(ffmpeg.last_error_line(done.stderr)))
    try:
        info = json.loads(done.stdout or b"{}")
    except ValueError:
        info = {}
    audio = next((s for s in info.get("streams") or [] if s.get("codec_type") == "audio"), None)
    if audio is None:
        raise _Refused("Địa chỉ này không phải luồng âm thanh (không có kênh âm thanh nào).")
    facts = {
        "codec": audio.get("codec_name"),
        "bitrate": _int(audio.get("bit_rate")) or _int((info.get("format") or {}).get("bit_rate")),
        "sample_rate": _int(audio.get("sample_rate")),
        "channels": _int(audio.get("channels")),
    }
    rate, channels = facts["sample_rate"], facts["channels"]
    if rate is None or not MIN_RATE <= rate <= MAX_RATE:
        raise _Refused(f"Tần số lấy mẫu {rate or '?'} Hz không phát được (cần 8.000–96.000 Hz).", facts)
    if channels is None or not 1 <= channels <= MAX_CHANNELS:
        raise _Refused(f"Luồng có {channels or '?'} kênh; chỉ tiếp sóng được luồng mono hoặc stereo.", facts)
    return facts


def _level_dbfs(url: str, deadline: float) -> float:
    argv = ffmpeg.stream_sample_argv(
        url, protocols=FFMPEG_PROTOCOLS, timeout_s=_io_timeout(deadline), seconds=SAMPLE_SECONDS
    )
    done = _run(argv, deadline)
    if not done.stdout:
        reason = ffmpeg.last_error_line(done.stderr)
        raise _Refused(_reason(reason) if reason else "Nguồn không gửi âm thanh nào.")
    level = rms(done.stdout)
    return max(FLOOR_DBFS, 20 * math.log10(level / 32768)) if level > 0 else FLOOR_DBFS


def _reason(line: str) -> str:
    """ffmpeg's last error line as a sentence an operator can act on (the line itself kept for the expert)."""
    low = line.lower()
    if "invalid data" in low or "could not find codec" in low:
        return "Địa chỉ này không phải luồng âm thanh (máy chủ trả về dữ liệu khác, ví dụ một trang web)."
    if "404" in low or "not found" in low:
        return f"Máy chủ không có luồng ở địa chỉ này ({line})."
    if "timed out" in low or "timeout" in low:
        return "Nguồn không trả lời kịp thời gian kiểm tra."
    return f"Không kết nối được tới nguồn ({line or 'lỗi không rõ'})."


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
