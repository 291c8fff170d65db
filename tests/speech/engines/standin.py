"""Local stand-ins for the cloud voices: the providers' documented requests and answers on loopback.

One ``StandIn(provider)`` is a threaded HTTP server on a free 127.0.0.1 port that checks
requests the way the real service does (its auth header, its body fields and their ranges,
its per-request limit) and answers in its shape:

* ``fpt``: ``POST /hmi/tts/v5``, text body, headers ``api_key``/``voice``/``speed``/``format``;
  JSON ``{"error": 0, "async": URL, ...}``; the URL answers 404 until ``ready_after`` seconds
  have passed (like the storage bucket it really points at), then the audio.
* ``viettel``: ``POST /voice/api/tts/v1/rest/syn``, JSON body, header ``token``; the audio itself.
* ``zalo``: ``POST /v1/tts/synthesize``, form body, header ``apikey``;
  ``{"error_code": 0, "data": {"url": ...}}`` then the audio at that URL; error 155 over 2,000 characters.

The audio is real speech made with espeak-ng once (``make_clip``).  ``fail`` makes the stand-in
misbehave the ways a provider does: ``html``, ``empty``, ``quota``, ``rate``, ``truncated``,
``nonaudio``, ``never_ready``.  ``latency`` delays every request (the bench's 300 ms).
Also used by ``bench/speech.py``.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

KEY = "test-key-123"
PATHS = {"fpt": "/hmi/tts/v5", "viettel": "/voice/api/tts/v1/rest/syn", "zalo": "/v1/tts/synthesize"}
FPT_VOICES = {"banmai", "lannhi", "leminh", "myan", "thuminh", "giahuy", "linhsan"}
VIETTEL_VOICES = {"hn-quynhanh", "hn-thanhtung", "hue-maingoc", "hue-baoquoc", "hcm-diemmy", "hcm-minhquan"}
LIMITS = {"fpt": 5000, "viettel": 1000, "zalo": 2000}


def make_clip(folder: Path, text: str = "xin chào bà con tổ dân phố") -> bytes:
    """A short MP3 of real speech (espeak-ng, then ffmpeg), as the providers send."""
    folder.mkdir(parents=True, exist_ok=True)
    wav, mp3 = folder / "clip.wav", folder / "clip.mp3"
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(wav), text], check=True, capture_output=True)
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(wav),
            "-ar",
            "44100",
            "-ac",
            "1",
            "-b:a",
            "64k",
            str(mp3),
        ],
        check=True,
    )
    return mp3.read_bytes()


class StandIn:
    def __init__(
        self, provider: str, audio: bytes, *, latency: float = 0.0, ready_after: float = 0.0, speak: bool = False
    ):
        self.provider = provider
        self.audio = audio
        self.speak = speak  # True: each answer is espeak-ng reading that request's text
        self.served: list[tuple[str, bytes]] = []  # (request text, audio) of each answer, as made
        self.latency = latency
        self.ready_after = ready_after
        self.fail: str | None = None
        self.requests: list[dict] = []  # what each synthesis request carried
        self.downloads = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._files: dict[str, float] = {}  # file id -> when it becomes ready
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return self.base + PATHS[self.provider]

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def audio_for(self, text: str) -> bytes:
        audio = _speak(text) if self.speak else self.audio
        with self._lock:
            self.served.append((text, audio))
        return audio

    def new_file(self, text: str) -> str:
        file_id = uuid.uuid4().hex
        audio = self.audio_for(text)
        with self._lock:
            self._files[file_id] = (time.monotonic() + self.ready_after, audio)
        return f"{self.base}/files/{file_id}.mp3"

    def file(self, file_id: str) -> tuple[bool, bytes] | None:
        with self._lock:
            entry = self._files.get(file_id)
        return None if entry is None else (time.monotonic() >= entry[0], entry[1])


def _speak(text: str) -> bytes:
    """espeak-ng reading ``text``, as MP3 (what a provider would send for that chunk)."""
    wav = subprocess.run(
        ["espeak-ng", "-v", "vi", "--stdout", "--stdin"], input=text.encode("utf-8"), capture_output=True, check=True
    ).stdout
    return subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            "pipe:0",
            "-ar",
            "44100",
            "-ac",
            "1",
            "-b:a",
            "64k",
            "-f",
            "mp3",
            "pipe:1",
        ],
        input=wav,
        capture_output=True,
        check=True,
    ).stdout


def _handler(stand: StandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output clean
            pass

        def _send(self, status: int, body: bytes, ctype: str, length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _audio(self, audio: bytes) -> None:
            if stand.fail == "truncated":
                # Promise the whole file, send half, hang up: a download cut short.
                self._send(200, audio[: len(audio) // 2], "audio/mpeg", length=len(audio))
                self.close_connection = True
            elif stand.fail == "nonaudio":
                self._send(200, b"\x00garbage" * 200, "audio/mpeg")
            else:
                self._send(200, audio, "audio/mpeg")

        def do_GET(self):
            if not self.path.startswith("/files/"):
                return self._send(404, b"not found", "text/plain")
            entry = stand.file(self.path.rsplit("/", 1)[-1].split(".")[0])
            if entry is None or stand.fail == "never_ready" or not entry[0]:
                return self._send(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
            with stand._lock:
                stand.downloads += 1
            self._audio(entry[1])

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != PATHS[stand.provider]:
                return self._send(404, b"<html>Not Found</html>", "text/html")
            with stand._lock:
                stand.in_flight += 1
                stand.max_in_flight = max(stand.max_in_flight, stand.in_flight)
            try:
                time.sleep(stand.latency)
                if stand.fail in ("html", "empty", "quota", "rate"):
                    return self._canned_failure()
                getattr(self, f"_{stand.provider}")(body)
            finally:
                with stand._lock:
                    stand.in_flight -= 1

        def _canned_failure(self):
            if stand.fail == "html":
                return self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            if stand.fail == "empty":
                return self._send(200, b"", "application/json")
            status = 402 if stand.fail == "quota" else 429
            return self._json(status, {"message": "quota exceeded" if status == 402 else "rate limit"})

        # ---- FPT.AI v5 ----
        def _fpt(self, body: bytes):
            h = self.headers
            if h.get("api_key") != KEY:
                return self._json(401, {"message": "Invalid authentication credentials"})
            text = body.decode("utf-8")
            stand.requests.append(
                {"text": text, "voice": h.get("voice"), "speed": h.get("speed"), "format": h.get("format")}
            )
            if h.get("voice") not in FPT_VOICES:
                return self._json(200, {"error": 1, "message": "voice not found"})
            if h.get("speed") not in {str(i) for i in range(-3, 4)}:
                return self._json(200, {"error": 1, "message": "invalid speed"})
            if not 3 <= len(text) <= LIMITS["fpt"]:
                return self._json(200, {"error": 1, "message": "text length must be 3-5000"})
            self._json(
                200,
                {
                    "async": stand.new_file(text),
                    "error": 0,
                    "request_id": uuid.uuid4().hex,
                    "message": "The content will be returned after a few seconds under the async link.",
                },
            )

        # ---- Viettel AI ----
        def _viettel(self, body: bytes):
            if self.headers.get("token") != KEY:
                return self._json(401, {"vi_message": "Token không hợp lệ", "status": 401})
            data = json.loads(body)
            stand.requests.append(data)
            ok = (
                data.get("voice") in VIETTEL_VOICES
                and isinstance(data.get("speed"), (int, float))
                and 0.7 <= data["speed"] <= 1.3
                and data.get("tts_return_option") in (2, 3)
            )
            if not ok:
                return self._json(400, {"vi_message": "Tham số không hợp lệ", "status": 400})
            if len(data.get("text", "")) > LIMITS["viettel"]:
                return self._json(413, {"vi_message": "Văn bản quá dài", "status": 413})
            self._audio(stand.audio_for(data["text"]))

        # ---- Zalo AI ----
        def _zalo(self, body: bytes):
            if self.headers.get("apikey") != KEY:
                return self._json(401, {"error_code": 401, "error_message": "invalid apikey"})
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
            stand.requests.append(form)
            if form.get("speaker_id") not in {str(i) for i in range(1, 7)} or form.get("encode_type") not in ("0", "1"):
                return self._json(200, {"error_code": -1, "error_message": "invalid parameter"})
            if not 0.8 <= float(form.get("speed", "1")) <= 1.2:
                return self._json(200, {"error_code": -1, "error_message": "invalid speed"})
            if len(form.get("input", "")) > LIMITS["zalo"]:
                return self._json(200, {"error_code": 155, "error_message": "input too long"})
            self._json(
                200, {"error_code": 0, "error_message": "Successful.", "data": {"url": stand.new_file(form["input"])}}
            )

    return Handler
