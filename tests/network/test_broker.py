"""The suite's own broker answers on its loopback port (and is not the machine's 1883)."""

import threading

import paho.mqtt.client as mqtt


def test_own_broker_round_trip(broker):
    assert broker.port != 1883
    got = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="t")
    client.on_message = lambda c, u, m: got.set() if m.payload == b"xin chao" else None
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        client.subscribe("loaphuong/test", qos=1)
        client.publish("loaphuong/test", b"xin chao", qos=1)
        assert got.wait(3)
    finally:
        client.loop_stop()
        client.disconnect()


def test_the_server_bridge_starts_only_with_an_mqtt_url(runtime, broker):
    from broadcast.network.bridge import start_configured
    from broadcast.runtime import Runtime

    assert start_configured(Runtime(runtime.settings.with_(mqtt_url=None), runtime.engine)) is None
    bridge = start_configured(Runtime(runtime.settings.with_(mqtt_url=broker.url), runtime.engine))
    try:
        assert bridge.connected.wait(5) and bridge._pump_thread is not None  # the one publisher: pump on
    finally:
        bridge.stop()
