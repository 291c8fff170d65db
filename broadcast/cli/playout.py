"""Playout commands: ``broadcast scheduler`` and ``broadcast playout run``."""

from __future__ import annotations

import signal
import threading
import uuid

import click


def _print_rows(rows) -> None:
    if not rows:
        click.echo("(không có dòng nhật ký phát sóng nào)")
        return
    click.echo(f"{'#':>3}  {'trạng thái':<11} {'bắt đầu (giờ địa phương)':<24} {'đã phát':>8} {'trễ':>8}  tiêu đề")
    for r in rows:
        late = f"{r['lateness_ms']} ms" if r["lateness_ms"] is not None else "-"
        click.echo(
            f"{r['position'] if r['position'] is not None else '-':>3}  {r['status']:<11} {r['start']:<24} "
            f"{r['aired_ms'] / 1000:>7.1f}s {late:>8}  {r['title']}"
        )
        if r["note"]:
            click.echo(f"{'':>5}↳ {r['note']}")


@click.command("scheduler")
def scheduler_cmd():
    """Chạy riêng bộ lập lịch phát sóng (khi trang quản trị chạy ở tiến trình khác)."""
    from ..network.bridge import start_configured
    from ..playout.service import start_scheduler
    from ..runtime import open_runtime

    runtime = open_runtime()
    service = start_scheduler(runtime)
    bridge = start_configured(runtime)  # with BROADCAST_MQTT_URL: the devices' MQTT side runs here too
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"Bộ lập lịch phát sóng đang chạy ({service.holder}); Ctrl+C để dừng.")
    try:
        while not stop.wait(1):
            if service.lost_lease:
                click.echo("Lỗi: tiến trình khác đã giành quyền lập lịch; dừng.", err=True)
                break
    finally:
        if bridge is not None:
            bridge.stop()
        service.shutdown()
    click.echo("Đã dừng bộ lập lịch phát sóng.")


@click.group()
def playout():
    """Phát sóng: phát thử một buổi, xem nhật ký phát sóng."""


def _programme_to_air(runtime, station: str, day, session_code: str):
    """(station, programme): refused while the station airs; the programme is built first if it is not yet."""
    from sqlalchemy import select

    from ..domain.models import PlayoutRun
    from ..errors import Conflict, ValidationError
    from ..playout.items import load_programme
    from ..playout.scheduler import build_programme
    from ..stations import station_by_code

    with runtime.unit() as session:
        st = station_by_code(session, station)
        programme = load_programme(session, st.code, day, session_code)
        busy = session.scalar(select(PlayoutRun).where(PlayoutRun.station_id == st.id, PlayoutRun.status == "running"))
        session.expunge_all()
    if busy is not None:
        raise Conflict(
            f"Đài {st.code} đang phát (lượt #{busy.id}, {busy.session_code or 'khẩn cấp'}); "
            "hãy dừng trước khi phát thử."
        )
    if programme is None and build_programme(runtime, st.code, day, session_code):
        with runtime.unit() as session:
            programme = load_programme(session, st.code, day, session_code)
            session.expunge_all()
    if programme is None:
        raise ValidationError(
            f"Chưa có chương trình buổi {session_code} ngày {day:%d/%m/%Y} của đài {st.code}: "
            "hãy dựng chương trình trước."
        )
    return st, programme


def _claim_manual(runtime, st, day, session_code: str, programme, sink_label: str, holder: str) -> int:
    """A run of its own for this trial airing (a fresh claim key: it never collides with the scheduler's)."""
    from ..domain.types import utcnow
    from ..playout.claims import claim_key, claim_run

    return claim_run(
        runtime,
        station_id=st.id,
        claim_key=claim_key("manual", st.id, "cli", uuid.uuid4().hex),
        kind="manual",
        air_date=day,
        session_code=session_code,
        programme_id=programme.id,
        scheduled_start=utcnow(),
        holder=holder,
        sink=sink_label[:200],
        note="Phát thử từ dòng lệnh.",
    )


def _print_run(runtime, run_id: int) -> int:
    """Print the run's as-run rows (local times); returns how many there are."""
    from sqlalchemy import select

    from ..domain.models import AsRun

    tz = runtime.settings.tz
    with runtime.unit() as session:
        rows = session.scalars(select(AsRun).where(AsRun.run_id == run_id).order_by(AsRun.id)).all()
        _print_rows(
            [
                {
                    "position": r.position,
                    "status": r.status,
                    "title": r.title,
                    "aired_ms": r.aired_ms,
                    "lateness_ms": r.lateness_ms,
                    "note": r.note,
                    "start": r.actual_start.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                }
                for r in rows
            ]
        )
        return len(rows)


@playout.command("run")
@click.option("--station", required=True, help="Mã đài, ví dụ MOLAO.")
@click.option("--date", "on_date", default=None, help="Ngày của chương trình (YYYY-MM-DD), mặc định hôm nay.")
@click.option("--session", "session_code", required=True, help="Mã buổi phát, ví dụ sang.")
@click.option("--sink", default=None, help="Đích phát (null, device, file:..., icecast://...); mặc định của đài.")
@click.option("--speed", default=1.0, show_default=True, type=float, help="1 = thời gian thực, 0 = nhanh nhất có thể.")
def playout_run(station, on_date, session_code, sink, speed):
    """Phát ngay một buổi và in nhật ký phát sóng của nó."""
    from ..dates import parse_day
    from ..domain.types import utcnow
    from ..errors import ValidationError
    from ..playout import recovery
    from ..playout.channels import Control
    from ..playout.config import PlayoutConfig
    from ..playout.lease import process_holder
    from ..playout.run import air_run
    from ..playout.sinks import SinkError, open_sink
    from ..runtime import open_runtime

    runtime = open_runtime()
    day = parse_day(on_date, "date") or utcnow().astimezone(runtime.settings.tz).date()
    config = PlayoutConfig.load(runtime, speed=speed)
    recovery.recover(runtime, stale_s=config.stale_s)
    st, programme = _programme_to_air(runtime, station, day, session_code)
    out = open_sink(sink or st.sink)
    holder = process_holder()
    run_id = _claim_manual(runtime, st, day, session_code, programme, out.label, holder)
    control = Control()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: control.stop.set())
    click.echo(f"Phát buổi {session_code} ngày {day:%d/%m/%Y} của đài {st.code} ra {out.label} (lượt #{run_id})…")
    try:
        result = air_run(runtime, run_id, sink=out, config=config, control=control, holder=holder)
    except SinkError as exc:
        raise ValidationError(str(exc)) from None
    finally:
        out.close()
    count = _print_run(runtime, run_id)
    click.echo(f"Kết thúc: {result.status}, {count} dòng nhật ký.")


COMMANDS = [scheduler_cmd, playout]
