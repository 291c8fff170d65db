"""Live broadcasts on stations aired by their agents: only the devices serving the chosen clusters get the
``live`` command; the agent pulls the audio as it arrives, airs chime, voice, chime, and its rows reach the
server (stored against the command, refused for a session it was never sent)."""

from __future__ import annotations

import subprocess
import threading
import time

from sqlalchemy import select

from broadcast.domain.models import DeviceCommand, User
from broadcast.live import sessions as live_sessions
from broadcast.network.commands import command_json
from broadcast.network.devices import add_device
from broadcast.playout import live as playout_live
from broadcast.playout.config import PlayoutConfig
from broadcast.playout.service import PlayoutService

from .airing_helpers import server_rows, wait_for
from .test_agent_api import AGENT, bearer, row

#: the speaker waits for the opening chime (about 2.2 s) before talking, as the page tells them to
WAIT_MS = 2600


def webm(path, seconds: float) -> bytes:
    """What a browser sends (Opus in WebM, constant bit rate so bytes are time): ``WAIT_MS`` of silence, then
    a tone of ``seconds``."""
    src = f"sine=frequency=1000:duration={seconds},adelay={WAIT_MS}:all=1"
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-ac", "1", "-c:a", "libopus", "-vbr", "off"]
    subprocess.run([*cmd, "-b:a", "32k", "-f", "webm", str(path)], check=True)
    return path.read_bytes()


def as_user(session, username):
    return session.scalar(select(User).where(User.username == username))


def go_live(runtime, data: bytes, clusters) -> int:
    with runtime.unit() as s:
        live = live_sessions.start_live(s, runtime.settings, as_user(s, "vanhanh"), ["MOLAO"], clusters=clusters)
        live_sessions.add_chunk(s, as_user(s, "vanhanh"), live.id, data[:600])
        return live.id


def speak_on(runtime, live_id: int, data: bytes, seconds: float) -> threading.Thread:
    """The rest of the audio in real time, then the stop button."""

    def go():
        step = int(len(data) / seconds * 0.25) + 1
        for i in range(600, len(data), step):
            with runtime.unit() as s:
                live_sessions.add_chunk(s, as_user(s, "vanhanh"), live_id, data[i : i + step])
            time.sleep(0.25)
        with runtime.unit() as s:
            live_sessions.stop_live(s, runtime.settings, as_user(s, "vanhanh"), live_id)

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def test_live_reaches_only_the_devices_of_the_chosen_clusters_and_airs_on_the_agent(
    runtime, network, live_server, make_agent, tmp_path
):
    with runtime.unit() as s:
        add_device(s, "LOA05", "MOLAO", "TDP05")  # a loudspeaker of another residential group
    data = webm(tmp_path / "voice.webm", 3.0)
    live_id = go_live(runtime, data, ["TDP01"])
    playout_live.poll(PlayoutService(runtime, PlayoutConfig()))
    with runtime.unit() as s:
        sent = s.scalars(select(DeviceCommand).where(DeviceCommand.action == "live")).all()
        assert [c.device.code for c in sent] == ["LOA01"]  # not LOA05 (TDP05), not KHAC01 (another station)
        command = command_json(sent[0])
    assert command["args"]["live_id"] == live_id and command["args"]["chime_sha256"]
    agent = make_agent()
    assert agent.sync_once()
    speaker = speak_on(runtime, live_id, data, 3.0 + WAIT_MS / 1000)
    assert agent.run_command(command) == (True, "Đang phát trực tiếp.")
    assert agent.run_command(command) == (True, "Buổi phát trực tiếp này đã được phát.")  # once per command
    speaker.join(15)

    def delivered():
        agent.deliver_once()
        return len([r for r in server_rows(runtime) if r.kind == "live"]) == 3

    wait_for(delivered, timeout=30)
    rows = [r for r in server_rows(runtime) if r.kind == "live"]
    titles = [r.title for r in sorted(rows, key=lambda r: r.position)]
    assert titles == [
        "Chuông mở đầu phát trực tiếp",
        "Phát trực tiếp: Nguyễn Văn Hạnh (cán bộ đài)",
        "Chuông kết thúc phát trực tiếp",
    ]
    voice = next(r for r in rows if r.position == 1)
    assert voice.status == "aired" and voice.aired_ms >= 2500 and voice.sink == "agent:LOA01"


def test_a_live_row_for_a_session_never_sent_is_refused(client, network, runtime):
    body = row(network, position=1, kind="live", live_id=999, session=None, title="Phát trực tiếp: ai?")
    answer = client.post(f"{AGENT}/asrun", json={"rows": [body]}, headers=bearer(network["token"]))
    assert answer.json["rejected"][0]["reason"] == "Thiết bị không nhận lệnh phát trực tiếp nào cho buổi 999."


def test_an_agent_cannot_pull_another_stations_live_audio(client, network, runtime, tmp_path):
    live_id = go_live(runtime, webm(tmp_path / "v.webm", 0.5), None)
    assert client.get(f"{AGENT}/live/{live_id}", headers=bearer(network["other_token"])).status_code == 404
    with runtime.unit() as s:
        live_sessions.stop_live(s, runtime.settings, as_user(s, "vanhanh"), live_id)
    mine = client.get(f"{AGENT}/live/{live_id}", headers=bearer(network["token"]))
    assert mine.status_code == 200 and mine.data.startswith(b"\x1a\x45\xdf\xa3")  # all of it, then the end
