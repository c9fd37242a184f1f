"""What each page of the public site weighs and how long the site takes to serve it.

    .venv/bin/python -m bench.site_pages [--requests N] [--language L]

Runs against the system that ``./registry up`` serves (ports from the environment, as
``up`` reads them), after ``./registry seed``. For each page prints, never asserts: the
bytes it transfers before images (the HTML, with its headers, plus the stylesheet and, on
the receipt page, the script: what a first visit with an empty cache fetches), and the
p50/p99 time to answer it over N sequential requests on one kept-alive connection, after
a few uncounted warm-up requests. Form answers (a CSV of 20 licence numbers checked, a
wrong tracking code) are posted with the form's CSRF token, as a browser does. Run the
services with ``REGISTRY_PUBLIC_RATE_PER_MINUTE`` high enough for N requests a page.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
import urllib.parse
import uuid

from bench.clients import percentile
from shared.config import Settings

WARMUP = 5
ASSETS = {"/static/site.css"}


class Browser:
    """One kept-alive connection to the site, keeping its cookies as a browser would."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, content_type=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        head = sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 17
        return response.status, data, head + len(data), elapsed


def multipart(fields: dict[str, str], file_name: str, file_data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"'
        "\r\nContent-Type: text/csv\r\n\r\n"
    )
    body = "".join(parts).encode() + head.encode() + file_data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def pages(settings: Settings, browser: Browser, language: str) -> list[tuple[str, callable]]:
    verification = http.client.HTTPConnection("127.0.0.1", settings.ports["verification"])
    verification.request("GET", "/v1/recruiters?q=a&limit=100")
    hits = json.loads(verification.getresponse().read())["items"]
    if not hits:
        raise SystemExit("no recruiters: run ./registry seed first")
    by_verdict = {}
    for hit in hits:
        by_verdict.setdefault(hit["verdict"], hit)
    licensed = [h for h in hits if h["licence_number"]]
    browser.request("GET", f"/track?lang={language}")
    token = browser.cookies["csrf"]
    rows = "\n".join(f"{h['country']},{h['licence_number']}" for h in licensed[:20])
    upload, upload_type = multipart(
        {"csrf_token": token}, "list.csv", f"country,licence_number\n{rows}\n".encode()
    )
    wrong = urllib.parse.urlencode({"csrf_token": token, "code": "x" * 32}).encode()
    lang = f"lang={language}"

    def get(path: str):
        joiner = "&" if "?" in path else "?"
        return lambda: browser.request("GET", f"{path}{joiner}{lang}")

    first = licensed[0]
    number = urllib.parse.quote(first["licence_number"])
    listed = [
        ("/ (search)", get("/")),
        ("/?q=a (results)", get("/?search=1&q=a")),
        *[
            (f"/recruiters ({verdict})", get(f"/recruiters/{hit['recruiter_id']}"))
            for verdict, hit in sorted(by_verdict.items())
        ],
        ("/licences (known)", get(f"/licences/{first['country']}/{number}")),
        ("/licences (unknown, 404)", get("/licences/KE/NEA/PEA/0000/0000")),
        ("/check", get("/check")),
        (
            "/check (20 rows posted)",
            lambda: browser.request("POST", f"/check?{lang}", upload, upload_type),
        ),
        ("/report", get("/report")),
        ("/track", get("/track")),
        (
            "/track (wrong code, 404)",
            lambda: browser.request(
                "POST", f"/track?{lang}", wrong, "application/x-www-form-urlencoded"
            ),
        ),
        ("/receipt", get("/receipt")),
        ("/sign-in", get("/sign-in")),
    ]
    return listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--language", default="en")
    arguments = parser.parse_args()
    settings = Settings.from_env()
    browser = Browser(settings.ports["web"])
    assets = {path: browser.request("GET", path)[2] for path in [*ASSETS, "/static/receipt.js"]}
    print(
        f"site on port {settings.ports['web']}, language {arguments.language}, "
        f"{arguments.requests} requests a page, one kept-alive connection"
    )
    print(f"{'page':<26} {'status':>6} {'bytes':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, fetch in pages(settings, browser, arguments.language):
        for _ in range(WARMUP):
            fetch()
        timings, status, size = [], 0, 0
        for _ in range(arguments.requests):
            status, _data, size, elapsed = fetch()
            timings.append(elapsed * 1000)
        transferred = size + assets["/static/site.css"]
        if name == "/receipt":
            transferred += assets["/static/receipt.js"]
        print(
            f"{name:<26} {status:>6} {transferred:>8,} "
            f"{percentile(sorted(timings), 0.5):>8.1f} {percentile(sorted(timings), 0.99):>8.1f}"
        )


if __name__ == "__main__":
    main()
