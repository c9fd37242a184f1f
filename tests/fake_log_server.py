"""A stand-in for the verification service's log routes (SPEC §17), for client tests:
serves whatever tree and signer a test gives it, so a test can also fork or shrink it."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from registry_client.tlog.checkpoint import Checkpoint
from registry_client.tlog.note import NoteSigner
from registry_client.tlog.tree import MerkleTree


class FakeLog:
    def __init__(self, tree: MerkleTree, signer: NoteSigner, jwks: dict[str, Any] | None = None):
        self.tree, self.signer, self.jwks = tree, signer, jwks or {"keys": []}
        self.size: int | None = None  # serve an older (or the latest) size when set

    def checkpoint(self) -> str:
        size = self.tree.size if self.size is None else self.size
        return Checkpoint(self.signer.name, size, self.tree.root(size)).sign(self.signer)

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        encode = lambda hashes: [base64.b64encode(h).decode() for h in hashes]  # noqa: E731
        if path == "/v1/log/checkpoint":
            return 200, "text/plain; charset=utf-8", self.checkpoint().encode()
        if path == "/v1/log/key":
            return 200, "text/plain; charset=utf-8", self.signer.verifier.encoded().encode()
        if path == "/.well-known/jwks.json":
            return 200, "application/json", json.dumps(self.jwks).encode()
        if path == "/v1/log/proof/consistency":
            first, second = int(query["first"]), int(query["second"])
            hashes = encode(self.tree.consistency_proof(first, second))
            body = {"first": first, "second": second, "hashes": hashes}
            return 200, "application/json", json.dumps(body).encode()
        if path == "/v1/log/proof/inclusion":
            index, size = int(query["index"]), int(query["size"])
            body = {
                "index": index,
                "size": size,
                "hashes": encode(self.tree.inclusion_proof(index, size)),
            }
            return 200, "application/json", json.dumps(body).encode()
        return 404, "application/problem+json", b'{"title": "Not Found", "status": 404}'


@contextmanager
def serving(log: FakeLog) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            status, kind, body = log.answer(url.path, query)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
