"""Live broadcasts from a phone or a computer: sessions, their audio, their recordings (``sessions``).

The playout's side (putting the audio on air with break-in priority) is ``broadcast.playout.live``.
"""
