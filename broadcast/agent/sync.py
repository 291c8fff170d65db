"""Keeping the station's programme and audio on the agent's disk.

Audio is content-addressed: ``media/<sha256>``. A download is hashed while it streams and kept only if
it matches; a local file is checked again before use, and a file that no longer matches (tampered,
truncated by a full disk) is deleted, downloaded again, and never handed to the player. The latest
manifest is kept in ``manifest.json`` (written atomically) so the agent works on without the server.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .client import AgentClient, ServerError

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class SyncResult:
    version: str | None = None
    downloaded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # sha256 -> why
    missing: list[str] = field(default_factory=list)  # items the server itself has no audio for
    clock_offset_s: float | None = None  # server clock minus the agent's


class MediaStore:
    def __init__(self, data_dir: Path):
        self.dir = Path(data_dir) / "media"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._verified: dict[str, tuple[int, int]] = {}  # sha -> (size, mtime_ns) last seen good

    def path(self, sha: str) -> Path:
        return self.dir / sha

    def verified(self, sha: str) -> Path | None:
        """The local file if its bytes still hash to ``sha``; a mismatching file is deleted."""
        path = self.path(sha)
        try:
            st = path.stat()
        except OSError:
            return None
        if self._verified.get(sha) == (st.st_size, st.st_mtime_ns):
            return path
        if sha256_of(path) != sha:
            log.warning("media %s does not match its hash (tampered or truncated): deleted", sha[:12])
            path.unlink(missing_ok=True)
            self._verified.pop(sha, None)
            return None
        self._verified[sha] = (st.st_size, st.st_mtime_ns)
        return path

    def fetch(self, client: AgentClient, sha: str, url: str) -> Path:
        """Download into a temporary file, check the hash, then rename into place."""
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                client.download(url, f)
            if sha256_of(Path(tmp)) != sha:
                raise ServerError("tệp tải về không khớp mã băm")
            os.replace(tmp, self.path(sha))
        finally:
            Path(tmp).unlink(missing_ok=True)
        return self.verified(sha)


def load_manifest(data_dir: Path) -> dict | None:
    try:
        return json.loads((Path(data_dir) / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def save_manifest(data_dir: Path, manifest: dict) -> None:
    target = Path(data_dir) / MANIFEST
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    os.replace(tmp, target)


def sync(client: AgentClient, store: MediaStore, data_dir: Path, days: int = 3) -> SyncResult:
    """Fetch the manifest and every audio file it needs that is not here and good. Raises ServerError when
    the manifest cannot be fetched (the local copy stays as it was)."""
    sent = time.time()
    manifest = client.manifest(days)
    received = time.time()
    result = SyncResult(version=manifest.get("version"), missing=list(manifest.get("missing") or []))
    try:  # the server's clock minus ours, taking the middle of the round trip as "when it answered"
        server = datetime.fromisoformat(str(manifest.get("server_time"))).timestamp()
        result.clock_offset_s = server - (sent + received) / 2
    except ValueError:
        pass
    for session in manifest.get("sessions", []):
        for item in session.get("items", []):
            sha, url = item.get("sha256"), item.get("media")
            if not sha or not url or store.verified(sha) is not None or sha in result.failed:
                continue
            for attempt in (1, 2):  # one retry: a broken transfer is common on 3G
                try:
                    store.fetch(client, sha, url)
                    result.downloaded.append(sha)
                    break
                except ServerError as exc:
                    if attempt == 2:
                        result.failed[sha] = str(exc)
                        log.warning("media %s not downloaded: %s", sha[:12], exc)
    save_manifest(data_dir, manifest)
    return result
