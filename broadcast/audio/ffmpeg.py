"""The one place the project talks to ffmpeg and ffprobe.

Every command line is built here (``ffmpeg_argv``, ``ffprobe_argv``) so the
flags stay the same everywhere, and the house PCM format is declared once:
44.1 kHz, mono, signed 16-bit little-endian (``SAMPLE_RATE``, ``CHANNELS``,
``SAMPLE_WIDTH``, ``RAW``).  On top of that: run a command (``run``), probe a
file (``probe``, ``probe_duration_ms``), decode a file to PCM
(``decode_pcm``), encode PCM to a file (``encode``) and ``PcmPipe``, the
long-running ffmpeg fed PCM on its stdin that the playout's device, Icecast
and file sinks share.

Nothing here imports numpy or the database: the playout and the renderer both
stand on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import AudioError

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"

#: The house format every segment is converted to and every sink is fed.
SAMPLE_RATE = 44100
CHANNELS = 1
SAMPLE_WIDTH = 2
BYTES_PER_SECOND = SAMPLE_RATE * CHANNELS * SAMPLE_WIDTH
#: Raw house-format PCM as it travels through pipes (before ``-i`` for input, before the target for output).
RAW = ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", str(CHANNELS)]
#: An inline meter: passes audio through and logs an EBU R128 summary at the end.
#: ``framelog=verbose`` keeps its ten-lines-a-second log out of our stderr.
METER = "ebur128=peak=sample:framelog=verbose"

MISSING = "Chưa cài ffmpeg: chạy `sudo apt-get install ffmpeg`."


class DecodeError(Exception):
    """A file could not be decoded; ``str()`` is the Vietnamese reason the as-run log shows."""


# ---------------------------------------------------------------- command lines


def ffmpeg_argv(
    *args: str, loglevel: str | None = None, stdin: bool = False, overwrite: bool = False, stats: bool = True
) -> list[str]:
    """``ffmpeg -hide_banner`` + the common flags + ``args``.

    ``loglevel=None`` keeps ffmpeg's info level (the ebur128 summary is logged
    there); ``stdin=False`` adds ``-nostdin`` so a stray ffmpeg never eats the
    terminal; ``stats=False`` silences the progress line.
    """
    argv = [FFMPEG, "-hide_banner"]
    if not stats:
        argv.append("-nostats")
    if not stdin:
        argv.append("-nostdin")
    if loglevel:
        argv += ["-v", loglevel]
    if overwrite:
        argv.append("-y")
    return [*argv, *args]


def ffprobe_argv(*args: str) -> list[str]:
    return [FFPROBE, "-v", "error", *args]


#: The house loudness for relayed streams, applied on the fly (EBU R128 in loudnorm's dynamic mode: it
#: needs about 3 s of audio before its first output, which the player covers by connecting early).
RELAY_LOUDNORM = "loudnorm=I=-16:TP=-1.5:LRA=11"


def stream_input_args(url: str, *, protocols: str, timeout_s: float) -> list[str]:
    """Input options for a network stream: only ``protocols`` may be opened (an HLS playlist cannot point
    at a local file) and a read that stalls for ``timeout_s`` fails instead of hanging."""
    return ["-protocol_whitelist", protocols, "-rw_timeout", str(int(timeout_s * 1_000_000)), "-i", url]


def relay_argv(url: str, *, protocols: str, timeout_s: float, loudness: bool = True) -> list[str]:
    """ffmpeg pulling ``url`` as house PCM on stdout, brought to the house loudness on the fly."""
    filters = f"{RELAY_LOUDNORM},aresample={SAMPLE_RATE}" if loudness else f"aresample={SAMPLE_RATE}"
    return ffmpeg_argv(
        *stream_input_args(url, protocols=protocols, timeout_s=timeout_s),
        "-vn",
        "-af",
        filters,
        *RAW,
        "-",
        loglevel="error",
        stats=False,
    )


#: Live voice is levelled with speechnorm: it follows a speaker's level within a few periods of the voice,
#: adding no look-ahead (loudnorm's 3 s would be heard as delay), and never lifts silence.
LIVE_LEVELLER = "speechnorm=e=12.5:r=0.0001:l=1,alimiter=limit=0.89"


def live_decode_argv(container: str) -> list[str]:
    """ffmpeg decoding a browser's recording (``container``: matroska or ogg) fed on stdin as it arrives,
    levelled, to house PCM on stdout; probing is cut short so the first words are not held back."""
    return ffmpeg_argv(
        "-probesize",
        "32",
        "-analyzeduration",
        "0",
        "-fflags",
        "nobuffer",
        "-f",
        container,
        "-i",
        "pipe:0",
        "-vn",
        "-af",
        f"{LIVE_LEVELLER},aresample={SAMPLE_RATE}",
        *RAW,
        "pipe:1",
        loglevel="error",
        stdin=True,
        stats=False,
    )


def stream_probe_argv(url: str, *, protocols: str, timeout_s: float) -> list[str]:
    """ffprobe of a network stream's audio: codec, bitrate, sample rate, channels as JSON."""
    return ffprobe_argv(
        *stream_input_args(url, protocols=protocols, timeout_s=timeout_s)[:-2],
        "-show_streams",
        "-show_format",
        "-of",
        "json",
        url,
    )


# ---------------------------------------------------------------- one-shot runs


def run(
    args: list[str],
    what: str,
    *,
    stdin: bytes | None = None,
    timeout: float = 600,
    loglevel: str | None = None,
    detail: bool = False,
) -> tuple[bytes, str]:
    """Run ffmpeg quietly on ``args``; (stdout, stderr); ``AudioError`` naming ``what`` on failure.

    ``detail=True`` adds ffmpeg's last error line to the message (for an operator who can act on it).
    """
    cmd = ffmpeg_argv(*args, loglevel=loglevel, stdin=stdin is not None, overwrite=True, stats=False)
    # PCM in and out goes through unlinked temporary files, not pipes: feeding and draining
    # pipes from Python (``communicate``) costs a select loop over 4 KiB writes, about 0.1 s
    # of our CPU per 17 MB of PCM (a three-minute bulletin), as much as a cheap ffmpeg pass.
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout:
        if stdin is not None:
            fin.write(stdin)
            fin.seek(0)
        try:
            proc = subprocess.run(
                cmd, stdin=fin if stdin is not None else None, stdout=fout, stderr=subprocess.PIPE, timeout=timeout
            )
        except FileNotFoundError as exc:
            raise AudioError(MISSING) from exc
        except subprocess.TimeoutExpired as exc:
            raise AudioError(f"ffmpeg chạy quá lâu khi {what}.") from exc
        err = proc.stderr.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise AudioError(
                f"ffmpeg lỗi khi {what} ({last_error_line(err)})." if detail else f"ffmpeg lỗi khi {what}."
            )
        fout.seek(0)
        return fout.read(), err


def last_error_line(stderr: bytes | str) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = text.strip().splitlines()
    return lines[-1][:200] if lines else ""


def probe(path: str | Path, *, timeout: float = 30) -> dict | None:
    """ffprobe's JSON view of ``path`` (``format`` and ``streams``), None when it cannot read it.

    ``FileNotFoundError`` (no ffprobe on the machine) is left to the caller:
    some callers stop with a clear sentence, others treat it as "unreadable".
    """
    try:
        proc = subprocess.run(
            ffprobe_argv("-print_format", "json", "-show_format", "-show_streams", str(path)),
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        return None
    try:
        info = json.loads(proc.stdout or b"{}")
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def probe_duration_ms(path: str | Path | None, *, timeout: float = 30) -> int:
    """The container's duration in milliseconds; 0 for no path or a file ffprobe cannot read."""
    if not path:
        return 0
    try:
        info = probe(path, timeout=timeout)
    except OSError:
        return 0
    try:
        return int(float(((info or {}).get("format") or {}).get("duration")) * 1000)
    except (TypeError, ValueError):
        return 0


def decode_pcm(path: str | Path | None, seek_ms: int = 0, *, timeout: float = 120) -> bytes:
    """The whole file as house PCM from ``seek_ms``; ``DecodeError`` with the reason otherwise."""
    if not path:
        raise DecodeError("mục không có tệp âm thanh")
    path = str(path)
    if not os.path.exists(path):
        raise DecodeError(f"không tìm thấy tệp {path}")
    seek = ["-ss", f"{seek_ms / 1000:.3f}"] if seek_ms > 0 else []
    cmd = ffmpeg_argv(*seek, "-i", path, "-vn", *RAW, "-acodec", "pcm_s16le", "-", loglevel="error")
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DecodeError(f"không giải mã được tệp {path} ({exc})") from None
    if done.returncode != 0 or (not done.stdout and seek_ms == 0):
        reason = last_error_line(done.stderr)[:160]
        raise DecodeError(f"tệp {path} hỏng hoặc không đọc được ({reason or 'không có âm thanh'})")
    return done.stdout


def encode(pcm: bytes, out: str | Path, what: str, *, args: list[str] | tuple = (), timeout: float = 600) -> str:
    """Encode house PCM into ``out`` with the output ``args`` (codec, filters, tags); returns ffmpeg's log."""
    _, err = run([*RAW, "-i", "pipe:0", *args, str(out)], what, stdin=pcm, timeout=timeout)
    return err


def convert(
    src: str | Path,
    dest: str | Path,
    what: str,
    *,
    args: list[str] | tuple = (),
    input_args: list[str] | tuple = (),
    timeout: float = 600,
    detail: bool = False,
) -> None:
    """File to file: ``ffmpeg [input_args] -i src [args] dest``; ``AudioError`` naming ``what`` on failure."""
    run([*input_args, "-i", str(src), *args, str(dest)], what, timeout=timeout, loglevel="error", detail=detail)


def available() -> bool:
    """ffmpeg is on the PATH (sinks check this before promising sound)."""
    return shutil.which(FFMPEG) is not None


# ---------------------------------------------------------------- a long-running pipe


class PcmPipe:
    """An ffmpeg reading house PCM on its stdin and writing to ``output`` args (a device, a stream, a file)."""

    def __init__(self, output: list[str], *, overwrite: bool = False, keep_stderr: bool = False):
        self.output = list(output)
        self.overwrite = overwrite
        self.keep_stderr = keep_stderr
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Spawn ffmpeg; ``OSError`` when it cannot start."""
        cmd = ffmpeg_argv(*RAW, "-i", "-", *self.output, loglevel="error", stdin=True, overwrite=self.overwrite)
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE if self.keep_stderr else subprocess.DEVNULL,
        )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def write(self, pcm: bytes, *, flush: bool = True) -> None:
        """Hand ``pcm`` to ffmpeg; ``BrokenPipeError``/``OSError`` when it has gone."""
        self.proc.stdin.write(pcm)
        if flush:
            self.proc.stdin.flush()

    def stderr_tail(self) -> str:
        """ffmpeg's last error line once it has exited (kept only with ``keep_stderr``)."""
        proc = self.proc
        if proc is None or proc.poll() is None or proc.stderr is None:
            return ""
        try:
            return last_error_line(proc.stderr.read())
        except OSError:
            return ""

    def close(self, timeout: float) -> None:
        """End of input: let ffmpeg finish (flush the file, the stream) for ``timeout`` s, then kill it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stream_sample_argv(url: str, *, protocols: str, timeout_s: float, seconds: float) -> list[str]:
    """ffmpeg decoding the first ``seconds`` of a network stream to house PCM on stdout (a relay source's
    check measures how loud it is)."""
    return ffmpeg_argv(
        *stream_input_args(url, protocols=protocols, timeout_s=timeout_s),
        "-t",
        f"{seconds:g}",
        "-vn",
        *RAW,
        "-",
        loglevel="error",
        stats=False,
    )
