"""The app for gunicorn, and the small gunicorn application `broadcast serve --workers N` runs.

``gunicorn web.wsgi:app`` gets the site as ``broadcast serve --no-scheduler`` builds it (no scheduler:
that runs once, in the ``serve`` process or ``broadcast scheduler``). ``app`` is built on first use,
so importing this module reads no settings and opens no database.

``python -m web.wsgi --host H --port P --workers N --threads T`` is the arbiter ``broadcast serve``
starts as its child: N gthread workers of T threads, each worker building its own app and engine
after the fork (no preload: no database connection is shared between processes).
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

GRACEFUL_TIMEOUT_S = 10  # a stopping worker finishes its requests for at most this long


def build():
    """The site with its own runtime (settings and database engine), as `serve --no-scheduler`."""
    from broadcast.runtime import open_runtime

    from . import create_app

    return create_app(runtime=open_runtime())


def freeze_heap() -> None:
    """Keep what the process holds once its app is built (about 200,000 objects: modules, SQLAlchemy's
    mappings, compiled templates) out of the cyclic garbage collector's passes.

    Why: each full collection walks all of them, 100 ms on an idle 2-core box and 250 ms under load, two
    or three times per worker in ten seconds at 1,000 requests/s; the API list's p99 was these pauses
    (280 ms, against 40-75 ms frozen). Call it once, in the serving process, after the app is built."""
    gc.collect()
    gc.freeze()


def __getattr__(name: str):
    # Module attribute ``app``, built once on first access (gunicorn's ``web.wsgi:app`` reads it in the worker).
    if name == "app":
        globals()["app"] = built = build()
        freeze_heap()
        return built
    raise AttributeError(name)


class GunicornServer(BaseApplication):
    """gunicorn configured in code: ``factory()`` gives each worker its app after the fork."""

    def __init__(self, factory: Callable, *, host: str, port: int, workers: int, threads: int):
        self.factory = factory
        self.options = {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "proc_name": "loa-phuong",
            "graceful_timeout": GRACEFUL_TIMEOUT_S,
            "errorlog": "-",
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        # gunicorn ≥ 24 opens a control socket (a file, and a thread in the master) by default: not wanted here.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self):
        app = self.factory()
        freeze_heap()
        return app


def _stop_with_parent(parent: int) -> None:
    """SIGTERM this arbiter when ``parent`` (`broadcast serve`, holding the scheduler) dies, even by SIGKILL:
    an orphaned arbiter would keep the port and the next `serve` could not start (Linux only)."""
    import ctypes
    import os
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the service manager stops the whole group instead
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.wsgi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--parent", type=int, default=None, help="stop when this process dies")
    args = parser.parse_args(argv)
    if args.parent:
        _stop_with_parent(args.parent)
    GunicornServer(build, host=args.host, port=args.port, workers=args.workers, threads=args.threads).run()


if __name__ == "__main__":
    main()
