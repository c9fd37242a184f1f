"""C2SP tlog-checkpoint: the signed body naming a tree by origin, size and root hash."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from registry_client.tlog.merkle import HASH_SIZE
from registry_client.tlog.note import NoteError, NoteSigner, NoteVerifier, open_note, sign_note


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    def sign(self, signer: NoteSigner) -> str:
        return sign_note(self.body(), signer)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        if not body.endswith("\n"):
            raise CheckpointError("a checkpoint ends with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3 or not lines[0] or any(not line for line in lines[3:]):
            raise CheckpointError("a checkpoint has origin, size and root lines")
        origin, size_text, root_text = lines[:3]
        # Decimal without sign or leading zeros, so one size has one spelling.
        if not size_text.isascii() or not size_text.isdigit() or size_text != str(int(size_text)):
            raise CheckpointError("tree size must be a plain decimal")
        try:
            root = base64.b64decode(root_text, validate=True)
        except (ValueError, binascii.Error) as error:
            raise CheckpointError("root hash is not standard base64") from error
        if len(root) != HASH_SIZE:
            raise CheckpointError("root hash must be 32 bytes")
        return cls(origin, int(size_text), root, tuple(lines[3:]))


def open_checkpoint(note: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
    """The checkpoint of a signed note, when ``verifier`` signed it for ``origin``."""
    try:
        checkpoint = Checkpoint.parse(open_note(note, verifier))
    except NoteError as error:
        raise CheckpointError(str(error)) from error
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
