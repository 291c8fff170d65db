"""Joining house-format MP3 files by copying their frames, in Python.

This writes what ffmpeg's concat demuxer writes with ``-c copy`` (checked
frame for frame in the tests): a new ID3v2.3 tag, one Xing/Info frame with a
LAME tag (frame count, byte count, seek table, the first file's encoder delay
and the last file's padding, so players stay gapless), then every audio frame
of every file in order, each file's own tags and Xing frame left out.  Done
here because starting ffmpeg and passing a session's 100,000 frames through
it costs several times the copy itself, and ffmpeg's libraries alone hold
about 50 MB.

Only files made of nothing but 44.1 kHz mono MPEG-1 Layer III frames (after
their ID3v2 tags, before an ID3v1 tag) are joined: ``join_mp3`` returns False
for anything else and the caller falls back to ffmpeg.  The LAME tag's music
CRC (a CRC-16 of all the audio, too slow to compute byte by byte in Python)
is combined from the files' own; it is left at zero when a file has none,
which only a tag checker would notice.
"""

from __future__ import annotations

import io
import os
from array import array
from dataclasses import dataclass
from pathlib import Path

SAMPLE_RATE = 44100
_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)
#: Frame length in bytes by a header's third byte (bitrate index, sample-rate index, padding bit);
#: 0 where that byte is not 44.1 kHz (or is a free-format/invalid bitrate).
_FRAME_LEN = tuple(
    144_000 * _KBPS[b >> 4] // SAMPLE_RATE + ((b >> 1) & 1) if _KBPS[b >> 4] and (b >> 2) & 3 == 0 else 0
    for b in range(256)
)
#: Where the Xing/Info tag sits in an MPEG-1 mono frame (after the 4-byte header and 17 bytes of side info).
_XING_AT = 21
_XING_SIZE = 156
_VBRI_AT = 36
_LAME_VERSIONS = (b"LAME", b"Lavf", b"Lavc")  # the encoders whose delay/padding ffmpeg trusts
_CHUNK = 1 << 20
#: ffmpeg's seek-table sampling (mp3enc.c): a cumulative size every ``want`` frames, in at most 400 bags.
_BAGS = 400


@dataclass
class _Source:
    path: Path
    start: int  # offset of the first audio frame (after ID3v2 and any Xing frame)
    end: int  # offset after the last audio frame
    delay: int | None = None  # encoder delay and padding from the file's LAME tag
    padding: int | None = None
    music_crc: int | None = None  # the LAME tag's CRC of the file's frames, when its length field matches


def _is_header(b: bytes | memoryview, i: int) -> int:
    """Length of the house-format frame whose header starts at ``b[i]``, 0 if there is none."""
    if b[i] != 0xFF or b[i + 1] & 0xFE != 0xFA or b[i + 3] & 0xC0 != 0xC0:
        return 0
    return _FRAME_LEN[b[i + 2]]


def _audio_start(fh, size: int) -> int:
    """Offset after the ID3v2 tags at the start of the file (there may be several, as ffmpeg allows)."""
    pos = 0
    while pos + 10 <= size:
        fh.seek(pos)
        head = fh.read(10)
        if head[:3] != b"ID3" or any(x & 0x80 for x in head[6:10]):
            break
        length = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        pos += 10 + length + (10 if head[5] & 0x10 else 0)
    return pos


def _open_source(path: Path) -> _Source | None:
    """Where the audio frames of ``path`` lie, skipping its Xing/VBRI frame; None if it is not house format."""
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        start = _audio_start(fh, size)
        end = size
        if size - start >= 128:
            fh.seek(size - 128)
            if fh.read(3) == b"TAG":
                end = size - 128
        fh.seek(start)
        first = fh.read(min(2048, end - start))
    if len(first) < 4 or not (length := _is_header(first, 0)):
        return None
    src = _Source(path, start, end)
    frame = first[:length]
    if frame[_XING_AT : _XING_AT + 4] in (b"Xing", b"Info"):
        src.start += length
        _read_lame(frame, src, length)
    elif frame[_VBRI_AT : _VBRI_AT + 4] == b"VBRI":
        src.start += length
    return src


def _read_lame(frame: bytes, src: _Source, length: int) -> None:
    flags = int.from_bytes(frame[_XING_AT + 4 : _XING_AT + 8], "big")
    p = _XING_AT + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    if frame[p : p + 4] not in _LAME_VERSIONS or len(frame) < p + 36:
        return
    v = int.from_bytes(frame[p + 21 : p + 24], "big")
    src.delay, src.padding = v >> 12, v & 0xFFF
    # music length counts this frame and every audio frame: when it matches, the CRC covers exactly them
    if int.from_bytes(frame[p + 28 : p + 32], "big") == src.end - src.start + length:
        src.music_crc = int.from_bytes(frame[p + 32 : p + 34], "big")


def _scan(src: _Source, sizes: array) -> bool:
    """Append the length of each frame of ``src`` to ``sizes``; False unless they fill it exactly."""
    frame_len = _FRAME_LEN
    with src.path.open("rb") as fh:
        fh.seek(src.start)
        buf, base, i = b"", src.start, 0
        while True:
            data = fh.read(min(_CHUNK, src.end - base - len(buf)))
            if data:
                buf, base, i = buf[i:] + data, base + i, 0
            n = len(buf)
            while i + 4 <= n:  # _is_header inlined: this loop runs once per frame, 100,000 times a session
                if buf[i] != 0xFF or buf[i + 1] & 0xFE != 0xFA or buf[i + 3] & 0xC0 != 0xC0:
                    return False
                length = frame_len[buf[i + 2]]
                if not length:
                    return False
                if i + length > n:
                    break
                sizes.append(length)
                i += length
            if not data:
                return base + i == src.end


def crc16(data: bytes) -> int:
    """CRC-16/ARC (ffmpeg's AV_CRC_16_ANSI_LE), for the LAME tag's own CRC."""
    crc = 0
    for byte in data:
        crc = _crc16_step(crc ^ byte)
    return crc


def _crc16_step(crc: int) -> int:
    for _ in range(8):
        crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _apply(matrix: list[int], vector: int) -> int:
    out, k = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[k]
        vector >>= 1
        k += 1
    return out


def _zero_byte_powers() -> list[list[int]]:
    """The matrices that carry a CRC-16 through 1, 2, 4, ... 2**39 zero bytes."""
    powers = [[_crc16_step(1 << k) for k in range(16)]]
    while len(powers) < 40:
        powers.append([_apply(powers[-1], column) for column in powers[-1]])
    return powers


_ZERO_BYTES: list[list[int]] = []


def crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """CRC-16/ARC of A followed by B from the CRCs of both (the CRC is linear: A's is carried through
    ``length_b`` zero bytes by a 16x16 bit matrix raised to that power, as zlib's crc32_combine does)."""
    if not _ZERO_BYTES:
        _ZERO_BYTES.extend(_zero_byte_powers())
    k = 0
    while length_b:
        if length_b & 1:
            crc_a = _apply(_ZERO_BYTES[k], crc_a)
        length_b >>= 1
        k += 1
    return crc_a ^ crc_b


def _music_crc(sources: list[_Source]) -> int:
    """The CRC-16 of all the joined frames, from each file's LAME tag; 0 when one file has none."""
    crc = 0
    for src in sources:
        if src.music_crc is None:
            return 0
        crc = crc16_combine(crc, src.music_crc, src.end - src.start)
    return crc


def _toc(sizes: array, head: int, total: int) -> bytes:
    """The Xing seek table exactly as ffmpeg's muxer samples it (cumulative sizes every ``want`` frames)."""
    frames = len(sizes)
    want = 1
    while frames // want >= _BAGS:
        want *= 2
    bags = frames // want  # bag j: bytes up to the end of frame (j + 1) * want
    toc, done, acc = [0], 0, head
    for i in range(1, 100):
        upto = (i * bags // 100 + 1) * want
        acc += sum(sizes[done:upto])
        done = upto
        toc.append(min(256 * acc // total, 255))
    return bytes(toc)


def _xing_frame(sizes: array, first_header: bytes, delay: int, padding: int, music_crc: int) -> bytes:
    """ffmpeg's Xing/Info frame with a LAME tag (mp3enc.c ``mp3_write_xing``/``mp3_update_xing``)."""
    bitrate = first_header[2] >> 4
    while 144_000 * _KBPS[bitrate] // SAMPLE_RATE < _XING_AT + _XING_SIZE:
        bitrate += 1
    length = 144_000 * _KBPS[bitrate] // SAMPLE_RATE
    vbr = len(set(sizes)) > 2 or max(sizes) - min(sizes) > 1  # one bitrate: lengths differ by the pad byte
    total = length + sum(sizes)
    tag = bytearray(length)
    tag[0:4] = bytes((0xFF, 0xFB, bitrate << 4, 0xC0))
    x = _XING_AT
    tag[x : x + 4] = b"Xing" if vbr else b"Info"
    tag[x + 4 : x + 16] = (0x0F).to_bytes(4, "big") + len(sizes).to_bytes(4, "big") + total.to_bytes(4, "big")
    tag[x + 16 : x + 116] = _toc(sizes, length, total)
    tag[x + 120 : x + 124] = b"Lavf"  # ffmpeg reads delay and padding only behind LAME/Lavf/Lavc
    tag[x + 141 : x + 144] = ((min(delay, 4095) << 12) + min(padding, 4095)).to_bytes(3, "big")
    tag[x + 148 : x + 152] = total.to_bytes(4, "big")
    tag[x + 152 : x + 154] = music_crc.to_bytes(2, "big")
    tag[x + 154 : x + 156] = crc16(bytes(tag[:190])).to_bytes(2, "big")
    return bytes(tag)


def id3_tag(metadata: dict[str, str]) -> bytes:
    """An ID3v2.3 tag of ``metadata`` with ffmpeg's key names (title, artist, album, date, ...; others TXXX)."""
    from mutagen.id3 import ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TRCK, TXXX

    frames = {"title": TIT2, "artist": TPE1, "album": TALB, "date": TDRC, "genre": TCON, "track": TRCK}
    frames["album_artist"] = TPE2
    tag = ID3()
    for key, value in metadata.items():
        if not value:
            continue
        encoding = 0 if str(value).isascii() else 1  # Latin-1 when it is enough, else UTF-16, as ffmpeg
        if key in frames:
            tag.add(frames[key](encoding=encoding, text=[str(value)]))
        else:
            tag.add(TXXX(encoding=encoding, desc=key, text=[str(value)]))
    out = io.BytesIO()
    tag.save(out, v1=0, v2_version=3, padding=lambda info: 0)
    return out.getvalue()


def join_mp3(files: list[Path], out: Path, metadata: dict[str, str] | None = None) -> bool:
    """Write ``files`` joined into ``out``; False (``out`` untouched) when one is not a clean house MP3."""
    sources, sizes = [], array("H")
    for path in files:
        src = _open_source(Path(path))
        if src is None or not _scan(src, sizes):
            return False
        sources.append(src)
    if not sizes:
        return False
    with sources[0].path.open("rb") as fh:
        fh.seek(sources[0].start)
        first_header = fh.read(4)
    delay, padding = sources[0].delay or 0, sources[-1].padding or 0
    with out.open("wb") as dst:
        dst.write(id3_tag(metadata or {}) if metadata and any(metadata.values()) else b"")
        dst.write(_xing_frame(sizes, first_header, delay, padding, _music_crc(sources)))
        buf = bytearray(_CHUNK)
        view = memoryview(buf)
        for src in sources:
            with src.path.open("rb", buffering=0) as fh:
                fh.seek(src.start)
                left = src.end - src.start
                while left > 0:
                    n = fh.readinto(view[: min(_CHUNK, left)])
                    if not n:
                        raise OSError(f"{src.path} shrank while it was being joined")
                    dst.write(view[:n])
                    left -= n
    return True
