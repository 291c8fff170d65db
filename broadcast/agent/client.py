"""The agent's HTTP side: the agent API with the device token (docs/network.md)."""

from __future__ import annotations

import requests

TIMEOUT = (5, 30)  # connect, read


class ServerError(Exception):
    """The server could not be reached or answered with an error; the caller retries later."""


class AgentClient:
    def __init__(self, server: str, token: str):
        self.base = server.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.http.headers["User-Agent"] = "loaphuong-agent"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/api/") else "/api/v1/agent/" + path.lstrip("/"))

    def _json(self, method: str, path: str, **kw) -> dict:
        try:
            answer = self.http.request(method, self.url(path), timeout=TIMEOUT, **kw)
        except requests.RequestException as exc:
            raise ServerError(f"không kết nối được máy chủ: {exc.__class__.__name__}") from None
        if answer.status_code >= 400:
            try:
                message = answer.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = answer.reason
            raise ServerError(f"{answer.status_code}: {message}")
        return answer.json()

    def manifest(self, days: int) -> dict:
        return self._json("GET", "manifest", params={"days": days})

    def deliver(self, rows: list[dict]) -> dict:
        return self._json("POST", "asrun", json={"rows": rows})

    def status(self, body: dict) -> dict:
        return self._json("POST", "status", json=body)

    def commands(self) -> list[dict]:
        return self._json("GET", "commands").get("items", [])

    def ack(self, command_id: int, ok: bool, result: str | None) -> dict:
        return self._json("POST", f"commands/{command_id}/ack", json={"ok": ok, "result": result})

    def download(self, path: str, target, chunk: int = 1 << 16):
        """Stream ``path`` into the open binary file ``target``."""
        try:
            with self.http.get(self.url(path), timeout=TIMEOUT, stream=True) as answer:
                if answer.status_code >= 400:
                    raise ServerError(f"{answer.status_code}: tải tệp thất bại")
                for part in answer.iter_content(chunk):
                    target.write(part)
        except requests.RequestException as exc:
            raise ServerError(f"không tải được tệp: {exc.__class__.__name__}") from None
