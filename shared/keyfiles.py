"""Secret files created once under the data directory, readable by their owner only."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes, writing ``make()`` first if it is absent; processes starting at
    the same time agree on one content, since only the first link succeeds."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Unique across hosts too: containers sharing a volume can have equal process ids.
        temporary = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(make())
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_bytes()
