"""Devices (station agents): add, list, revoke, send a command, run the server's MQTT bridge."""

from __future__ import annotations

import click

from ..config import read_mqtt_url
from ..runtime import open_runtime


@click.group()
def device():
    """Thiết bị phát tại đài (agent): thêm, liệt kê, thu hồi, gửi lệnh."""


@device.command("add")
@click.argument("code")
@click.option("--station", required=True, help="Mã đài của thiết bị (ví dụ MOLAO).")
@click.option("--clusters", default="", help="Các cụm loa thiết bị phục vụ, cách nhau bởi dấu phẩy (mặc định: cả đài).")
def device_add(code, station, clusters):
    """Thêm thiết bị và in mã truy cập của nó (chỉ hiện một lần, là từ cuối cùng)."""
    from ..network.devices import add_device

    runtime = open_runtime()
    with runtime.unit() as session:
        new, token = add_device(session, code, station, clusters)
        label = f"{new.code} (đài {new.station.code}, cụm {', '.join(new.clusters) or 'tất cả'})"
    click.echo(f"Đã thêm thiết bị {label}. Mã truy cập của thiết bị, chỉ hiện một lần: {token}")


@device.command("list")
@click.option("--station", default=None, help="Chỉ thiết bị của đài này.")
def device_list(station):
    """Liệt kê thiết bị và trạng thái gần nhất."""
    from ..network.devices import device_json, list_devices

    runtime = open_runtime()
    with runtime.unit() as session:
        rows = [device_json(d) for d in list_devices(session, station)]
    if not rows:
        click.echo("Chưa có thiết bị nào.")
        return
    for d in rows:
        state = "thu hồi" if d["revoked"] else ("trực tuyến" if d["online"] else "ngoại tuyến")
        click.echo(
            f"{d['code']:<16} {d['station']:<10} {state:<12} {','.join(d['clusters']) or 'tất cả':<20} "
            f"{d['last_seen'] or '-':<28} {d['version'] or '-'}"
        )


@device.command("revoke")
@click.argument("code")
def device_revoke(code):
    """Thu hồi mã truy cập của thiết bị (thiết bị không đồng bộ, không gửi nhật ký được nữa)."""
    from ..network.devices import revoke_device

    runtime = open_runtime()
    with runtime.unit() as session:
        revoked = revoke_device(session, code)
        name = revoked.code
    click.echo(f"Đã thu hồi mã truy cập của thiết bị {name}.")


@device.command("command")
@click.argument("code")
@click.argument("action", type=click.Choice(["play", "stop", "skip", "volume", "resync", "emergency"]))
@click.option("--session", "session_code", default=None, help="Buổi phát (với play).")
@click.option("--level", default=None, type=int, help="Âm lượng 0–100 (với volume).")
@click.option("--bulletin", default=None, type=int, help="Mã tin bài (với emergency).")
@click.option(
    "--mqtt",
    "mqtt_url",
    default=lambda: read_mqtt_url(),
    help="Gửi ngay qua MQTT (mặc định BROADCAST_MQTT_URL); không có thì thiết bị lấy lệnh khi hỏi máy chủ.",
)
def device_command(code, action, session_code, level, bulletin, mqtt_url):
    """Gửi lệnh cho một thiết bị."""
    from ..network.commands import queue_command

    args = {k: v for k, v in (("session", session_code), ("level", level), ("bulletin_id", bulletin)) if v is not None}
    runtime = open_runtime()
    with runtime.unit() as session:
        cmd_id = queue_command(session, code, action, args).id
    if mqtt_url:  # after the commit: the device's acknowledgement must find the command
        from ..domain.models import DeviceCommand
        from ..network.bridge import ServerBridge

        bridge = ServerBridge(runtime, mqtt_url, client_id=f"loaphuong-cli-{cmd_id}").start()
        try:
            bridge.connected.wait(5)
            with runtime.unit() as session:
                bridge.send(session.get(DeviceCommand, cmd_id)).wait_for_publish(5)
        finally:
            bridge.stop()
    click.echo(f"Đã gửi lệnh {action} (số {cmd_id}) cho thiết bị {code.upper()}.")


@device.command("bridge")
@click.option(
    "--mqtt",
    "mqtt_url",
    default=lambda: read_mqtt_url(),
    required=True,
    help="Địa chỉ máy chủ MQTT, ví dụ mqtt://127.0.0.1:1883 (mặc định BROADCAST_MQTT_URL).",
)
def device_bridge(mqtt_url):
    """Cầu MQTT của máy chủ: nhận trạng thái, nhịp tim, xác nhận lệnh; gửi lệnh và báo đổi chương trình."""
    import time

    from ..network.bridge import ServerBridge
    from ..network.topics import redact_mqtt_url

    runtime = open_runtime()
    bridge = ServerBridge(runtime, mqtt_url).start(pump=True)
    click.echo(f"Đang nghe các thiết bị qua {redact_mqtt_url(mqtt_url)} (Ctrl+C để dừng)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        bridge.stop()


COMMANDS = [device]
