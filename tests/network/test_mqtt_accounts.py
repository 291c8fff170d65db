"""Per-device broker accounts: the MQTT URL carries a login, and the repository's ACL example keeps each
device to its own topics on a real Mosquitto (allow_anonymous false, password_file, acl_file)."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

from broadcast.errors import ValidationError
from broadcast.network.bridge import ServerBridge
from broadcast.network.commands import queue_command
from broadcast.network.topics import MqttTarget, device_topic, parse_mqtt_url, redact_mqtt_url

from .conftest import MOSQUITTO, Broker
from .test_mqtt import command, wait_for

MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
ACCOUNTS = {"loaphuong-server": "may-chu-2025", "LOA01": "loa01-mat-khau", "KHAC01": "khac01-mat-khau"}


@pytest.mark.parametrize(
    "url, expected",
    [
        ("mqtt://10.0.0.5", MqttTarget("10.0.0.5", 1883)),
        ("mqtt://10.0.0.5:1884", MqttTarget("10.0.0.5", 1884)),
        ("mqtts://loa.example.vn", MqttTarget("loa.example.vn", 8883, tls=True)),
        ("mqtt://LOA01:p%40ss%3Aw@h:1883", MqttTarget("h", 1883, "LOA01", "p@ss:w")),
        ("mqtts://LOA01@h", MqttTarget("h", 8883, "LOA01", None, True)),
    ],
)
def test_mqtt_urls(url, expected):
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize(
    "url", ["http://h", "mqtt://", "mqtt://h:99999", "mqtt://:secret-pw@h", "tcp://LOA01:secret-pw@h"]
)
def test_bad_mqtt_urls_are_refused_without_showing_the_password(url):
    with pytest.raises(ValidationError) as caught:
        parse_mqtt_url(url)
    assert "secret-pw" not in caught.value.message and "MQTT" in caught.value.message


def test_the_password_is_redacted_in_logs():
    assert redact_mqtt_url("mqtt://LOA01:secret-pw@h:1883") == "mqtt://LOA01:***@h:1883"
    assert redact_mqtt_url("mqtt://h:1883") == "mqtt://h:1883"
    assert "secret-pw" not in repr(parse_mqtt_url("mqtt://LOA01:secret-pw@h"))


@pytest.fixture
def locked_broker(tmp_path, project_root):
    """Mosquitto with accounts and deploy/mosquitto/loaphuong.acl.example, as docs/deployment.md sets it up."""
    if not shutil.which(MOSQUITTO) and not MOSQUITTO.startswith("/"):
        pytest.skip("mosquitto is not installed")
    passwd = tmp_path / "loaphuong.passwd"
    passwd.touch(mode=0o600)
    for user, password in ACCOUNTS.items():
        subprocess.run([MOSQUITTO_PASSWD, "-b", str(passwd), user, password], check=True, capture_output=True)
    broker = Broker(tmp_path)
    acl = project_root / "deploy" / "mosquitto" / "loaphuong.acl.example"
    # Mosquitto started as root drops to the user "mosquitto", who could not read this test's files.
    broker.conf.write_text(
        f"user {getpass.getuser()}\nlistener {broker.port} 127.0.0.1\nallow_anonymous false\n"
        f"password_file {passwd}\nacl_file {acl}\npersistence false\nlog_dest file {broker.log}\n"
    )
    broker.start()
    yield broker
    broker.stop()


def login_url(broker: Broker, user: str, password: str | None = None) -> str:
    return f"mqtt://{user}:{password or ACCOUNTS[user]}@127.0.0.1:{broker.port}"


def test_devices_log_in_and_the_acl_keeps_each_to_its_own_commands(make_agent, locked_broker, runtime):
    bridge = ServerBridge(runtime, login_url(locked_broker, "loaphuong-server")).start()
    try:
        assert bridge.connected.wait(5)
        agent = make_agent(mqtt_url=login_url(locked_broker, "LOA01"))
        assert agent.sync_once() and agent.mqtt.connected.wait(5)
        # Another device's login subscribes to LOA01's commands: the ACL lets it subscribe, delivers nothing.
        heard = []
        spy = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="spy")
        spy.username_pw_set("KHAC01", ACCOUNTS["KHAC01"])
        spy.on_message = lambda client, userdata, message: heard.append(message.topic)
        spy.connect("127.0.0.1", locked_broker.port)
        spy.loop_start()
        spy.subscribe(device_topic("MOLAO", "LOA01", "cmd"), qos=1)
        time.sleep(0.3)
        with runtime.unit() as s:
            cmd_id = queue_command(s, "LOA01", "volume", {"level": 40}).id
        with runtime.unit() as s:
            from broadcast.domain.models import DeviceCommand

            bridge.send(s.get(DeviceCommand, cmd_id)).wait_for_publish(5)
        wait_for(lambda: command(runtime, cmd_id).status == "done")
        assert agent.volume == 40
        time.sleep(0.3)
        spy.loop_stop()
        spy.disconnect()
        assert heard == []
    finally:
        bridge.stop()


def test_a_wrong_password_never_connects(make_agent, locked_broker):
    agent = make_agent(mqtt_url=login_url(locked_broker, "LOA01", "sai-mat-khau"))
    assert agent.sync_once()  # HTTP still works: the device keeps its programme and its log
    assert agent.mqtt is not None and not agent.mqtt.connected.wait(2)
