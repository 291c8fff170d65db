"""The listening page, bulletin pages, audio and the embeddable player."""

from . import bp  # noqa: F401
