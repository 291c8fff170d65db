"""Google Translate TTS through gTTS: natural Vietnamese, needs the Internet.

Imported names are module-level (``from gtts import gTTS, gTTSError``) so
tests patch ``broadcast.speech.engines.gtts.gTTS``; no test ever reaches
Google.  gTTS itself splits text into requests of at most 100 characters
at punctuation; we keep its tokenizer and only add timeouts, bounded
retries and exponential backoff when Google answers 429 (too many
requests) or 5xx.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

from gtts import gTTS, gTTSError

from .base import EngineError

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


def _status(exc: gTTSError) -> int | None:
    rsp = getattr(exc, "rsp", None)
    return getattr(rsp, "status_code", None)


class GTTSEngine:
    name = "gtts"
    voices = ("vi",)  # gTTS has one Vietnamese voice

    def __init__(self, *, timeout: float = 10.0, retries: int = 2, backoff: float = 1.0, sleep=time.sleep):
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep

    def available(self) -> bool:
        return True  # reachability is only known by trying

    def synthesize(self, text: str, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> Path:
        out_path = Path(out_path).with_suffix(".mp3")
        timeout = float(settings.get("gtts_timeout", self.timeout))
        retries = int(settings.get("gtts_retries", self.retries))
        backoff = float(settings.get("gtts_backoff", self.backoff))
        attempt = 0
        while True:
            try:
                tts = gTTS(text, lang="vi", slow=bool(settings.get("slow", False)), timeout=timeout)
                tts.save(str(out_path))
                break
            except gTTSError as exc:
                status = _status(exc)
                if status in RETRYABLE_STATUS and attempt < retries:
                    delay = backoff * (2**attempt)
                    log.warning("gTTS answered %s, retrying in %.1fs", status, delay)
                    self._sleep(delay)
                    attempt += 1
                    continue
                reason = f"mã lỗi {status}" if status else "không kết nối được"
                raise EngineError(f"Dịch vụ đọc của Google (gTTS) không dùng được ({reason}).") from exc
            except (OSError, ValueError, AssertionError) as exc:
                # requests' connection errors are OSError subclasses; gTTS
                # raises AssertionError/ValueError on text it cannot send.
                raise EngineError("Dịch vụ đọc của Google (gTTS) không dùng được (không kết nối được).") from exc
        if not out_path.exists() or out_path.stat().st_size == 0:
            raise EngineError("Dịch vụ đọc của Google (gTTS) trả về tệp âm thanh rỗng.")
        return out_path
