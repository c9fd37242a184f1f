"""``./registry receipt-key rotate|show``: the verification service's receipt-signing keys."""

from __future__ import annotations

import json

from shared.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser("receipt-key", help="rotate or show the receipt-signing keys")
    parser.add_argument("action", choices=("rotate", "show"))
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    # The key ring belongs to the verification service; import it only when asked.
    from services.verification.receipts import ReceiptSigner, keys_dir, rotate

    settings = Settings.from_env()
    if arguments.action == "rotate":
        kid = rotate(keys_dir(settings))
        print(f"new signing key {kid}: it signs within 20 seconds; earlier keys stay published")
        return 0
    print(json.dumps(ReceiptSigner.for_settings(settings).jwks(), indent=2))
    return 0
