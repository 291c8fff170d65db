"""The `broadcast` command.

Every command prints one clear sentence on an expected failure (a
``BroadcastError``) and exits 1, never a stack trace.
"""

from __future__ import annotations

import sys

import click

from ..errors import BroadcastError


class FriendlyGroup(click.Group):
    """Turns BroadcastError into a one-line message and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BroadcastError as exc:
            click.echo(f"Lỗi: {exc.message}", err=True)
            sys.exit(1)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loa-phuong", prog_name="broadcast")
def main():
    """Loa Phường: lập lịch và phát sóng cho đài truyền thanh phường, xã."""


# Each module lists its click commands in COMMANDS; add a module here to add its commands.
_MODULES = (
    "core",
    "maintenance",
    "speech",
    "programme",
    "playout",
    "reports",
    "device",
    "sources",
    "agent",
    "netdemo",
    "publishing",
    "wards",
)


def _register() -> None:
    from importlib import import_module

    for name in _MODULES:
        for command in import_module(f"{__name__}.{name}").COMMANDS:
            main.add_command(command)


_register()
