"""Set-up commands: serve, db, demo, user, token."""

from __future__ import annotations

import os
import signal
import sys

import click

from ..config import MAX_WEB_THREADS, MAX_WEB_WORKERS, load_settings, read_web_threads, read_web_workers
from ..db import check_connection, engine_for
from ..errors import ConfigError, ValidationError
from ..roles import ALL_ROLES
from ..runtime import open_runtime


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option("--port", default=8080, show_default=True, type=int, help="Cổng.")
@click.option("--no-scheduler", is_flag=True, help="Chỉ chạy trang quản trị, không chạy bộ lập lịch phát sóng.")
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, MAX_WEB_THREADS),
    help="Số luồng mỗi tiến trình (mặc định BROADCAST_WEB_THREADS hoặc 8).",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, MAX_WEB_WORKERS),
    help="Số tiến trình web (mặc định BROADCAST_WEB_WORKERS hoặc 1): 1 là waitress; từ 2 là gunicorn.",
)
def serve(host, port, no_scheduler, threads, workers):
    """Chạy trang quản trị (và bộ lập lịch phát sóng): waitress, hoặc gunicorn với --workers từ 2."""
    from ..runtime import check_programs

    workers = workers or read_web_workers()
    threads = threads or read_web_threads()
    runtime = open_runtime()
    check_programs()
    scheduler = bridge = None
    if not no_scheduler:
        from ..network.bridge import start_configured
        from ..playout.service import start_scheduler

        scheduler = start_scheduler(runtime)
        bridge = start_configured(runtime)  # with BROADCAST_MQTT_URL: one bridge, beside the one scheduler
    click.echo(f"Loa Phường đang chạy tại http://{host}:{port}/ (Ctrl+C để dừng)")
    # SIGTERM (systemctl stop, kill) ends the server like Ctrl+C, so the scheduler stops cleanly (lease released).
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if workers == 1:
            from waitress import serve as waitress_serve

            from web import create_app
            from web.wsgi import freeze_heap

            app = create_app(runtime=runtime)
            freeze_heap()
            # waitress returns on Ctrl+C (KeyboardInterrupt), as on the SIGTERM raised by _interrupt.
            waitress_serve(app, host=host, port=port, threads=threads, ident="loa-phuong")
        else:
            _serve_gunicorn(runtime, host, port, workers, threads, keep_this_process=not no_scheduler)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM does not cut the scheduler's shutdown
        if bridge is not None:
            bridge.stop()
        if scheduler is not None:
            scheduler.shutdown()
        signal.signal(signal.SIGTERM, previous)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _serve_gunicorn(runtime, host: str, port: int, workers: int, threads: int, *, keep_this_process: bool) -> None:
    """gunicorn's arbiter as a child process (``python -m web.wsgi``); this process keeps the scheduler.

    Why a child and not gunicorn's master here: the master forks its workers, at start and again whenever
    one dies, and a fork copies a process's memory but only its calling thread. Forked from a process
    running the scheduler, a worker would hold a copy of its state and of any lock a scheduler thread held
    at that instant. The child is a new interpreter (subprocess: fork then exec), so its workers are forked
    from a process that never had a scheduler thread, never opened the scheduler's database connections,
    and the one scheduler (its lease, the MQTT bridge) stays in this process whatever gunicorn does.
    Without a scheduler this process has nothing left to do: it becomes the arbiter (exec, ~60 MB less).
    """
    import subprocess

    from web.wsgi import GRACEFUL_TIMEOUT_S

    argv = [sys.executable, "-m", "web.wsgi", "--host", host, "--port", str(port)]
    argv += ["--workers", str(workers), "--threads", str(threads)]
    if not keep_this_process:
        runtime.engine.dispose()  # no database connection carried into the arbiter
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)
    # Started from the main thread, which lives as long as serve: the arbiter's death signal follows that thread.
    arbiter = subprocess.Popen(argv + ["--parent", str(os.getpid())])
    try:
        code = arbiter.wait()
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM: the arbiter stops its workers gracefully
        arbiter.send_signal(signal.SIGTERM)
        try:
            arbiter.wait(timeout=GRACEFUL_TIMEOUT_S + 5)
        except subprocess.TimeoutExpired:
            arbiter.kill()
            arbiter.wait()
        return
    if code != 0:
        raise ConfigError(f"Máy chủ web gunicorn đã dừng (mã {code}): xem thông báo ở trên, ví dụ cổng {port} đã bận.")


@click.group()
def db():
    """Cơ sở dữ liệu: nâng cấp lược đồ, xem phiên bản."""


@db.command("upgrade")
def db_upgrade():
    """Áp dụng các bản di trú (migration) còn thiếu."""
    from ..migrate import current_revision, upgrade

    settings = load_settings()
    engine = engine_for(settings.database_url)
    check_connection(engine)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    click.echo(f"Cơ sở dữ liệu: {before or 'trống'} → {after}")


@db.command("current")
def db_current():
    """In phiên bản lược đồ hiện tại và phiên bản mới nhất."""
    from ..migrate import current_revision, head_revision

    settings = load_settings()
    engine = engine_for(settings.database_url)
    check_connection(engine)
    click.echo(f"hiện tại: {current_revision(engine) or 'trống'}; mới nhất: {head_revision()}")


@click.command()
@click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu chưa có phường nào.")
@click.option("--password", default=None, help="Mật khẩu cho các tài khoản mẫu (mặc định: xem README).")
@click.option(
    "--history-days",
    default=45,
    show_default=True,
    type=click.IntRange(0, 400),
    help="Số ngày nhật ký phát sóng mẫu đã qua (để báo cáo có số liệu).",
)
def demo(if_empty, password, history_days):
    """Nạp phường mẫu Mộ Lao: đài, 17 cụm loa, đơn vị, người dùng, tin bài, kế hoạch."""
    from ..demo import DEMO_PASSWORD, load_demo

    runtime = open_runtime()
    with runtime.unit() as session:
        result = load_demo(
            session, runtime.settings, password=password or DEMO_PASSWORD, if_empty=if_empty, history_days=history_days
        )
    if result is None:
        click.echo("Cơ sở dữ liệu đã có dữ liệu; không nạp phường mẫu.")
        from ..demo import USERS, province_logins

        with runtime.unit() as session:
            from sqlalchemy import select

            from ..domain.models import User

            demo_users = set(session.scalars(select(User.username)))
        if {u for u, *_ in USERS} <= demo_users:
            others = [(u, r) for u, r in province_logins() if u in demo_users]
            print_demo_logins([(u, r) for u, r, *_ in USERS], password or DEMO_PASSWORD, others)
        return
    click.echo(f"Đã nạp phường mẫu: {result['ward']} ({result['bulletins']} tin bài).")
    click.echo("Cùng thành phố Hà Nội: " + ", ".join(result["wards"][1:]) + ".")
    print_demo_logins(result["users"], password or DEMO_PASSWORD, result["province_users"])


def print_demo_logins(users, password, province_users=()):
    """The demo ward's logins, then the province's and the other wards' (``tinh.*`` see every ward)."""
    click.echo("Tài khoản mẫu (tên đăng nhập / vai trò), mật khẩu chung: " + password)
    for username, role in users:
        click.echo(f"  {username:<12} {role}")
    if province_users:
        click.echo("Cấp thành phố (tinh.*: mọi phường, xã) và các phường, xã khác:")
        for username, role in province_users:
            click.echo(f"  {username:<20} {role}")


@click.group()
def user():
    """Người dùng."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(ALL_ROLES)), help="Vai trò.")
@click.option("--department", default=None, help="Mã đơn vị (bắt buộc với người gửi tin).")
@click.option(
    "--ward",
    default=None,
    help="Mã phường, xã của người dùng; bỏ trống: người dùng cấp tỉnh (hoặc phường, xã của đơn vị đã chọn).",
)
@click.option("--full-name", default="", help="Họ tên.")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ đầu vào chuẩn thay vì hỏi.")
def user_add(username, role, department, ward, full_name, password_stdin):
    """Thêm người dùng (của một phường, xã hoặc cấp tỉnh)."""
    from ..domain.models import Ward
    from ..security import audit
    from ..users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    runtime = open_runtime()
    with runtime.unit() as session:
        new = add_user(session, username, role, password, department=department, full_name=full_name, ward=ward)
        audit(session, "user.create", obj=new, detail={"role": role, "via": "cli"})
        where = session.get(Ward, new.ward_id).name if new.ward_id is not None else "cấp tỉnh"
    click.echo(f"Đã thêm {new.username} ({role}, {where}).")


@click.group()
def token():
    """Mã truy cập API (Bearer token)."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli", help="Tên gợi nhớ của mã.")
def token_create(username, name):
    """Tạo mã truy cập API cho người dùng và in ra (chỉ hiện một lần)."""
    from sqlalchemy import select

    from ..domain.models import User
    from ..security import audit, create_token

    runtime = open_runtime()
    with runtime.unit() as session:
        target = session.scalar(select(User).where(User.username == username.strip().lower()))
        if target is None:
            raise ValidationError(f"Không có người dùng {username!r}.")
        value = create_token(session, target, name)
        audit(session, "token.create", user=target, object_type="api_tokens", object_id=value[:10])
    click.echo(value)


@token.command("revoke")
@click.argument("prefix")
def token_revoke(prefix):
    """Thu hồi mã truy cập theo 10 ký tự đầu."""
    from ..security import audit, revoke_token

    runtime = open_runtime()
    with runtime.unit() as session:
        count = revoke_token(session, prefix)
        audit(session, "token.revoke", object_type="api_tokens", object_id=prefix)
    click.echo(f"Đã thu hồi {count} mã.")


COMMANDS = [serve, db, demo, user, token]
