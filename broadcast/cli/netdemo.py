"""``broadcast network-demo``: the whole station network on one machine, as plain processes, for an IT officer to
watch before installing it across sites (``make network-demo``; README "Mạng đài").

Mosquitto, Icecast, the web (``broadcast serve --no-scheduler``), the scheduler with its MQTT bridge
(``broadcast scheduler``) and two agents (``broadcast agent``, devices made with ``broadcast device add``) on
the demo ward, in a work folder of their own. Each agent reaches the server and the broker through its own small
TCP relay, its "link": cutting the link drops the agent's connections and refuses new ones while the agent
keeps airing from its own disk (a dead 3G link, without network namespaces or root). A demo session starts
shortly; an emergency can be approved during it; Ctrl+C stops everything, agents first.

The processes and the links are ``netdemo_processes``; this module is the demo's data, story and command.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import click

from ..errors import BroadcastError, ConfigError
from .netdemo_processes import Children, Relay, free_port, say, start_icecast, start_mosquitto, wait_until

DEVICES = (("LOA01", "TDP01"), ("LOA02", "TDP02"))
SESSION = "demo"


def prepare_database(env: dict, start_in: float) -> dict:
    """Schema, the demo ward, MOLAO aired by its agents, a demo session soon, an emergency bulletin ready to
    approve and an operator's API token; returns what the guide shows."""
    from ..config import load_settings
    from ..demo import load_demo
    from ..migrate import upgrade
    from ..runtime import open_runtime
    from ..security import create_token
    from ..stations import set_sink, station_by_code

    runtime = open_runtime(load_settings(env), check_schema=False)
    upgrade(runtime.engine)
    with runtime.unit() as s:
        load_demo(s, runtime.settings, history_days=7)
        set_sink(s, runtime.settings, None, station_by_code(s, "MOLAO"), "agent")
    with runtime.unit() as s:
        starts_at = add_demo_session(s, runtime.settings, start_in)
    with runtime.unit() as s:
        emergency = add_emergency(s, runtime.settings)
    with runtime.unit() as s:
        token = create_token(s, demo_user(s, "vanhanh"), "network-demo")
    runtime.engine.dispose()
    return {"starts_at": starts_at, "emergency": emergency, "api_token": token}


def demo_user(session, username: str):
    from sqlalchemy import select

    from ..domain.models import User

    return session.scalar(select(User).where(User.username == username))


def add_demo_session(session, settings, start_in: float) -> datetime:
    """Session ``demo`` of MOLAO starting ``start_in`` seconds from now: signature tune, two approved bulletins
    read by espeak-ng (the second for cluster TDP02 only, so LOA01 logs it skipped), the chime."""
    from sqlalchemy import select

    from ..audio.ffmpeg import probe_duration_ms
    from ..domain.models import Bulletin, Programme, ProgrammeItem
    from ..domain.types import utcnow
    from ..speech.store import render_bulletin
    from ..stations import station_by_code

    assets = Path(settings.assets_dir)
    parts = [("Nhạc hiệu", assets / "nhac-hieu.mp3", None)]
    bulletins = session.scalars(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id)).all()
    for bulletin, clusters in zip(bulletins[:2], (None, ["TDP02"]), strict=False):
        parts.append((bulletin, Path(render_bulletin(session, bulletin, settings).path), clusters))
    parts.append(("Chuông báo", assets / "chuong-bao.mp3", None))
    start = utcnow().replace(microsecond=0) + timedelta(seconds=start_in)
    programme = Programme(
        station_id=station_by_code(session, "MOLAO").id,
        on_date=start.astimezone(settings.tz).date(),
        session_code=SESSION,
        starts_at=start,
        max_duration_s=900,
        locked=True,
    )
    offset_ms = 0
    for position, (what, path, clusters) in enumerate(parts):
        is_bulletin = not isinstance(what, str)
        duration = probe_duration_ms(path)
        programme.items.append(
            ProgrammeItem(
                position=position,
                kind="bulletin" if is_bulletin else "asset",
                bulletin_id=what.id if is_bulletin else None,
                title=what.title if is_bulletin else what,
                category_code=what.category.code if is_bulletin else None,
                audio_path=str(path),
                duration_ms=duration,
                planned_start=start + timedelta(milliseconds=offset_ms),
                clusters=clusters,
            )
        )
        offset_ms += duration
    session.add(programme)
    return start


def add_emergency(session, settings) -> int:
    """A submitted emergency bulletin for MOLAO today with its reading ready (espeak-ng), for ``lanhdao`` to
    approve: the approval sends it to both devices."""
    from ..bulletins.service import create_bulletin
    from ..speech.store import render_bulletin

    today = datetime.now(settings.tz).date().isoformat()
    bulletin = create_bulletin(
        session,
        demo_user(session, "vanhoa"),
        {
            "title": "Thông báo khẩn: nước ngập đường Tố Hữu",
            "body": "Thông báo khẩn. Đường Tố Hữu đoạn qua tổ dân phố 1 và 2 đang ngập sâu. "
            "Đề nghị bà con hạn chế đi lại qua khu vực này.",
            "category": "thien-tai",
            "priority": "emergency",
            "valid_from": today,
            "valid_until": today,
            "airings": 1,
            "stations": ["MOLAO"],
        },
        submit_now=True,
    )
    render_bulletin(session, bulletin, settings)
    return bulletin.id


def approve_emergency(env: dict, bulletin_id: int) -> None:
    """What the leader's "Duyệt" button does: the approval queues one emergency command per device."""
    from ..bulletins import workflow
    from ..config import load_settings
    from ..domain.models import Bulletin
    from ..runtime import open_runtime

    runtime = open_runtime(load_settings(env))
    with runtime.unit() as s:
        workflow.approve(s, s.get(Bulletin, bulletin_id), demo_user(s, "lanhdao"))
    runtime.engine.dispose()


def add_devices(env: dict) -> dict[str, str]:
    """``broadcast device add`` for each demo device, as an IT officer would; the token is the last word."""
    tokens = {}
    for code, cluster in DEVICES:
        argv = [sys.executable, "-m", "broadcast", "device", "add", code, "--station", "MOLAO", "--clusters", cluster]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ConfigError(f"Không thêm được thiết bị {code}: {done.stderr.strip()}")
        say(done.stdout.strip().rsplit(" ", 1)[0] + " lpd_…")
        tokens[code] = done.stdout.split()[-1]
    return tokens


class Network:
    """The running demo: its processes, the agents' links, the timed events of the story."""

    def __init__(self, workdir: Path, env: dict, info: dict):
        self.workdir, self.env, self.info = workdir, env, info
        self.children = Children(workdir)
        self.links: dict[str, list[Relay]] = {}
        self.events: list[tuple[float, str, object]] = []  # (monotonic time, what, callable)
        self.stop = threading.Event()

    def start(self, web_port: int) -> None:
        mqtt_port = start_mosquitto(self.children, self.workdir)
        self.ice_dir = Path(tempfile.mkdtemp(prefix="loaphuong-icecast-"))  # readable by nobody, unlike workdir
        icecast = start_icecast(self.children, self.ice_dir)
        server_env = {**self.env, "BROADCAST_MQTT_URL": f"mqtt://127.0.0.1:{mqtt_port}"}
        self.children.start("web", [*self.broadcast("serve", "--no-scheduler", "--port", str(web_port))], self.env)
        self.children.start("scheduler", self.broadcast("scheduler"), server_env)
        wait_until(lambda: urllib.request.urlopen(f"{self.web}/healthz", timeout=2).status == 200, self.children, "Web")
        tokens = add_devices(self.env)
        for code, _ in DEVICES:
            http, mqtt = Relay(web_port), Relay(mqtt_port)
            self.links[code] = [http, mqtt]
            sink = f"icecast://source:{icecast[1]}@127.0.0.1:{icecast[0]}/{code.lower()}" if icecast else "null"
            argv = self.broadcast("agent", "--server", f"http://127.0.0.1:{http.port}", "--mqtt")
            argv += [f"mqtt://127.0.0.1:{mqtt.port}", "--data-dir", str(self.workdir / "agents" / code), "--sink", sink]
            self.children.start(f"agent-{code}", argv, {**self.env, "BROADCAST_AGENT_TOKEN": tokens[code]})
        self.info.update(mqtt_port=mqtt_port, icecast_port=icecast[0] if icecast else None)

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.info['web_port']}"

    def broadcast(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "broadcast", *args]

    def at(self, seconds_from_now: float, what: str, action) -> None:
        self.events.append((time.monotonic() + seconds_from_now, what, action))

    def toggle(self, code: str, cut: bool | None = None) -> None:
        relays = self.links[code]
        cut = relays[0].up if cut is None else cut
        for relay in relays:
            relay.cut() if cut else relay.restore()
        say(f"{'Đã CẮT' if cut else 'Đã NỐI LẠI'} đường truyền của {code}.")

    def emergency(self) -> None:
        try:
            approve_emergency(self.env, self.info["emergency"])
        except BroadcastError as exc:  # already approved in the web, say: the demo goes on
            say(f"Không duyệt được tin khẩn: {exc.message}")
            return
        say(f"Lãnh đạo đã duyệt tin khẩn số {self.info['emergency']}: lệnh phát khẩn đi tới LOA01 và LOA02.")

    def run(self, duration: float | None) -> None:
        until = time.monotonic() + duration if duration else None
        while not self.stop.wait(0.2):
            self.children.check()
            now = time.monotonic()
            for event in [e for e in self.events if e[0] <= now]:
                self.events.remove(event)
                say(event[1])
                event[2]()
            if until is not None and now >= until:
                return

    def shutdown(self) -> None:
        say("Đang dừng: thiết bị, bộ lập lịch, trang quản trị, Icecast, Mosquitto...")
        relays = [relay for pair in self.links.values() for relay in pair]
        for relay in relays:
            relay.restore()  # the agents say offline through their link on the way out
        self.children.stop_all()
        for relay in relays:
            relay.close()
        if getattr(self, "ice_dir", None):
            shutil.rmtree(self.ice_dir, ignore_errors=True)
        say("Đã dừng tất cả.")


def guide(net: Network) -> str:
    info, web = net.info, net.web
    starts = info["starts_at"].astimezone().strftime("%H:%M:%S")
    listen = (
        f"  Nghe loa:      http://127.0.0.1:{info['icecast_port']}/loa01 và /loa02 (trình duyệt hoặc VLC)\n"
        if info["icecast_port"]
        else ""
    )
    return f"""
==================== MẠNG ĐÀI MẪU LOA PHƯỜNG ĐANG CHẠY ====================
  Trang quản trị: {web}/  (admin hoặc vanhanh, mật khẩu loaphuong2025)
  Thiết bị:       {web}/admin/devices  (LOA01 phục vụ cụm TDP01, LOA02 cụm TDP02)
  API thiết bị:   curl -H "Authorization: Bearer {info["api_token"]}" {web}/api/v1/devices
{listen}  MQTT:          mosquitto_sub -h 127.0.0.1 -p {info["mqtt_port"]} -t 'loaphuong/#' -v
  Nhật ký:        {net.children.logs}/  (mỗi tiến trình một tệp)

Cần xem gì:
  1. Hai thiết bị trực tuyến sau vài giây (trang Thiết bị, hoặc lệnh curl ở trên).
  2. Buổi phát thử "{SESSION}" bắt đầu lúc {starts}; mỗi thiết bị tự phát theo đồng hồ của nó.
     Mục thứ ba chỉ dành cho cụm TDP02: LOA01 ghi "bỏ qua" kèm lý do.
  3. Phát khẩn: đăng nhập lanhdao, duyệt tin "Thông báo khẩn" (số {info["emergency"]}) -> cả hai thiết bị ngắt
     chương trình phát tin khẩn rồi phát tiếp. Hoặc gõ k rồi Enter ở đây.
  4. Cắt mạng: gõ 1 (hoặc 2) rồi Enter để cắt / nối lại đường truyền của LOA01 (LOA02). Thiết bị mất
     mạng vẫn phát đúng giờ, giữ nhật ký trong hộp thư đi; khi nối lại, nhật ký về máy chủ đủ, không trùng
     (xem {web}/playout và báo cáo thời lượng).
{info.get("story", "")}  Dừng tất cả: Ctrl+C.
===========================================================================
"""


def plan_story(net: Network, emergency_at: int, cut_agent: tuple[int, int]) -> None:
    """What happens on its own (``--cut-agent``, ``--emergency-at``), timed from the session's start, and the
    guide's lines announcing it."""
    session_in = (net.info["starts_at"] - datetime.now(net.info["starts_at"].tzinfo)).total_seconds()
    (device, seconds), lines = cut_agent, []
    code = DEVICES[device - 1][0]
    if seconds:
        net.at(session_in + 10, f"Giả lập mất mạng ở {code} trong {seconds} giây.", lambda: net.toggle(code, True))
        net.at(session_in + 10 + seconds, f"Mạng của {code} trở lại.", lambda: net.toggle(code, False))
        lines.append(f"  Tự động: 10 giây sau khi buổi phát bắt đầu, cắt mạng {code} trong {seconds} giây.\n")
    if emergency_at:
        net.at(session_in + emergency_at, "Đến lúc thử phát khẩn.", net.emergency)
        lines.append(f"  Tự động: {emergency_at} giây sau khi buổi phát bắt đầu, duyệt tin khẩn.\n")
    net.info["story"] = "".join(lines)


def read_keys(net: Network) -> None:
    """Typed commands on an interactive terminal: 1/2 cut or restore a link, k approves the emergency."""
    codes = {str(i + 1): code for i, (code, _) in enumerate(DEVICES)}
    for line in sys.stdin:
        key = line.strip().lower()
        with contextlib.suppress(Exception):  # a typing mistake never stops the demo
            if key in codes:
                net.toggle(codes[key])
            elif key == "k":
                net.emergency()


def seconds_option(name: str, default: int, help_text: str, least: int = 0):
    return click.option(name, default=default, show_default=True, type=click.IntRange(least, 3600), help=help_text)


@click.command("network-demo")
@click.option("--port", default=8080, show_default=True, type=int, help="Cổng trang quản trị (0: cổng trống bất kỳ).")
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), help="Thư mục làm việc.")
@seconds_option("--start-in", 60, "Buổi phát thử bắt đầu sau bao nhiêu giây.", least=5)
@seconds_option("--emergency-at", 25, "Tự duyệt tin khẩn bao nhiêu giây sau khi buổi phát bắt đầu (0: không tự duyệt).")
@click.option(
    "--cut-agent",
    nargs=2,
    type=(click.IntRange(1, len(DEVICES)), click.IntRange(0, 3600)),
    default=(2, 30),
    show_default=True,
    help="Cắt đường truyền của thiết bị N trong S giây, 10 giây sau khi buổi phát bắt đầu (S=0: không cắt).",
)
@click.option("--duration", type=click.FloatRange(1), help="Tự dừng sau bao nhiêu giây (mặc định: khi nhấn Ctrl+C).")
def network_demo(port, workdir, start_in, emergency_at, cut_agent, duration):
    """Chạy thử cả mạng đài trên một máy: Mosquitto, Icecast, web, bộ lập lịch và hai thiết bị."""
    own_dir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="loaphuong-netdemo-")) if own_dir else workdir.resolve()
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BROADCAST_DATABASE_URL": f"sqlite:///{workdir / 'loaphuong.db'}",
        "BROADCAST_DATA_DIR": str(workdir / "data"),
        "BROADCAST_TTS_ENGINES": "espeak",  # offline: the demo never needs the Internet
    }
    env.pop("BROADCAST_MQTT_URL", None)  # only the scheduler's bridge talks to the demo's broker
    net = None
    try:
        say(f"Chuẩn bị phường mẫu trong {workdir} ...")
        info = prepare_database(env, start_in)
        info["web_port"] = port or free_port()
        net = Network(workdir, env, info)
        signal.signal(signal.SIGTERM, lambda *_: net.stop.set())
        net.start(info["web_port"])
        plan_story(net, emergency_at, cut_agent)
        click.echo(guide(net))
        if sys.stdin.isatty():
            threading.Thread(target=read_keys, args=(net,), daemon=True).start()
        net.run(duration)
    except KeyboardInterrupt:
        pass
    finally:
        if net is not None:
            net.shutdown()
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)


COMMANDS = [network_demo]
