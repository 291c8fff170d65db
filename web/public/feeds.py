"""Podcast feeds (RSS 2.0)."""

from . import bp  # noqa: F401
