"""FPT.AI TTS v5: the text is the request body, the answer a link that becomes audio later.

``POST https://api.fpt.ai/hmi/tts/v5`` with headers ``api_key``, ``voice``,
``speed`` (−3…+3, 0 normal) and ``format``; at least 3 and at most 5,000
characters per request.  The JSON answer is ``{"error": 0, "async": URL,
"message", "request_id"}``; the file at ``async`` appears after seconds to
minutes (FPT.AI's documentation says 5 s to 2 min), so we poll it with a
growing delay until ``deadline_s`` has passed.  A non-zero ``error`` is a
failure with its ``message``.
"""

from __future__ import annotations

import time

import requests

from .base import EngineError
from .cloud import CloudEngine, Voice, audio_bytes, json_answer, sleep_until, status_error

DEFAULT_URL = "https://api.fpt.ai/hmi/tts/v5"
MIN_CHARS = 3


class FptEngine(CloudEngine):
    name = "fpt"
    title = "FPT.AI"
    default_url = DEFAULT_URL
    limit = 5000
    voice_info = (
        Voice("banmai", "north", "female", "Ban Mai (nữ, miền Bắc)"),
        Voice("leminh", "north", "male", "Lê Minh (nam, miền Bắc)"),
        Voice("thuminh", "north", "female", "Thu Minh (nữ, miền Bắc)"),
        Voice("myan", "central", "female", "Mỹ An (nữ, miền Trung)"),
        Voice("giahuy", "central", "male", "Gia Huy (nam, miền Trung)"),
        Voice("lannhi", "south", "female", "Lan Nhi (nữ, miền Nam)"),
        Voice("linhsan", "south", "female", "Linh San (nữ, miền Nam)"),
    )

    def __init__(
        self,
        *args,
        deadline_s: float = 180.0,
        first_poll_s: float = 1.0,
        max_poll_s: float = 10.0,
        sleep=time.sleep,
        clock=time.monotonic,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.deadline_s = deadline_s
        self.first_poll_s = first_poll_s
        self.max_poll_s = max_poll_s
        self._sleep = sleep
        self._clock = clock  # tests pass a fake clock with a fake sleep

    def map_speed(self, speed: float) -> int:
        # 0.8 -> −3, 1.0 -> 0, 1.2 -> +3, in whole steps (FPT.AI takes integers only).
        # The inner round removes float noise so 0.9 and 1.1 land symmetrically (−2, +2).
        return max(-3, min(3, round(round((speed - 1.0) * 15, 6))))

    def request_chunk(self, session: requests.Session, text: str, voice: str, speed) -> bytes:
        if len(text.strip()) < MIN_CHARS:
            text = f"{text.strip()}..."  # FPT.AI refuses bodies under 3 characters; dots only add a pause
        headers = {
            "api_key": self.api_key,
            "voice": voice,
            "speed": str(speed),
            "format": "mp3",
            "Cache-Control": "no-cache",
            "Content-Type": "text/plain; charset=utf-8",
        }
        rsp = self._call(session, "POST", self.url, data=text.encode("utf-8"), headers=headers)
        if rsp.status_code != 200:
            raise status_error(self.title, rsp.status_code, _message(rsp))
        data = json_answer(self.title, rsp)
        if data.get("error") not in (0, "0"):
            raise EngineError(f"{self.title} báo lỗi {data.get('error')}: {data.get('message') or 'không rõ lý do'}.")
        link = data.get("async")
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            raise EngineError(f"{self.title} không gửi đường dẫn tới tệp âm thanh.")
        return self._poll(session, link)

    def _poll(self, session: requests.Session, link: str) -> bytes:
        """Fetch ``link`` once it exists: 404/403 mean "not yet" (a storage bucket's answers)."""
        deadline = self._clock() + self.deadline_s
        delay = self.first_poll_s
        while True:
            try:
                rsp = session.get(link, timeout=self.timeout)
            except requests.RequestException as exc:
                raise EngineError(f"Không tải được âm thanh từ {self.title} (tải dở hoặc mất kết nối).") from exc
            if rsp.status_code == 200:
                return audio_bytes(self.title, rsp)
            if rsp.status_code not in (403, 404):
                raise EngineError(f"Không tải được âm thanh từ {self.title} (HTTP {rsp.status_code}).")
            if not sleep_until(deadline, delay, self._sleep, self._clock):
                raise EngineError(f"{self.title} chưa trả âm thanh sau {self.deadline_s:g} giây; bỏ qua bộ đọc này.")
            delay = min(delay * 1.5, self.max_poll_s)


def _message(rsp: requests.Response) -> str:
    try:
        data = rsp.json()
    except ValueError:
        return ""
    return str(data.get("message") or "")[:160] if isinstance(data, dict) else ""
