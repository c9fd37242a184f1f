"""One worker of a benchmark rebuild: the verification projection's consumer, filling
the collection named on the command line under its own consumer group, until stopped.
Several started with the same names share the topics' partitions (stack backend).
Once ready to read it writes ``GO.<pid>``, and starts when the file ``GO`` exists, so
that the time measured is the rebuild's, not the interpreter's start.

    python -m bench.rebuild_worker COLLECTION CONSUMER GO
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from services.verification.bootstrap import SERVICE
from services.verification.projections import RecruiterStatus
from shared.consumer import ConsumerRunner
from shared.readmodels.writebehind import WriteBehind


def main(collection: str, consumer: str, go: str) -> None:
    parts = SERVICE.parts()
    projection = RecruiterStatus(WriteBehind(parts.read_models))
    projection.collection = collection
    projection.create_indexes()
    source = parts.backend.source("verification", consumer, projection.topics)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    Path(f"{go}.{os.getpid()}").touch()
    while not Path(go).exists() and not stop.is_set():
        time.sleep(0.01)
    try:
        ConsumerRunner(source, projection, parts.backend.schemas).run_until_stopped(stop)
    finally:
        source.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
