"""A local webhook receiver that checks every delivery with the ``standardwebhooks``
package, as an employer's server would; it can be stopped and started again on its port."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

from tests.servers import free_port


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.secret: str | None = None
        # (arrival time.monotonic(), webhook-id, CloudEvent) of each verified delivery.
        self.received: list[tuple[float, str, dict]] = []
        self.refused = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/registry"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    event = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    with receiver._lock:
                        receiver.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.received.append((time.monotonic(), self.headers["webhook-id"], event))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[tuple[str, dict]]:
        with self._lock:
            return [(webhook_id, event) for _, webhook_id, event in self.received]


def data_of(event: dict) -> dict:
    return json.loads(json.dumps(event["data"]))
