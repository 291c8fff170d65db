"""What the paid Vietnamese voices (FPT.AI, Viettel AI, Zalo AI) have in common.

Each provider module says only how to ask for one chunk of text (headers,
body, how the answer carries the audio); this module does the rest once:

* the normalised speed (0.8–1.2, ``settings["speed"]``) is checked here and
  each engine maps it onto its provider's scale;
* long text is split at sentence boundaries (the text arrives one sentence or
  breath group per line, see ``normalize.with_pauses``) into chunks within the
  provider's per-request limit, and the chunks are requested in parallel with
  a small bound, because providers rate-limit and a ward's quota is shared;
* the chunks are decoded to house PCM, their edge silence trimmed to a fixed
  short pause and faded over a few milliseconds, so the joins have neither
  clicks nor long gaps, and the result is written as one WAV;
* every provider failure becomes an :class:`EngineError` with one Vietnamese
  sentence, so the chain falls back to the next engine.

The output is written under a temporary name and renamed at the end: a failed
or interrupted reading never leaves half a file where the renderer looks.
"""

from __future__ import annotations

import os
import re
import threading
import time
import wave
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import requests

from ...audio import ffmpeg
from ...config import TtsProvider, read_tts_providers
from .base import EngineError, EngineUnavailable

SPEED_MIN, SPEED_MAX = 0.8, 1.2
#: Chunks in flight at once per reading: enough to hide latency, few enough not to trip rate limits.
PARALLEL = 4
#: Silence kept at each side of a join (so a join is at most twice this) and the fade at each edge.
EDGE_KEEP_MS = 50
FADE_MS = 5
#: Samples quieter than this (of 32767) count as silence when trimming chunk edges.
SILENCE_LEVEL = 300
HTTP_TIMEOUT = 60.0

_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+")
_CLAUSE_END = re.compile(r"(?<=[,])\s+")


@dataclass(frozen=True)
class Voice:
    name: str
    accent: str  # "north" | "central" | "south"
    gender: str  # "female" | "male"
    label: str  # what the operator sees


def check_speed(settings: Mapping[str, object]) -> float:
    """The normalised speed of this reading; ``EngineError`` outside 0.8–1.2."""
    raw = settings.get("speed", 1.0)
    try:
        speed = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EngineError(f"Tốc độ đọc “{raw}” không phải là số (từ 0,8 đến 1,2).") from None
    if not SPEED_MIN - 1e-9 <= speed <= SPEED_MAX + 1e-9:
        shown = f"{speed:g}".replace(".", ",")
        raise EngineError(f"Tốc độ đọc {shown} nằm ngoài khoảng cho phép (từ 0,8 đến 1,2).")
    return speed


def _pieces(text: str, limit: int) -> list[str]:
    """Units no longer than ``limit``: sentences, else clauses, else words, else hard cuts."""
    out: list[str] = []
    for line in text.splitlines():
        for sentence in _SENTENCE_END.split(line.strip()):
            if not sentence:
                continue
            if len(sentence) <= limit:
                out.append(sentence)
                continue
            for clause in _CLAUSE_END.split(sentence):
                if len(clause) <= limit:
                    out.append(clause)
                    continue
                out.extend(_pack(clause.split(" "), limit, " "))
    return out


def _pack(units: list[str], limit: int, sep: str) -> list[str]:
    chunks: list[str] = []
    current = ""
    for unit in units:
        while len(unit) > limit:  # a "word" longer than the limit (a URL): cut it, nothing else works
            if current:
                chunks.append(current)
                current = ""
            chunks.append(unit[:limit])
            unit = unit[limit:]
        candidate = f"{current}{sep}{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = unit
    if current:
        chunks.append(current)
    return chunks


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at sentence ends where possible."""
    return [c for c in _pack(_pieces(text, limit), limit, "\n") if c.strip()]


# ---------------------------------------------------------------- HTTP answers -> one sentence


def status_error(provider: str, status: int, detail: str = "") -> EngineError:
    """The sentence for an HTTP error status of ``provider``."""
    tail = f" ({detail})" if detail else ""
    if status in (401, 403):
        return EngineError(f"{provider} từ chối khóa API (sai hoặc hết hạn){tail}.")
    if status == 402:
        return EngineError(f"{provider} báo đã hết hạn mức ký tự của tài khoản{tail}.")
    if status == 413:
        return EngineError(f"{provider} báo đoạn văn bản quá dài{tail}.")
    if status == 429:
        return EngineError(f"{provider} đang giới hạn số yêu cầu (quá nhiều yêu cầu), hãy thử lại sau{tail}.")
    return EngineError(f"{provider} trả lỗi HTTP {status}{tail}.")


def json_answer(provider: str, rsp: requests.Response) -> dict:
    """The JSON object of an answer; ``EngineError`` for HTML, an empty body or anything else."""
    body = rsp.content.strip()
    if not body:
        raise EngineError(f"{provider} trả về nội dung rỗng.")
    if body[:1] == b"<":
        raise EngineError(f"{provider} trả về trang HTML thay vì dữ liệu (có thể sai địa chỉ máy chủ).")
    try:
        data = rsp.json()
    except ValueError:
        raise EngineError(f"{provider} trả về dữ liệu không đọc được.") from None
    if not isinstance(data, dict):
        raise EngineError(f"{provider} trả về dữ liệu không đọc được.")
    return data


def audio_bytes(provider: str, rsp: requests.Response) -> bytes:
    """The audio of an answer that should carry audio; ``EngineError`` when it does not."""
    body = rsp.content
    if not body.strip():
        raise EngineError(f"{provider} trả về tệp âm thanh rỗng.")
    ctype = rsp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype in ("text/html", "application/json", "text/plain") or body.lstrip()[:1] in (b"<", b"{"):
        raise EngineError(f"{provider} trả về văn bản thay vì âm thanh.")
    return body


def download(provider: str, session: requests.Session, url: str, timeout: float) -> bytes:
    try:
        rsp = session.get(url, timeout=timeout)
    except requests.RequestException as exc:
        raise EngineError(f"Không tải được âm thanh từ {provider} (tải dở hoặc mất kết nối).") from exc
    if rsp.status_code != 200:
        raise EngineError(f"Không tải được âm thanh từ {provider} (HTTP {rsp.status_code}).")
    return audio_bytes(provider, rsp)


# ---------------------------------------------------------------- joining


def _trimmed(pcm: bytes) -> np.ndarray:
    """A chunk's samples with edge silence cut to ``EDGE_KEEP_MS`` and short fades at both ends."""
    samples = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
    if loud.size == 0:
        return samples[:0]
    keep = ffmpeg.SAMPLE_RATE * EDGE_KEEP_MS // 1000
    out = samples[max(0, loud[0] - keep) : loud[-1] + 1 + keep].astype(np.float32)
    fade = min(ffmpeg.SAMPLE_RATE * FADE_MS // 1000, out.size // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        out[:fade] *= ramp
        out[-fade:] *= ramp[::-1]
    return out.astype("<i2")


def join_chunks(provider: str, files: list[Path], out_wav: Path) -> Path:
    """Decode, trim and join the chunk files into one house-format WAV (written atomically)."""
    parts = []
    for path in files:
        try:
            pcm = ffmpeg.decode_pcm(path)
        except ffmpeg.DecodeError:
            raise EngineError(f"{provider} gửi về tệp không phải âm thanh hoặc bị cắt dở.") from None
        part = _trimmed(pcm)
        if part.size == 0:
            raise EngineError(f"{provider} gửi về một đoạn âm thanh im lặng.")
        parts.append(part)
    tmp = out_wav.with_name(f".{out_wav.name}.{os.getpid()}.part")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(ffmpeg.CHANNELS)
        wav.setsampwidth(ffmpeg.SAMPLE_WIDTH)
        wav.setframerate(ffmpeg.SAMPLE_RATE)
        wav.writeframes(np.concatenate(parts).tobytes())
    os.replace(tmp, out_wav)
    return out_wav


# ---------------------------------------------------------------- the engine


class CloudEngine:
    """One provider: subclasses set the class attributes and ``request_chunk``."""

    name = ""
    title = ""  # the provider as the operator knows it ("FPT.AI")
    default_url = ""
    limit = 1000  # characters per request
    suffix = ".mp3"  # what one chunk's file is
    voice_info: tuple[Voice, ...] = ()
    voices: tuple[str, ...] = ()  # filled from voice_info, so the class itself answers too

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.voices = tuple(v.name for v in cls.voice_info)

    def __init__(
        self,
        api_key: str | None = None,
        url: str | None = None,
        *,
        parallel: int = PARALLEL,
        timeout: float = HTTP_TIMEOUT,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ):
        if api_key is None and url is None:
            # Without explicit values, the configured ones (read by broadcast.config, not here).
            provider = read_tts_providers().get(self.name, TtsProvider())
            api_key, url = provider.api_key, provider.url
        self.api_key = api_key
        self.url = url or self.default_url
        self.parallel = max(1, parallel)
        self.timeout = timeout
        self._session_factory = session_factory
        #: Characters sent to the provider by the last ``synthesize`` (for usage counters).
        self.chars_sent = 0

    @classmethod
    def from_settings(cls, config) -> CloudEngine:
        provider = (getattr(config, "tts_providers", None) or {}).get(cls.name, TtsProvider())
        return cls(api_key=provider.api_key or "", url=provider.url)

    def voice_list(self) -> list[dict]:
        return [
            {"engine": self.name, "voice": v.name, "accent": v.accent, "gender": v.gender, "label": v.label}
            for v in self.voice_info
        ]

    def available(self) -> bool:
        # Reachability is only known by trying; a missing key is reported by synthesize in words.
        return True

    def map_speed(self, speed: float):
        """The provider's value for a normalised speed (0.8–1.2)."""
        raise NotImplementedError

    def request_chunk(self, session: requests.Session, text: str, voice: str, speed) -> bytes:
        """The audio bytes of one chunk; ``EngineError`` on any failure."""
        raise NotImplementedError

    def _call(self, session: requests.Session, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return session.request(method, url, timeout=self.timeout, **kwargs)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise EngineError(f"Âm thanh từ {self.title} bị tải dở (mất kết nối giữa chừng).") from exc
        except requests.Timeout as exc:
            raise EngineError(f"{self.title} không trả lời trong {self.timeout:g} giây.") from exc
        except requests.RequestException as exc:
            raise EngineError(f"Không kết nối được tới {self.title}.") from exc

    def synthesize(self, text: str, voice: str | None, out_path: Path, settings: Mapping[str, object]) -> Path:
        if not self.api_key:
            raise EngineUnavailable(f"Chưa có khóa API của {self.title} (BROADCAST_{self.name.upper()}_API_KEY).")
        voice = voice or self.voices[0]
        if voice not in self.voices:
            raise EngineError(f"{self.title} không có giọng “{voice}” (có: {', '.join(self.voices)}).")
        speed = self.map_speed(check_speed(settings))
        chunks = split_text(text, self.limit)
        if not chunks:
            raise EngineError("Văn bản không có chữ nào để đọc.")
        out_path = Path(out_path)
        files = [out_path.with_name(f"{out_path.name}.chunk{i:03d}{self.suffix}") for i in range(len(chunks))]
        self.chars_sent = 0
        session = self._session_factory()
        try:
            self._fetch_all(session, chunks, files, voice, speed)
            return join_chunks(self.title, files, out_path.with_suffix(".wav"))
        finally:
            session.close()
            for f in files:
                f.unlink(missing_ok=True)

    def _fetch_all(self, session: requests.Session, chunks: list[str], files: list[Path], voice: str, speed) -> None:
        """Request every chunk, ``parallel`` at a time; after a failure the chunks not yet sent are
        dropped (the reading is lost anyway, and each request spends the ward's quota)."""
        lock = threading.Lock()

        def one(i: int) -> None:
            with lock:
                self.chars_sent += len(chunks[i])  # counted when sent: the provider bills what it receives
            files[i].write_bytes(self.request_chunk(session, chunks[i], voice, speed))

        with ThreadPoolExecutor(
            max_workers=min(self.parallel, len(chunks)), thread_name_prefix=f"tts-{self.name}"
        ) as pool:
            futures = [pool.submit(one, i) for i in range(len(chunks))]
            _, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for future in pending:
                future.cancel()
            for future in futures:
                if future.done() and not future.cancelled() and future.exception() is not None:
                    raise future.exception()  # leaving the pool waits for requests still running


def sleep_until(deadline: float, delay: float, sleep=time.sleep, clock=time.monotonic) -> bool:
    """Sleep ``delay`` seconds unless that passes ``deadline``; False when the deadline is reached."""
    left = deadline - clock()
    if left <= 0:
        return False
    sleep(min(delay, left))
    return True
