"""`broadcast normalize` and `broadcast speak`."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from ..errors import ValidationError


def _read_stdin_text() -> str:
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"Dữ liệu vào không phải văn bản UTF-8 hợp lệ (byte lỗi ở vị trí {exc.start}); "
            "hãy lưu tệp với bảng mã UTF-8."
        ) from None


def _fail(exc) -> None:
    click.echo(f"Lỗi: {exc.message}", err=True)
    sys.exit(1)


@click.command("normalize")
def normalize_cmd():
    """Chuẩn hóa văn bản tiếng Việt (stdin) thành dạng đọc (stdout), từng dòng một."""
    from ..speech.normalize import normalize

    try:
        text = _read_stdin_text()
    except ValidationError as exc:
        _fail(exc)
    trailing_newline = text.endswith("\n")
    body = text[:-1] if trailing_newline else text
    body = body[:-1] if trailing_newline and body.endswith("\r") else body
    sys.stdout.write(normalize(body) + ("\n" if trailing_newline else ""))


@click.command("speak")
@click.argument("text", nargs=-1)
@click.option(
    "--engine",
    type=click.Choice(["espeak", "gtts", "piper", "fpt", "viettel", "zalo"]),
    default=None,
    help="Bộ đọc; mặc định theo BROADCAST_TTS_ENGINES (gtts rồi espeak).",
)
@click.option(
    "--voice", default=None, help="Giọng của bộ đọc (espeak: vi, vi-vn-x-central, vi-vn-x-south; fpt: banmai, leminh…)."
)
@click.option(
    "--speed", type=float, default=None, help="Tốc độ đọc của giọng đám mây, từ 0,8 đến 1,2 (1 = bình thường)."
)
@click.option("--rate", type=int, default=None, help="Tốc độ đọc (espeak, từ/phút).")
@click.option("--pitch", type=int, default=None, help="Cao độ (espeak, 0-99).")
@click.option("--chime", type=click.Choice(["none", "before", "after", "both"]), default="none")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Tệp MP3 đầu ra.")
def speak_cmd(text, engine, voice, speed, rate, pitch, chime, out):
    """Đọc văn bản thành tệp MP3 đã chuẩn hóa độ lớn; in thời lượng và độ lớn."""
    from ..errors import BroadcastError
    from ..speech.render import render_text

    try:
        words = " ".join(text) if text else _read_stdin_text()
        settings = {k: v for k, v in (("rate", rate), ("pitch", pitch), ("speed", speed)) if v is not None}
        if chime != "none":
            from ..config import read_assets_dir

            # Only the stock-audio folder is needed, so no full load_settings (which creates a data dir).
            settings.update(chime=chime, chime_path=str(read_assets_dir() / "chuong-bao.mp3"))
        with tempfile.TemporaryDirectory(prefix="lp-speak-") as cache:
            r = render_text(
                words, engine_names=[engine] if engine else None, voice=voice, settings=settings, cache_dir=cache
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(r.path, out)
    except BroadcastError as exc:
        _fail(exc)
    seconds = f"{r.duration_ms / 1000:.1f}".replace(".", ",")
    click.echo(
        f"Đã ghi {out}: thời lượng {seconds} giây, độ lớn {r.loudness_lufs:.1f} LUFS, "
        f"đỉnh {r.true_peak_db:.1f} dBTP, bộ đọc {r.engine} ({r.voice})."
    )
    for name, why in r.failures:
        click.echo(f"  (bộ đọc {name} không dùng được: {why})", err=True)


@click.command("voices")
@click.option("--all", "show_all", is_flag=True, help="Cả những giọng chưa dùng được trên máy này.")
def voices_cmd(show_all):
    """Liệt kê các giọng đọc: bộ đọc, tên giọng, vùng miền, giới tính, dùng được hay chưa."""
    from ..speech.engines.chain import voice_catalogue

    accents = {"north": "Bắc", "central": "Trung", "south": "Nam"}
    genders = {"female": "nữ", "male": "nam"}
    # From the environment, like `speak`: listing voices needs no database or data folder.
    rows = [v for v in voice_catalogue() if show_all or v["available"]]
    for v in rows:
        state = "" if v["available"] else "  (chưa dùng được: thiếu chương trình, tệp giọng hoặc khóa API)"
        extra = ", ".join(x for x in (accents.get(v["accent"] or ""), genders.get(v["gender"] or "")) if x)
        click.echo(f"{v['engine']:8} {v['voice']:28} {extra}{state}")
    if not rows:
        click.echo("Chưa có giọng đọc nào dùng được trên máy này (cài espeak-ng hoặc cấu hình một bộ đọc).")


COMMANDS = [normalize_cmd, speak_cmd, voices_cmd]
