"""One item's audio going out chunk by chunk (``streams.Streams.stream_pcm``): all of it to the sink, stop and
skip, an emergency at once or at the next pause, and a sink that fails for good."""

from __future__ import annotations

import array
import math

from broadcast.playout.channels import Control, EmergencyRequest
from broadcast.playout.config import PlayoutConfig
from broadcast.playout.sinks import SAMPLE_RATE, SinkError, bytes_to_ms
from broadcast.playout.streams import Streams


def tone(ms: int) -> bytes:
    n = SAMPLE_RATE * ms // 1000
    return array.array("h", (int(8000 * math.sin(2 * math.pi * 440 * i / SAMPLE_RATE)) for i in range(n))).tobytes()


def silence(ms: int) -> bytes:
    return bytes(2 * (SAMPLE_RATE * ms // 1000))


class Recorder:
    """A sink keeping what it was given; ``fail_after`` chunks, it fails for good."""

    label, lead_s = "recorder", 0.0

    def __init__(self, fail_after: int | None = None):
        self.chunks: list[bytes] = []
        self.fail_after = fail_after

    def write(self, pcm: bytes) -> bool:
        if self.fail_after is not None and len(self.chunks) >= self.fail_after:
            raise SinkError("Mất đầu ra.")
        self.chunks.append(pcm)
        return True


class Beats:
    def __init__(self):
        self.beats = []

    def heartbeat(self, key, run_id, aired_ms):
        self.beats.append(aired_ms)


def streams(sink, control=None) -> Streams:
    config = PlayoutConfig(speed=0, chunk_ms=100, pause_ms=300)
    return Streams(None, "MOLAO", sink, config, control or Control(), Beats())


def test_all_the_audio_goes_out():
    sink, pcm = Recorder(), tone(1000) + silence(250)
    out = streams(sink).stream_pcm(pcm, key="k", run_id=1, allow_emergency=True)
    assert (out.status, out.delivered, out.lost, out.emergency) == ("aired", 1250, 0, None)
    assert b"".join(sink.chunks) == pcm


def test_skip_and_stop_cut_the_item_and_say_why():
    control = Control()
    control.skip.set()
    out = streams(Recorder(), control).stream_pcm(tone(500), key="k", run_id=1, allow_emergency=True)
    assert (out.status, out.delivered) == ("skipped", 0) and not control.skip.is_set()
    control.stop.set()
    out = streams(Recorder(), control).stream_pcm(tone(500), key="k", run_id=1, allow_emergency=True)
    assert (out.status, out.reason) == ("interrupted", "Cán bộ đài dừng phát.")


def test_an_emergency_waits_for_a_pause_unless_immediate():
    pcm = tone(1000) + silence(500) + tone(1000)
    control = Control()
    pause = EmergencyRequest(run_id=2, items=[], break_mode="pause")
    control.request_emergency(pause)
    sink = Recorder()
    out = streams(sink, control).stream_pcm(pcm, key="k", run_id=1, allow_emergency=True)
    # cut once 300 ms of the silence went out, never inside the tone
    assert (out.status, out.emergency, out.delivered) == ("interrupted", pause, 1300)
    now = EmergencyRequest(run_id=3, items=[], break_mode="immediate")
    control.request_emergency(now)
    out = streams(Recorder(), control).stream_pcm(pcm, key="k", run_id=1, allow_emergency=True)
    assert (out.status, out.emergency, out.delivered) == ("interrupted", now, 0)
    # not allowed (an emergency airing): the request waits for someone else
    control.request_emergency(now)
    out = streams(Recorder(), control).stream_pcm(pcm, key="k", run_id=1, allow_emergency=False)
    assert (out.status, out.emergency) == ("aired", None) and control.take_emergency() is now


def test_a_sink_that_fails_loses_the_rest_of_the_item():
    pcm = tone(1000)
    out = streams(Recorder(fail_after=3)).stream_pcm(pcm, key="k", run_id=1, allow_emergency=True)
    assert (out.status, out.reason, out.delivered) == ("failed", "Mất đầu ra.", 300)
    assert out.delivered + out.lost == bytes_to_ms(len(pcm))
