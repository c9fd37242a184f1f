"""Services' background workers (relays, consumers, schedulers) as threads in a test."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def workers_running(settings, *definitions) -> Iterator[None]:
    stop = threading.Event()
    workers = [worker for definition in definitions for worker in definition.workers(settings)]
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
