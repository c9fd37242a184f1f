"""C2SP signed notes with Ed25519, byte for byte as Go's golang.org/x/mod/sumdb/note.

A note is text ending in a newline, a blank line, then one line per signature:
``— <key name> <base64(4-byte key hash || signature)>``. The key hash is the first four
bytes of SHA-256(name || "\\n" || 0x01 || public key), big-endian.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from registry_client.tlog.merkle import sha256

ALGORITHM_ED25519 = b"\x01"
SIGNATURE_PREFIX = "— "
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, key or signature that is malformed or does not verify."""


def valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(char.isspace() for char in name)


def key_hash(name: str, public_key: ed25519.Ed25519PublicKey) -> int:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return struct.unpack(">I", sha256(name.encode() + b"\n" + ALGORITHM_ED25519 + raw)[:4])[0]


@dataclass(frozen=True)
class NoteVerifier:
    name: str
    public_key: ed25519.Ed25519PublicKey

    @property
    def key_hash(self) -> int:
        return key_hash(self.name, self.public_key)

    def encoded(self) -> str:
        """``name+hash+base64(0x01 || key)``, what Go's ``note.NewVerifier`` reads."""
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        key = base64.b64encode(ALGORITHM_ED25519 + raw).decode()
        return f"{self.name}+{self.key_hash:08x}+{key}"

    @classmethod
    def parse(cls, encoded: str) -> NoteVerifier:
        name, _, rest = encoded.partition("+")
        hash_hex, _, key_b64 = rest.partition("+")
        if not valid_key_name(name) or len(hash_hex) != 8 or not key_b64:
            raise NoteError("a verifier key reads name+hash+key")
        try:
            expected_hash = int(hash_hex, 16)
            key = base64.b64decode(key_b64, validate=True)
        except (ValueError, binascii.Error) as error:
            raise NoteError("bad verifier key encoding") from error
        if len(key) != 33 or key[:1] != ALGORITHM_ED25519:
            raise NoteError("only Ed25519 verifier keys are accepted")
        verifier = cls(name, ed25519.Ed25519PublicKey.from_public_bytes(key[1:]))
        if verifier.key_hash != expected_hash:
            raise NoteError("the verifier key's hash does not match its name and key")
        return verifier


@dataclass(frozen=True)
class NoteSigner:
    name: str
    private_key: ed25519.Ed25519PrivateKey

    def __post_init__(self) -> None:
        if not valid_key_name(self.name):
            raise NoteError(f"bad key name {self.name!r}")

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.private_key.public_key())

    def signature_line(self, text: str) -> str:
        signature = self.private_key.sign(text.encode())
        blob = struct.pack(">I", self.verifier.key_hash) + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


def sign_note(text: str, *signers: NoteSigner) -> str:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if not signers:
        raise NoteError("a note needs at least one signer")
    return text + "\n" + "".join(signer.signature_line(text) for signer in signers)


@dataclass(frozen=True)
class Signature:
    name: str
    key_hash: int
    signature: bytes


def split_note(message: str) -> tuple[str, list[Signature]]:
    """The text and the signatures of a note, checked for form only."""
    for char in message:
        if ord(char) < 0x20 and char != "\n":
            raise NoteError("notes carry no control characters")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("a note ends with a blank line and its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("the signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return text, [_parse_signature(line) for line in lines]


def _parse_signature(line: str) -> Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("signature lines start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as error:
        raise NoteError("signature is not standard base64") from error
    if not valid_key_name(name) or len(blob) < 5:
        raise NoteError("malformed signature line")
    return Signature(name, struct.unpack(">I", blob[:4])[0], blob[4:])


def open_note(message: str, verifier: NoteVerifier) -> str:
    """The note's text when ``verifier`` signed it; ``NoteError`` otherwise."""
    text, signatures = split_note(message)
    for signature in signatures:
        if signature.name == verifier.name and signature.key_hash == verifier.key_hash:
            try:
                verifier.public_key.verify(signature.signature, text.encode())
            except InvalidSignature as error:
                raise NoteError(f"the signature by {verifier.name} does not verify") from error
            return text
    raise NoteError(f"the note carries no signature by {verifier.name}")
