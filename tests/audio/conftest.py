import subprocess

import pytest


def make_tone(path, *, seconds=2.0, freq=440, volume_db=-20.0, lead_silence=0.0, tail_silence=0.0):
    """A sine tone peaking at ``volume_db`` dBFS, with optional silence around it."""
    amplitude = 10 ** (volume_db / 20)
    chain = "anull"
    if lead_silence:
        chain += f",adelay={int(lead_silence * 1000)}:all=1"
    if tail_silence:
        chain += f",apad=pad_dur={tail_silence}"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"aevalsrc={amplitude:.8f}*sin(2*PI*{freq}*t):s=44100:d={seconds}",
            "-af",
            chain,
            "-c:a",
            "pcm_s16le",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture
def tone(tmp_path):
    return make_tone(tmp_path / "tone.wav")
