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
