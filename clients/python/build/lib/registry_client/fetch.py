"""Plain HTTP GETs for the command line, bounded in time and size."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 20
MAX_BYTES = 4 * 1024 * 1024


class FetchError(RuntimeError):
    pass


def fetch(url: str, path: str, query: dict[str, Any] | None = None) -> bytes:
    """GET ``path`` under the base ``url``; ``FetchError`` for anything but a 200."""
    target = urllib.parse.urljoin(url.rstrip("/") + "/", path.lstrip("/"))
    if query:
        target += "?" + urllib.parse.urlencode(query)
    if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {target}")
    try:
        with urllib.request.urlopen(target, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError) as error:
        raise FetchError(f"{target}: {error}") from error
    if len(body) > MAX_BYTES:
        raise FetchError(f"{target}: answer larger than {MAX_BYTES} bytes")
    return body


def fetch_json(url: str, path: str, query: dict[str, Any] | None = None) -> Any:
    try:
        return json.loads(fetch(url, path, query))
    except ValueError as error:
        raise FetchError(f"{path}: not JSON") from error
