"""``./registry openapi``: write each service's generated OpenAPI document to contracts/."""

from __future__ import annotations

import importlib
import json
import tempfile
from pathlib import Path

from shared.config import SERVICES, Settings
from shared.http.openapi import openapi_document

DOCUMENTS = Path(__file__).resolve().parents[2] / "contracts" / "openapi"


def add_parser(commands) -> None:
    parser = commands.add_parser("openapi", help="regenerate contracts/openapi/*.json")
    parser.set_defaults(handler=handle)


def generated(service: str) -> str:
    """The document as committed: generated from the code, stable key order."""
    with tempfile.TemporaryDirectory() as scratch:
        bootstrap = importlib.import_module(f"services.{service}.bootstrap")
        app = bootstrap.create_app(Settings(data_dir=Path(scratch)))
        return json.dumps(openapi_document(app, service), indent=2, sort_keys=True) + "\n"


def handle(_arguments, _extra) -> int:
    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        (DOCUMENTS / f"{service}.json").write_text(generated(service))
        print(f"contracts/openapi/{service}.json")
    return 0
