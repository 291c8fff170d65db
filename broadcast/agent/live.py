"""A live broadcast on an agent's loudspeakers: the server's ``live`` command, the audio pulled as it arrives.

The agent streams the session's audio from ``/api/v1/agent/live/ID`` into a local file (and marks its end
when the stream ends: the speaker stopped, or their connection dropped) and airs it exactly as the server's
playout does: break in at once (or air alone when idle), the chime, the voice through ``LiveFeed``, the chime,
then resume.  Claimed per command, so a command sent twice airs once; the rows carry the session's id to the
server through the run's claim key (``store.live_ids``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..domain.types import utcnow
from ..live.sessions import end_marker
from ..playout.channels import EmergencyRequest
from ..playout.claims import claim_key, claim_run
from ..playout.items import Item, probe_ms
from .client import ServerError
from .store import STATION_ID

log = logging.getLogger("broadcast.agent")


def _pull(client, url: str, path: Path) -> None:
    """Stream the audio into ``path`` as it arrives, then mark its end (whatever ended it)."""
    try:
        with open(path, "ab", buffering=0) as target:
            client.download(url, target, chunk=1024)
    except (ServerError, OSError) as exc:
        log.warning("live audio %s: %s", url, exc)
    finally:
        end_marker(path).touch()


def _items(args: dict, path: Path, chime: Path | None) -> list[Item]:
    speaker = str(args.get("speaker") or "?")
    voice = Item(
        position=1,
        title=f"Phát trực tiếp: {speaker}"[:300],
        audio_path=None,
        duration_ms=0,
        kind="live",
        live={"id": args["live_id"], "path": str(path), "container": args.get("container") or "matroska",
              "speaker": speaker},
    )  # fmt: skip
    if chime is None:
        return [voice]
    ms = probe_ms(str(chime))

    def bell(position: int, title: str) -> Item:
        return Item(position=position, title=title, audio_path=str(chime), duration_ms=ms, kind="live")

    return [bell(0, "Chuông mở đầu phát trực tiếp"), voice, bell(2, "Chuông kết thúc phát trực tiếp")]


def air_live(playout, client, command: dict, chime: Path | None) -> tuple[bool, str | None]:
    """Go live on this device: pull the audio, break in (or air alone), acknowledge with a sentence."""
    args = command.get("args") or {}
    live_id = args["live_id"]
    now = utcnow()
    run_id = claim_run(
        playout.runtime,
        station_id=STATION_ID,
        kind="live",
        claim_key=claim_key("live", live_id, STATION_ID, f"cmd{command.get('id')}"),
        air_date=now.astimezone(playout.runtime.settings.tz).date(),
        session_code=None,
        programme_id=None,
        scheduled_start=now,
        holder=playout.holder,
        sink=None,
        status="pending",
    )
    if run_id is None:
        return True, "Buổi phát trực tiếp này đã được phát."
    folder = playout.runtime.settings.subdir("live")
    path = folder / f"live-{live_id}.media"
    path.touch()
    threading.Thread(target=_pull, args=(client, args["audio"], path), name=f"live-pull-{live_id}", daemon=True).start()
    request = EmergencyRequest(
        run_id=run_id, items=_items(args, path, chime), break_mode="immediate", after=playout.config.emergency_after,
        kind=None,
    )  # fmt: skip
    if playout.channel.queue_emergency(request):
        return True, "Đang chen ngang buổi phát để phát trực tiếp."

    def alone():
        try:
            playout.air_emergency_alone(request)
        finally:
            playout.release()

    threading.Thread(target=alone, name=f"agent-live-{run_id}", daemon=True).start()
    return True, "Đang phát trực tiếp."
