"""Loa Phường core library: domain, speech, audio, programme, playout, reports.

Nothing in this package imports Flask: the web app in ``web/`` is a thin layer
over it, and the CLI and the scheduler use it directly.
"""

__version__ = "0.1.0"
