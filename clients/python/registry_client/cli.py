"""``registry-verify``: check receipts, checkpoints and proofs offline, or witness a log.

Exit codes: 0 verified, 1 something did not verify (an inconsistency, a rollback, a bad
signature or proof), 2 the check could not be made (bad arguments, unreadable input,
network trouble).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from registry_client.fetch import FetchError, fetch_json
from registry_client.proofs import (
    leaf_hash_of_facts,
    verify_consistency_proof,
    verify_inclusion_proof,
)
from registry_client.receipts import ReceiptError, verify_receipt
from registry_client.tlog.canonical import NotCanonicalisable
from registry_client.tlog.checkpoint import CheckpointError, open_checkpoint
from registry_client.tlog.merkle import ProofError
from registry_client.tlog.note import NoteError, NoteVerifier
from registry_client.witness import Inconsistency, observe

VERIFIED, FAILED, UNUSABLE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        print(json.dumps(arguments.handler(arguments), indent=2, sort_keys=True))
        return VERIFIED
    except (ReceiptError, CheckpointError, ProofError, Inconsistency) as error:
        print(f"registry-verify: NOT VERIFIED: {error}", file=sys.stderr)
        return FAILED
    except (NoteError, FetchError, NotCanonicalisable, OSError, ValueError, KeyError) as error:
        print(f"registry-verify: cannot check: {error}", file=sys.stderr)
        return UNUSABLE


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="registry-verify", description=__doc__.split("\n")[0])
    commands = top.add_subparsers(required=True)

    receipt = commands.add_parser("receipt", help="a receipt (JWS) against the JWKS")
    receipt.add_argument("receipt", help="the compact JWS, or a file holding it")
    receipt.add_argument("--jwks", required=True, help="JWKS file, or the registry's base URL")
    receipt.add_argument("--issuer", help="the issuer the receipt must name")
    receipt.set_defaults(handler=check_receipt)

    checkpoint = commands.add_parser("checkpoint", help="a checkpoint's signature")
    checkpoint.add_argument("checkpoint", type=Path)
    add_key(checkpoint)
    checkpoint.set_defaults(handler=check_checkpoint)

    inclusion = commands.add_parser("inclusion", help="a leaf is in a checkpoint's tree")
    inclusion.add_argument("--checkpoint", type=Path, required=True)
    inclusion.add_argument("--leaf", type=Path, required=True, help="JSON of the public facts")
    inclusion.add_argument("--proof", type=Path, required=True, help="{index, size, hashes}")
    add_key(inclusion)
    inclusion.set_defaults(handler=check_inclusion)

    consistency = commands.add_parser("consistency", help="a new checkpoint extends an old")
    consistency.add_argument("--old", type=Path, required=True)
    consistency.add_argument("--new", type=Path, required=True)
    consistency.add_argument("--proof", type=Path, required=True, help="{first, second, hashes}")
    add_key(consistency)
    consistency.set_defaults(handler=check_consistency)

    witness = commands.add_parser("witness", help="follow a log; fail on rollback or fork")
    witness.add_argument("url", help="the verification service's base URL")
    witness.add_argument("--state", type=Path, default=Path("registry-witness.json"))
    add_key(witness)
    witness.set_defaults(handler=run_witness)
    return top


def add_key(command: argparse.ArgumentParser) -> None:
    command.add_argument("--key", required=True, help="the log's verifier key (name+hash+key)")
    command.add_argument("--origin", help="the origin the checkpoints must name")


def check_receipt(arguments: argparse.Namespace) -> dict[str, Any]:
    token = arguments.receipt
    if Path(token).is_file():
        token = Path(token).read_text().strip()
    if arguments.jwks.startswith(("http://", "https://")):
        jwks = fetch_json(arguments.jwks, ".well-known/jwks.json")
    else:
        jwks = json.loads(Path(arguments.jwks).read_text())
    return verify_receipt(token, jwks, arguments.issuer)


def check_checkpoint(arguments: argparse.Namespace) -> dict[str, Any]:
    checkpoint = open_checkpoint(
        arguments.checkpoint.read_text(), NoteVerifier.parse(arguments.key), arguments.origin
    )
    return {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode(),
    }


def check_inclusion(arguments: argparse.Namespace) -> dict[str, Any]:
    verifier = NoteVerifier.parse(arguments.key)
    checkpoint = open_checkpoint(arguments.checkpoint.read_text(), verifier, arguments.origin)
    proof = json.loads(arguments.proof.read_text())
    leaf = leaf_hash_of_facts(json.loads(arguments.leaf.read_text()))
    verify_inclusion_proof(proof, leaf, checkpoint)
    return {"included": True, "index": proof["index"], "size": checkpoint.size}


def check_consistency(arguments: argparse.Namespace) -> dict[str, Any]:
    verifier = NoteVerifier.parse(arguments.key)
    old = open_checkpoint(arguments.old.read_text(), verifier, arguments.origin)
    new = open_checkpoint(arguments.new.read_text(), verifier, arguments.origin)
    verify_consistency_proof(json.loads(arguments.proof.read_text()), old, new)
    return {"consistent": True, "first": old.size, "second": new.size}


def run_witness(arguments: argparse.Namespace) -> dict[str, Any]:
    seen = observe(
        arguments.url, NoteVerifier.parse(arguments.key), arguments.state, arguments.origin
    )
    return {
        "origin": seen.checkpoint.origin,
        "size": seen.checkpoint.size,
        "previous_size": None if seen.previous is None else seen.previous.size,
    }


if __name__ == "__main__":
    sys.exit(main())
