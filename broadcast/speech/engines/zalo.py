"""Zalo AI TTS: a form request, a JSON answer with a URL to download.

``POST https://api.zalo.ai/v1/tts/synthesize`` with header ``apikey`` and a
form body ``input``, ``speaker_id``, ``speed`` (0.8–1.2) and ``encode_type``
(0 wav, 1 mp3).  The answer is ``{"error_code": 0, "error_message",
"data": {"url": ...}}``; the audio is fetched from that URL.  About 2,000
characters per request: beyond it the provider answers error 155.
"""

from __future__ import annotations

import requests

from .base import EngineError
from .cloud import CloudEngine, Voice, download, json_answer, status_error

DEFAULT_URL = "https://api.zalo.ai/v1/tts/synthesize"
ENCODE_MP3 = 1
#: error_code -> sentence, for the codes whose meaning matters to the operator.
ERRORS = {155: "Zalo AI báo đoạn văn bản quá dài."}


class ZaloEngine(CloudEngine):
    name = "zalo"
    title = "Zalo AI"
    default_url = DEFAULT_URL
    limit = 2000
    voice_info = (
        Voice("1", "south", "female", "Nữ miền Nam"),
        Voice("2", "north", "female", "Nữ miền Bắc"),
        Voice("3", "south", "male", "Nam miền Nam"),
        Voice("4", "north", "male", "Nam miền Bắc"),
    )

    def map_speed(self, speed: float) -> float:
        return round(speed, 2)  # Zalo AI's own scale is the ward's 0.8–1.2

    def request_chunk(self, session: requests.Session, text: str, voice: str, speed) -> bytes:
        form = {"input": text, "speaker_id": voice, "speed": f"{speed:g}", "encode_type": str(ENCODE_MP3)}
        rsp = self._call(session, "POST", self.url, data=form, headers={"apikey": self.api_key})
        if rsp.status_code != 200:
            raise status_error(self.title, rsp.status_code)
        data = json_answer(self.title, rsp)
        code = data.get("error_code")
        if code not in (0, "0"):
            try:
                known = ERRORS.get(int(code))
            except (TypeError, ValueError):
                known = None
            raise EngineError(known or f"{self.title} báo lỗi {code}: {data.get('error_message') or 'không rõ lý do'}.")
        url = (data.get("data") or {}).get("url") if isinstance(data.get("data"), dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise EngineError(f"{self.title} không gửi đường dẫn tới tệp âm thanh.")
        return download(self.title, session, url, self.timeout)
