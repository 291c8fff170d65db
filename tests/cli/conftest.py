"""Fixtures of the CLI tests: one test module per ``broadcast/cli`` module, here in one place.

The programme and speech commands need the fixtures their packages' tests already build (a
rendered day of programmes, a fake gTTS); they are imported here rather than written twice.
The root ``tests/conftest.py`` (``cli_env``, ``session``, ``demo``...) applies as everywhere.
"""

from tests.programme.conftest import (  # noqa: F401 - pytest finds fixtures by name in a conftest
    clear_demo_bulletins,
    make_bulletin,
    rendered_day,
    shared_audio_cache,
    table_renderer,
    today,
)
from tests.speech.conftest import fake_gtts, speech_mp3  # noqa: F401
