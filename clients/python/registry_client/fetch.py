"""Plain HTTP calls for the client and the command line, bounded in time and size."""

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


class ProblemAnswer(FetchError):
    """The registry answered with an RFC 9457 problem (or another error status)."""

    def __init__(self, target: str, status: int, problem: dict[str, Any]):
        super().__init__(f"{target}: {status} {problem.get('detail') or problem.get('title')}")
        self.status, self.problem = status, problem


def fetch(
    url: str,
    path: str,
    query: dict[str, Any] | None = None,
    body: Any | None = None,
    token: str | None = None,
    method: str | None = None,
    csv: str | None = None,
) -> bytes:
    """GET ``path`` under the base ``url`` (POST when given a JSON ``body`` or ``csv``
    text; another ``method`` when named), with a bearer ``token`` when given;
    ``FetchError`` for anything but a 2xx."""
    target = urllib.parse.urljoin(url.rstrip("/") + "/", path.lstrip("/"))
    if query:
        target += "?" + urllib.parse.urlencode(query)
    if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {target}")
    request = urllib.request.Request(target, method=method)  # noqa: S310 (scheme checked)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if csv is not None:
        request.data = csv.encode()
        request.add_header("Content-Type", "text/csv")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise ProblemAnswer(target, error.code, _problem(error.read(MAX_BYTES))) from error
    except (urllib.error.URLError, OSError) as error:
        raise FetchError(f"{target}: {error}") from error
    if len(answer) > MAX_BYTES:
        raise FetchError(f"{target}: answer larger than {MAX_BYTES} bytes")
    return answer


def fetch_json(
    url: str, path: str, query: dict[str, Any] | None = None, body: Any | None = None, **how: Any
) -> Any:
    """As ``fetch``; the answer read as JSON (an empty answer is None)."""
    try:
        answer = fetch(url, path, query, body, **how)
        return json.loads(answer) if answer else None
    except ValueError as error:
        raise FetchError(f"{path}: not JSON") from error


def _problem(raw: bytes) -> dict[str, Any]:
    try:
        problem = json.loads(raw)
    except ValueError:
        return {}
    return problem if isinstance(problem, dict) else {}
