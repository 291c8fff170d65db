"""`broadcast programme ...`: build, show, export, lock a station's daily programme."""

from __future__ import annotations

import json

import click

from ..runtime import open_runtime


def _today(settings):
    from ..domain.types import utcnow

    return utcnow().astimezone(settings.tz).date()


def _date(runtime, value):
    from ..programme.calendar import parse_date

    return parse_date(value) if value else _today(runtime.settings)


station_opt = click.option("--station", required=True, help="Mã đài, ví dụ MOLAO.")
date_opt = click.option("--date", "on_date", default=None, help="Ngày YYYY-MM-DD (mặc định: hôm nay).")


@click.group()
def programme():
    """Chương trình phát thanh hằng ngày: dựng, xem, xuất, khóa."""


@programme.command("build")
@station_opt
@date_opt
def build(station, on_date):
    """Dựng (hoặc dựng lại) chương trình của đài trong ngày; buổi đã khóa giữ nguyên."""
    from ..programme.build import build_day

    runtime = open_runtime()
    on = _date(runtime, on_date)

    def progress(done, total, title):
        if title:
            click.echo(f"  đang tạo âm thanh: {title} ({done}/{total} xong)", err=True)

    from ..domain.types import utcnow

    started = utcnow()
    with runtime.unit() as session:
        programmes = build_day(session, runtime.settings, station, on, progress=progress)
        if not programmes:
            click.echo(f"Đài {station.upper()} không có buổi phát nào ngày {on:%d/%m/%Y}.")
            return
        for p in programmes:
            total = sum(i.duration_ms for i in p.items)
            state = (
                " (đã khóa, giữ nguyên)" if p.locked else " (đã bắt đầu, giữ nguyên)" if p.built_at < started else ""
            )
            click.echo(
                f"{p.session_code} {p.starts_at.astimezone(runtime.settings.tz):%H:%M}: "
                f"{len(p.items)} mục, {total / 60000:.1f}/{p.max_duration_s / 60:.0f} phút{state}"
            )
            for w in p.warnings or []:
                click.echo(f"  ! {w['message']}")


@programme.command("show")
@station_opt
@date_opt
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON (như API).")
def show(station, on_date, as_json):
    """Xem chương trình đã dựng."""
    from ..programme.build import day_dict, day_programmes
    from ..programme.calendar import get_station

    runtime = open_runtime()
    on = _date(runtime, on_date)
    with runtime.unit() as session:
        data = day_dict(session, runtime.settings, station, on)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        programmes = {p.session_code: p for p in day_programmes(session, get_station(session, station), on)}
        if not data["sessions"]:
            click.echo(
                f"Chưa có chương trình của đài {data['station']} ngày {on:%d/%m/%Y}: "
                f"chạy `broadcast programme build --station {data['station']} --date {on.isoformat()}`."
            )
            return
        for s in data["sessions"]:
            p = programmes[s["code"]]
            click.echo(
                f"Buổi {s['code']} lúc {s['starts_at'][11:16]}, {s['duration_ms'] / 60000:.1f} phút"
                + (" [đã khóa]" if p.locked else "")
            )
            for it in s["items"]:
                click.echo(
                    f"  {it['position']:>2}. {it['planned_start'][11:19]} {it['duration_ms'] / 1000:6.1f}s "
                    f"{it['kind']:<12} {it['title']}" + (f" [{it['category']}]" if it["category"] else "")
                )
            for w in p.warnings or []:
                click.echo(f"  ! {w['message']}")


@programme.command("export")
@station_opt
@date_opt
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Thư mục ghi gói xuất (mặc định: thư mục dữ liệu/exports).",
)
def export(station, on_date, out_dir):
    """Xuất gói USB: MP3 từng buổi, MP3 từng mục, M3U8, bảng cue CSV/JSON và ZIP; in các tệp đã ghi."""
    from pathlib import Path

    from ..programme.export import export_day

    runtime = open_runtime()
    on = _date(runtime, on_date)
    with runtime.unit() as session:
        result = export_day(session, runtime.settings, station, on, out_dir=Path(out_dir) if out_dir else None)
    for f in result.files:
        click.echo(str(f))


def _lock(station, on_date, session_code, locked):
    from ..errors import NotFound
    from ..programme.build import programme_for
    from ..programme.edit import set_locked

    runtime = open_runtime()
    on = _date(runtime, on_date)
    with runtime.unit() as session:
        p = programme_for(session, station, on, session_code)
        if p is None:
            raise NotFound(f"Buổi {session_code} ngày {on:%d/%m/%Y} chưa được dựng.")
        set_locked(session, runtime.settings, p.id, locked)
    click.echo(f"Đã {'khóa' if locked else 'mở khóa'} buổi {session_code} ngày {on:%d/%m/%Y}.")


@programme.command("lock")
@station_opt
@date_opt
@click.option("--session", "session_code", required=True, help="Mã buổi, ví dụ sang.")
def lock(station, on_date, session_code):
    """Khóa một buổi: dựng lại không thay đổi nó."""
    _lock(station, on_date, session_code, True)


@programme.command("unlock")
@station_opt
@date_opt
@click.option("--session", "session_code", required=True, help="Mã buổi, ví dụ sang.")
def unlock(station, on_date, session_code):
    """Mở khóa một buổi."""
    _lock(station, on_date, session_code, False)


@programme.command("reload")
@click.option("--station", default=None, help="Chỉ nạp tệp của đài này.")
def reload(station):
    """Nạp lại các tệp lịch schedules/*.toml (buổi phát, ngày nghỉ, buổi phát thêm)."""
    from ..programme.templates import load_schedules

    runtime = open_runtime()
    with runtime.unit() as session:
        stations = load_schedules(session, runtime.settings.schedules_dir, runtime.settings.assets_dir, only=station)
        for s in stations:
            click.echo(f"{s.code}: {len([t for t in s.sessions if t.enabled])} buổi phát")


COMMANDS = [programme]
