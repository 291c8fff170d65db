"""An emergency for the devices of agent stations: audio fetched on demand and verified, then aired
(tests/network/test_airing_emergency.py airs real audio)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from broadcast.domain.models import Bulletin, DeviceCommand, Station
from broadcast.errors import Conflict, NotFound
from broadcast.network.commands import emergency_to_devices, queue_command


@pytest.fixture
def urgent(runtime, network, tmp_path):
    audio = tmp_path / "khan.wav"
    audio.write_bytes(b"tin khan cap " * 500)
    with runtime.unit() as s:
        bulletin = s.scalars(select(Bulletin).order_by(Bulletin.id)).first()
        bulletin.recording_path = str(audio)
        bulletin.all_stations = False
        bulletin.stations = [s.scalar(select(Station).where(Station.code == "MOLAO"))]
        return {"id": bulletin.id, "sha256": hashlib.sha256(audio.read_bytes()).hexdigest()}


def test_emergency_reaches_only_the_target_stations_devices(runtime, urgent):
    with runtime.unit() as s:
        commands = emergency_to_devices(s, s.get(Bulletin, urgent["id"]))
        assert [c.device.code for c in commands] == ["LOA01"]
        assert commands[0].args["sha256"] == urgent["sha256"] and "path" not in commands[0].args


def test_agent_fetches_the_emergency_audio_on_demand(make_agent, runtime, urgent, client, network):
    with runtime.unit() as s:
        cmd_id = emergency_to_devices(s, s.get(Bulletin, urgent["id"]))[0].id
    agent = make_agent()
    agent.report_once()  # no broker: polled over HTTP
    assert agent.media.verified(urgent["sha256"]) is not None
    with runtime.unit() as s:
        cmd = s.get(DeviceCommand, cmd_id)
        assert cmd.status == "done" and "tin khẩn" in cmd.result  # downloaded, then aired (this audio is not
        # decodable: the Player logs it skipped with the reason)
    other = client.get(
        f"/api/v1/agent/media/{urgent['sha256']}", headers={"Authorization": f"Bearer {network['other_token']}"}
    )
    assert other.status_code == 404


def test_emergency_needs_a_real_bulletin_with_audio(session, network):
    with pytest.raises(NotFound):
        queue_command(session, "LOA01", "emergency", {"bulletin_id": 99999})
    bulletin = session.scalars(select(Bulletin).order_by(Bulletin.id.desc())).first()
    bulletin.recording_path = None
    with pytest.raises(Conflict):
        queue_command(session, "LOA01", "emergency", {"bulletin_id": bulletin.id})


def _submitted_emergency(s, recording):
    from broadcast.bulletins import workflow
    from broadcast.domain.models import User

    bulletin = s.scalars(select(Bulletin).where(Bulletin.status == "submitted").order_by(Bulletin.id)).first()
    bulletin.priority = "emergency"
    bulletin.recording_path = recording
    bulletin.all_stations = False
    bulletin.stations = [s.scalar(select(Station).where(Station.code == "MOLAO"))]
    today = workflow.local_today(s)
    bulletin.valid_from, bulletin.valid_until = today, today
    return bulletin, s.scalar(select(User).where(User.username == "lanhdao"))


def test_approving_an_emergency_sends_it_to_the_agent_stations_devices(runtime, network, tmp_path):
    from broadcast.bulletins import workflow

    audio = tmp_path / "khan.wav"
    audio.write_bytes(b"tin khan cap " * 500)
    with runtime.unit() as s:
        bulletin, approver = _submitted_emergency(s, str(audio))
        workflow.approve(s, bulletin, approver, "Phát ngay.")
        bulletin_id = bulletin.id
    with runtime.unit() as s:
        (cmd,) = s.scalars(select(DeviceCommand).where(DeviceCommand.action == "emergency")).all()
        assert cmd.device.code == "LOA01" and cmd.args["bulletin_id"] == bulletin_id
        assert s.get(Bulletin, bulletin_id).status == "approved"


def test_an_emergency_without_audio_is_still_approved(runtime, network):
    from broadcast.bulletins import workflow

    with runtime.unit() as s:
        bulletin, approver = _submitted_emergency(s, None)
        workflow.approve(s, bulletin, approver)
        bulletin_id = bulletin.id
    with runtime.unit() as s:
        assert s.get(Bulletin, bulletin_id).status == "approved"  # the server's stations still air it
        assert s.scalars(select(DeviceCommand)).all() == []  # no audio to send yet: logged


def test_the_playout_loop_renders_a_waiting_emergency_and_sends_it_once(runtime, network):
    from broadcast.bulletins import workflow
    from broadcast.domain.types import utcnow
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.emergency import send_to_devices

    with runtime.unit() as s:
        bulletin, approver = _submitted_emergency(s, None)
        bulletin.body = "Khẩn cấp: nước lũ đang lên, bà con tổ dân phố số 5 di chuyển lên nơi cao."
        workflow.approve(s, bulletin, approver)
        bulletin_id = bulletin.id
    config, retry = PlayoutConfig.load(runtime), {}
    assert send_to_devices(runtime, config, utcnow(), retry) == 1  # rendered with espeak-ng, then sent
    assert send_to_devices(runtime, config, utcnow(), retry) == 0  # already sent: not twice
    with runtime.unit() as s:
        (cmd,) = s.scalars(select(DeviceCommand)).all()
        assert cmd.device.code == "LOA01" and cmd.args["bulletin_id"] == bulletin_id and cmd.args["sha256"]


def test_a_waiting_emergency_whose_audio_cannot_be_made_is_tried_again_a_minute_later(runtime, network):
    from datetime import timedelta

    from broadcast.bulletins import workflow
    from broadcast.domain.types import utcnow
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.emergency import send_to_devices

    with runtime.unit() as s:
        bulletin, approver = _submitted_emergency(s, None)
        bulletin.body = "... !!! ..."  # nothing a voice can read
        workflow.approve(s, bulletin, approver)
    config, retry, now = PlayoutConfig.load(runtime), {}, utcnow()
    assert send_to_devices(runtime, config, now, retry) == 0 and list(retry.values()) == [now + timedelta(seconds=60)]
    with runtime.unit() as s:
        assert s.scalars(select(DeviceCommand)).all() == []


def test_an_uploaded_recording_kept_relative_to_the_data_dir_is_found(runtime, network):
    folder = runtime.settings.data_dir / "recordings"
    folder.mkdir(exist_ok=True)
    (folder / "khan.wav").write_bytes(b"tin khan cap " * 500)
    with runtime.unit() as s:
        bulletin = s.scalars(select(Bulletin).order_by(Bulletin.id)).first()
        bulletin.recording_path = "recordings/khan.wav"  # as the upload stores it
        bulletin.all_stations = False
        bulletin.stations = [s.scalar(select(Station).where(Station.code == "MOLAO"))]
        (cmd,) = emergency_to_devices(s, bulletin)
        assert cmd.args["sha256"] == hashlib.sha256(b"tin khan cap " * 500).hexdigest()


def test_an_emergency_for_some_clusters_reaches_only_the_devices_that_serve_them(runtime, urgent):
    from broadcast.domain.models import Cluster
    from broadcast.network.devices import add_device

    with runtime.unit() as s:
        add_device(s, "LOA02", "MOLAO", "TDP03")  # another residential group
        add_device(s, "LOA03", "MOLAO")  # the whole station
        bulletin = s.get(Bulletin, urgent["id"])
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        bulletin.clusters = [
            c for c in s.scalars(select(Cluster).where(Cluster.station_id == molao.id)) if c.code == "TDP01"
        ]
        assert [c.device.code for c in emergency_to_devices(s, bulletin)] == ["LOA01", "LOA03"]
        bulletin.clusters = []  # for everyone
        assert [c.device.code for c in emergency_to_devices(s, bulletin)] == ["LOA01", "LOA02", "LOA03"]
