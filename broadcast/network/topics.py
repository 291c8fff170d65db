"""MQTT topic names and payload parsing, shared by the server bridge and the agent (docs/network.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from ..errors import ValidationError

ROOT = "loaphuong"
DEVICE_KINDS = ("state", "heartbeat", "cmd", "ack")
MAX_PAYLOAD = 64 * 1024


def device_topic(station: str, device: str, kind: str) -> str:
    assert kind in DEVICE_KINDS, kind
    return f"{ROOT}/{station}/{device}/{kind}"


def programme_topic(station: str) -> str:
    return f"{ROOT}/{station}/programme"


def parse_topic(topic: str) -> tuple[str, str | None, str] | None:
    """``(station, device, kind)`` for a device topic, ``(station, None, "programme")``, else None."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == ROOT and parts[3] in DEVICE_KINDS and parts[1] and parts[2]:
        return parts[1], parts[2], parts[3]
    if len(parts) == 3 and parts[0] == ROOT and parts[2] == "programme" and parts[1]:
        return parts[1], None, "programme"
    return None


def parse_payload(payload: bytes) -> dict | None:
    """A JSON object, or None for anything else (malformed messages are logged and ignored by callers)."""
    if len(payload) > MAX_PAYLOAD:
        return None
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def dumps(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class MqttTarget:
    """Where and how to reach the broker: ``mqtt[s]://[USER[:PASSWORD]@]HOST[:PORT]``."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False

    def apply(self, client) -> None:
        """Give a paho client the account (a per-device login the broker's ACL knows) and TLS (the system's CAs)."""
        if self.username:
            client.username_pw_set(self.username, self.password)
        if self.tls:
            client.tls_set()


def parse_mqtt_url(url: str) -> MqttTarget:
    """``mqtt://HOST[:PORT]`` (port 1883) or ``mqtts://`` (TLS, port 8883), optionally with ``USER:PASSWORD@``
    (percent-encoded) for a broker with per-device accounts (deploy/mosquitto/loaphuong.acl.example)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValidationError(
            f"Địa chỉ MQTT {redact_mqtt_url(url)!r} không hợp lệ: dùng mqtt://MÁY:CỔNG hoặc "
            "mqtts://TÀI_KHOẢN:MẬT_KHẨU@MÁY:CỔNG.",
            field="mqtt",
        )
    try:
        port = parts.port
    except ValueError:
        raise ValidationError(f"Cổng trong địa chỉ MQTT {redact_mqtt_url(url)!r} không hợp lệ.", field="mqtt") from None
    tls = parts.scheme == "mqtts"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise ValidationError("Địa chỉ MQTT có mật khẩu nhưng thiếu tên tài khoản.", field="mqtt")
    return MqttTarget(parts.hostname, port or (8883 if tls else 1883), username, password, tls)


def redact_mqtt_url(url: str) -> str:
    """The URL with its password hidden, for logs and messages."""
    parts = urlsplit((url or "").strip())
    if parts.password is None:
        return (url or "").strip()
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


# --- signatures ------------------------------------------------------------------------------
# The broker may be open (anonymous, as in the tests and many ward LANs), so messages between the server and a
# device are signed with HMAC-SHA256 under the device's key: the SHA-256 of its token, which the agent computes
# and the server stores (``Device.token_hash``). A message without a valid signature is ignored. The station's
# "programme changed" notice is not signed: all it can cause is a re-sync.


def device_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mac(body: dict, key: str) -> str:
    canonical = json.dumps(
        {k: v for k, v in body.items() if k != "sig"}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def sign(body: dict, key: str, now: datetime | None = None) -> dict:
    signed = dict(body, ts=(now or datetime.now(UTC)).isoformat())
    signed["sig"] = _mac(signed, key)
    return signed


def verify(body: dict | None, key: str, now: datetime | None = None, max_age_s: float | None = None) -> bool:
    """A valid signature (and, with ``max_age_s``, a timestamp that recent: a replayed command is refused)."""
    if body is None or not isinstance(body.get("sig"), str) or not hmac.compare_digest(body["sig"], _mac(body, key)):
        return False
    if max_age_s is None:
        return True
    try:
        ts = datetime.fromisoformat(str(body.get("ts")))
    except ValueError:
        return False
    return ts.tzinfo is not None and abs(((now or datetime.now(UTC)) - ts).total_seconds()) <= max_age_s
