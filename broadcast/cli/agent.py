"""``broadcast agent``: the station agent (docs/network.md)."""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import click


@click.command()
@click.option(
    "--server",
    required=True,
    envvar=["BROADCAST_AGENT_SERVER", "LOAPHUONG_SERVER"],
    help="Địa chỉ máy chủ Loa Phường, ví dụ https://loa.phuong.vn (hoặc BROADCAST_AGENT_SERVER).",
)
@click.option("--token", required=True, envvar="BROADCAST_AGENT_TOKEN", help="Mã thiết bị (lpd_...).")
@click.option(
    "--data-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục giữ chương trình, âm thanh và hộp thư đi của thiết bị.",
)
@click.option(
    "--mqtt",
    "mqtt_url",
    default=None,
    envvar="BROADCAST_MQTT_URL",
    help="Máy chủ MQTT, ví dụ mqtt://HOST:1883, hoặc mqtts://LOA01:MẬT_KHẨU@HOST:8883 khi máy chủ MQTT "
    "có tài khoản cho từng thiết bị (không có thì hỏi máy chủ qua HTTP).",
)
@click.option(
    "--sink",
    default="null",
    show_default=True,
    envvar=["BROADCAST_AGENT_SINK", "LOAPHUONG_SINK"],
    help="Đầu ra âm thanh: device, file:ĐƯỜNG_DẪN, icecast://..., null (hoặc BROADCAST_AGENT_SINK).",
)
@click.option(
    "--days", default=3, show_default=True, type=click.IntRange(1, 7), help="Giữ chương trình bao nhiêu ngày tới."
)
@click.option("--once", is_flag=True, help="Đồng bộ và gửi nhật ký một lần rồi thoát.")
def agent(server, token, data_dir, mqtt_url, sink, days, once):
    """Chạy thiết bị phát tại đài: giữ chương trình và âm thanh, gửi nhật ký phát, báo trạng thái."""
    from ..agent.runner import Agent, AgentConfig
    from ..errors import ValidationError
    from ..network.topics import parse_mqtt_url

    if not token.startswith("lpd_"):
        raise ValidationError("Mã thiết bị phải bắt đầu bằng lpd_ (tạo bằng: broadcast device add).", field="token")
    if mqtt_url:
        parse_mqtt_url(mqtt_url)
    from ..playout.sinks import open_sink

    open_sink(sink)  # parses the spec (no side effect): a wrong --sink stops here with the reason
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runner = Agent(AgentConfig(server=server, token=token, data_dir=data_dir, mqtt_url=mqtt_url, sink=sink, days=days))
    if once:
        synced, delivered = runner.sync_once(), runner.deliver_once()
        runner.stop()
        click.echo(
            f"Đồng bộ: {'xong' if synced else 'chưa được'}; gửi nhật ký: {'xong' if delivered else 'chưa được'}."
        )
        raise SystemExit(0 if synced and delivered else 1)
    signal.signal(signal.SIGTERM, lambda *a: runner.stopping.set())
    runner.start()
    click.echo(f"Thiết bị đang chạy, máy chủ {server} (Ctrl+C để dừng)")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()


COMMANDS = [agent]
