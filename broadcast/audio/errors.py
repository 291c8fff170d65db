"""The audio layer's one error: a file or a step that ffmpeg could not handle."""

from __future__ import annotations

from ..errors import BroadcastError


class AudioError(BroadcastError):
    code = "audio_error"
    http_status = 422
