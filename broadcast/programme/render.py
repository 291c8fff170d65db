"""Audio for programme items behind one small interface.

The builder only needs a file and its duration for each piece: a bulletin,
an announcement text, a stock asset, a filler of a given length
(:class:`Renderer`).  A renderer that can also render many bulletins at once,
in parallel, is a :class:`BatchRenderer`; the builder uses the batch when it
has one.  Unit tests pass a renderer that answers from a table; production
uses :class:`SpeechRenderer` (a batch renderer), which calls the speech layer
(``broadcast.speech.store.render_bulletin(s)`` for bulletins, recorded as
``AudioRendition`` rows; ``broadcast.speech.render.render_text`` for
announcements) and measures assets with ffprobe.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session

from ..audio import ffmpeg
from ..audio.errors import AudioError
from ..audio.measure import probe_audio
from ..config import Settings
from ..domain.models import Bulletin
from ..errors import BroadcastError, ValidationError
from ..speech import store as speech_store
from ..speech import voices
from ..speech.normalize.dates import day_words, month_words
from ..speech.normalize.numbers import number_to_words
from ..speech.render import render_text
from .calendar import WEEKDAYS_VI


@dataclass(frozen=True)
class Audio:
    path: str | None
    duration_ms: int
    rendition_id: int | None = None


@runtime_checkable
class Renderer(Protocol):
    """Every renderer: one bulletin, an announcement text, a stock asset, a filler cut or looped to a length.
    Each raises a BroadcastError (with a Vietnamese message) when it cannot."""

    def bulletin(self, bulletin: Bulletin) -> Audio: ...

    def announcement(self, text: str, voice: dict | None = None) -> Audio: ...

    def asset(self, name: str) -> Audio: ...

    def filler(self, name: str, duration_ms: int) -> Audio: ...


@runtime_checkable
class BatchRenderer(Renderer, Protocol):
    """A renderer that also renders many bulletins at once (in parallel)."""

    def bulletin_batch(self, bulletins: list[Bulletin]) -> list[Audio | BroadcastError]:
        """One result per bulletin, in order: its Audio, or the BroadcastError that kept it from rendering (one
        unreadable bulletin must not stop the others)."""
        ...


# --- announcement text -------------------------------------------------------


def date_in_words(on: date) -> str:
    """ "ngày hai mươi hai tháng mười một năm hai nghìn không trăm hai mươi sáu"."""
    return f"ngày {day_words(on.day)} tháng {month_words(on.month)} năm {number_to_words(on.year)}"


def fill_placeholders(text: str, *, station_name: str, on_date: date, source: str = "", where: str = "") -> str:
    values = {
        "station_name": station_name,
        "date": date_in_words(on_date),
        "weekday": WEEKDAYS_VI[on_date.isoweekday() - 1],
    }
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            f"{source}: {where}: lời dẫn có chỗ thay thế không hợp lệ ({exc}); dùng "
            "{station_name}, {date}, {weekday}.",
            field=where or None,
        ) from None


# --- production renderer -----------------------------------------------------


def _probe_ms(path: Path) -> int | None:
    info = probe_audio(path)
    return int(round(info.duration_s * 1000)) if info and info.duration_s > 0 else None


class SpeechRenderer:
    """Renders with the speech layer; caches asset durations per instance."""

    def __init__(
        self, session: Session, settings: Settings, voice: dict | None = None, ward_id=speech_store.SESSION_WARD
    ):
        self.session = session
        self.settings = settings
        self.voice = voice  # the station's chosen voice (broadcast.speech.voices); None = the installation's
        # The station's ward: its announcements read with that ward's lexicon, as its own bulletins do.
        self.ward_id = ward_id
        self._assets: dict[str, Audio] = {}

    def _speech_prefs(self) -> tuple[dict, dict, int | None]:
        """Voice/rate/pitch and the operator lexicon, as bulletins get them (so announcements sound alike)."""
        return (
            speech_store.speech_settings(self.session),
            speech_store.operator_lexicon(self.session, self.ward_id),
            speech_store.lexicon_version(self.session, self.ward_id),
        )

    def _render_text(self, text: str, cache: str, tags: dict | None = None, voice: dict | None = None):
        prefs, lexicon, version = self._speech_prefs()
        audio = {k: v for k, v in prefs.items() if k in ("rate", "pitch")}
        voice = voice or self.voice  # a slot's own voice, else the station's
        if voice:
            audio["speed"] = voice["speed"]
        return render_text(
            text,
            engine_names=voices.chain_for(voice, self.settings.tts_engines),
            voice=voice["voice"] if voice else prefs.get("voice"),
            settings=audio,
            lexicon=lexicon,
            lexicon_version=version,
            cache_dir=self.settings.subdir(cache),
            tags=tags or {},
        )

    def bulletin(self, bulletin: Bulletin) -> Audio:
        """The bulletin's rendition through ``broadcast.speech.store.render_bulletin`` (recorded in the DB)."""
        r = speech_store.render_bulletin(self.session, bulletin, self.settings, station_voice=self.voice)
        return Audio(str(r.path), int(r.duration_ms), r.id)

    def bulletin_batch(self, bulletins: list[Bulletin]) -> list[Audio | BroadcastError]:
        """A batch, rendered in parallel by ``render_bulletins``: an Audio or a BroadcastError per bulletin."""
        out = []
        for r in speech_store.render_bulletins(self.session, bulletins, self.settings, station_voice=self.voice):
            out.append(r if isinstance(r, Exception) else Audio(str(r.path), int(r.duration_ms), r.id))
        return out

    def announcement(self, text: str, voice: dict | None = None) -> Audio:
        """``voice``: the announcement slot's own (a station file's ``voice = {...}``); None = the station's."""
        r = self._render_text(text, "announcements", {"title": "Lời dẫn", "station": "Loa Phường"}, voice)
        return Audio(str(r.path), int(r.duration_ms))

    def asset(self, name: str) -> Audio:
        if name not in self._assets:
            path = Path(self.settings.assets_dir) / name
            ms = _probe_ms(path) if path.is_file() else None
            if ms is None:
                raise ValidationError(f"Không thấy hoặc không đọc được tệp âm thanh audio_assets/{name}.", field="file")
            self._assets[name] = Audio(str(path), ms)
        return self._assets[name]

    def filler(self, name: str, duration_ms: int) -> Audio:
        """The asset looped or cut to ``duration_ms`` (cached by name and length)."""
        source = Path(self.asset(name).path)
        key = hashlib.sha256(f"{source.resolve()}:{source.stat().st_mtime_ns}:{duration_ms}".encode()).hexdigest()[:16]
        out = self.settings.subdir("programme-audio") / f"filler-{key}.mp3"
        if not out.is_file():
            tmp = out.with_suffix(".tmp.mp3")
            fade = max(0.0, duration_ms / 1000 - 1.5)
            try:
                ffmpeg.convert(
                    source,
                    tmp,
                    "tạo nhạc đệm",
                    input_args=["-stream_loop", "-1"],
                    args=[
                        "-t",
                        f"{duration_ms / 1000:.3f}",
                        "-af",
                        f"afade=t=out:st={fade:.3f}:d=1.5",
                        "-ar",
                        str(ffmpeg.SAMPLE_RATE),
                        "-ac",
                        str(ffmpeg.CHANNELS),
                        "-c:a",
                        "libmp3lame",
                        "-b:a",
                        "128k",
                    ],
                    timeout=300,
                )
            except AudioError:
                tmp.unlink(missing_ok=True)
                raise ValidationError(f"Không tạo được nhạc đệm từ audio_assets/{name}.") from None
            tmp.replace(out)
        return Audio(str(out), _probe_ms(out) or duration_ms)
