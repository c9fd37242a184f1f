"""Separate processes for the end-to-end pipeline test: writer, relay, consumer.

``python -m tests.e2e.processes ROLE`` with the settings in the environment. The
``relay-then-hang`` role publishes one batch and then stops dead before marking it,
so the test can SIGKILL it at exactly that point.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from shared.backend import open_backend
from shared.config import Settings
from shared.consumer import ConsumerRunner
from tests.contract.helpers import notice_events
from tests.fixtures.notices import SERVICE, NoticeBoard, schemas


def backend():
    return open_backend(Settings.from_env(), schemas())


def write(streams: int, amendments: int) -> None:
    store = backend().event_store(SERVICE)
    for n in range(streams):
        stream = f"notice-{n}"
        store.append(stream, 0, notice_events(stream, 1, 1))
        for version in range(2, amendments + 2):
            store.append(stream, version - 1, notice_events(stream, version, 1))


def relay() -> None:
    _run_until_signalled(backend().relay(SERVICE).run_until_stopped)


def relay_then_hang(marker: Path) -> None:
    outbox = backend().relay(SERVICE)

    def hang(_commits):
        marker.write_text("published, not marked")
        time.sleep(3600)

    outbox.store.mark_published = hang
    while outbox.relay_once() == 0:
        time.sleep(0.1)


def consume() -> None:
    parts = backend()
    board = NoticeBoard(parts.read_models("reader"))
    source = parts.source("reader", board.name, board.topics)
    _run_until_signalled(ConsumerRunner(source, board, parts.schemas).run_until_stopped)


def _run_until_signalled(run) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    run(stop)


if __name__ == "__main__":
    role, arguments = sys.argv[1], sys.argv[2:]
    if role == "write":
        write(int(arguments[0]), int(arguments[1]))
    elif role == "relay":
        relay()
    elif role == "relay-then-hang":
        relay_then_hang(Path(arguments[0]))
    elif role == "consume":
        consume()
    else:
        raise SystemExit(f"unknown role {role}")
