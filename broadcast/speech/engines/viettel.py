"""Viettel AI TTS: a JSON request, the audio itself as the answer.

``POST https://viettelgroup.ai/voice/api/tts/v1/rest/syn`` with header
``token`` and a JSON body ``text``, ``voice``, ``speed`` (0.7–1.3),
``tts_return_option`` (2 wav, 3 mp3) and ``without_filter``.  A success is
the audio bytes; a failure is a JSON (or, behind a proxy, HTML) body with an
error status.  Voices are named ``<region>-<name>`` (hn, hue, hcm).

The per-request limit is not stated in the notes we work from; 1,000
characters keeps each request short (a failed one costs little) and is
within what the provider accepts.
"""

from __future__ import annotations

import requests

from .cloud import CloudEngine, Voice, audio_bytes, status_error

DEFAULT_URL = "https://viettelgroup.ai/voice/api/tts/v1/rest/syn"
RETURN_MP3 = 3


class ViettelEngine(CloudEngine):
    name = "viettel"
    title = "Viettel AI"
    default_url = DEFAULT_URL
    limit = 1000
    voice_info = (
        Voice("hn-quynhanh", "north", "female", "Quỳnh Anh (nữ, Hà Nội)"),
        Voice("hn-thanhtung", "north", "male", "Thanh Tùng (nam, Hà Nội)"),
        Voice("hue-maingoc", "central", "female", "Mai Ngọc (nữ, Huế)"),
        Voice("hue-baoquoc", "central", "male", "Bảo Quốc (nam, Huế)"),
        Voice("hcm-diemmy", "south", "female", "Diễm My (nữ, TP.HCM)"),
        Voice("hcm-minhquan", "south", "male", "Minh Quân (nam, TP.HCM)"),
    )

    def map_speed(self, speed: float) -> float:
        # 0.8 -> 0.7, 1.0 -> 1.0, 1.2 -> 1.3: the ward's range stretched over Viettel's.
        return round(max(0.7, min(1.3, 1.0 + (speed - 1.0) * 1.5)), 2)

    def request_chunk(self, session: requests.Session, text: str, voice: str, speed) -> bytes:
        body = {"text": text, "voice": voice, "speed": speed, "tts_return_option": RETURN_MP3, "without_filter": False}
        rsp = self._call(
            session,
            "POST",
            self.url,
            json=body,
            headers={"token": self.api_key, "Accept": "audio/mpeg, application/json"},
        )
        if rsp.status_code != 200:
            raise status_error(self.title, rsp.status_code, _message(rsp))
        return audio_bytes(self.title, rsp)


def _message(rsp: requests.Response) -> str:
    try:
        data = rsp.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    return str(data.get("vi_message") or data.get("message") or data.get("en_message") or "")[:160]
