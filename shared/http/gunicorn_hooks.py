"""gunicorn server hooks (``-c python:shared.http.gunicorn_hooks``)."""

from __future__ import annotations

import os

from prometheus_client import multiprocess

from shared.http.observability import MULTIPROCESS_DIR


def child_exit(_server, worker) -> None:
    # A dead worker's live gauges would otherwise be summed forever; its counters stay.
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(worker.pid)
