import subprocess

import pytest


@pytest.fixture(scope="session")
def speech_mp3(tmp_path_factory):
    """A short real MP3 of speech, standing in for what Google would send."""
    folder = tmp_path_factory.mktemp("fake-gtts")
    wav, mp3 = folder / "s.wav", folder / "s.mp3"
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(wav), "xin chào bà con"], check=True)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav), str(mp3)], check=True)
    return mp3.read_bytes()


class FakeGTTS:
    """Replaces gtts.gTTS: records calls, writes a real MP3 on save()."""

    def __init__(self, mp3_bytes, errors=()):
        self.mp3_bytes = mp3_bytes
        self.errors = list(errors)
        self.calls = []

    def __call__(self, text, **kwargs):
        self.calls.append((text, kwargs))
        fake = self

        class _Instance:
            def save(self, path):
                if fake.errors:
                    raise fake.errors.pop(0)
                with open(path, "wb") as fh:
                    fh.write(fake.mp3_bytes)

        return _Instance()


@pytest.fixture
def fake_gtts(speech_mp3, monkeypatch):
    fake = FakeGTTS(speech_mp3)
    monkeypatch.setattr("broadcast.speech.engines.gtts.gTTS", fake)
    return fake
