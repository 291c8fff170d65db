"""`broadcast agent --once` and `broadcast device command --mqtt` against a live server and the suite's broker."""

from __future__ import annotations

import time

from click.testing import CliRunner

from broadcast.cli import main


def test_agent_once_syncs_and_delivers(live_server, network, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "agent",
            "--server",
            live_server.url,
            "--token",
            network["token"],
            "--data-dir",
            str(tmp_path / "agent"),
            "--once",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Đồng bộ: xong" in result.output
    assert len(list((tmp_path / "agent" / "media").iterdir())) == len(network["files"])


def test_agent_refuses_a_user_token_and_a_bad_mqtt_url(tmp_path):
    for args in (
        ["--token", "lp_user"],
        ["--token", "lpd_x", "--mqtt", "http://nope"],
        ["--token", "lpd_x", "--sink", "loa-ngoai-troi"],
    ):
        result = CliRunner().invoke(
            main, ["agent", "--server", "http://127.0.0.1:9", "--data-dir", str(tmp_path), *args]
        )
        assert result.exit_code == 1 and result.output.startswith("Lỗi: "), result.output


def test_device_command_reaches_the_agent_over_mqtt(cli_env, make_agent, broker):
    agent = make_agent(mqtt_url=broker.url)
    assert agent.sync_once() and agent.mqtt.connected.wait(5)
    result = CliRunner().invoke(
        main, ["device", "command", "LOA01", "volume", "--level", "20", "--mqtt", broker.url], env=cli_env
    )
    assert result.exit_code == 0, result.output
    deadline = time.monotonic() + 5
    while agent.volume != 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert agent.volume == 20
    unknown = CliRunner().invoke(main, ["device", "command", "KHONGCO", "stop"], env=cli_env)
    assert unknown.exit_code == 1 and "KHONGCO" in unknown.output
