"""Check a receipt in the browser: the one page with JavaScript (a static file, so the
Content-Security-Policy allows no inline script). The keys come from the site's own
origin, passed through from verification, so the browser asks no third party."""

from __future__ import annotations

import threading
import time

from flask import Blueprint, render_template

from services.web.upstream import Upstream

KEYS_FRESH_SECONDS = 60


def blueprint(upstream: Upstream) -> Blueprint:
    pages = Blueprint("receipt", __name__)
    cached: dict = {"keys": None, "at": 0.0}
    lock = threading.Lock()

    @pages.get("/favicon.ico")
    def no_icon():
        # Browsers ask for it on every site; a page-sized 404 each time would be waste.
        return "", 204, {"Cache-Control": "max-age=86400"}

    @pages.get("/receipt")
    def check_receipt():
        return render_template("receipt.html")

    @pages.get("/.well-known/jwks.json")
    def keys():
        with lock:
            if cached["keys"] is None or time.monotonic() - cached["at"] > KEYS_FRESH_SECONDS:
                cached["keys"] = upstream.get("verification", "/.well-known/jwks.json")
                cached["at"] = time.monotonic()
            return cached["keys"], 200, {"Cache-Control": f"max-age={KEYS_FRESH_SECONDS}"}

    return pages
