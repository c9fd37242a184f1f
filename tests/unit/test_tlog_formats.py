"""Canonical JSON, signed notes, checkpoints and tile paths, byte for byte."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from registry_client.tlog import tiles
from registry_client.tlog.canonical import NotCanonicalisable, canonical_json
from registry_client.tlog.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from registry_client.tlog.note import NoteError, NoteSigner, NoteVerifier, open_note, sign_note
from registry_client.tlog.tree import MemoryHashStore, MerkleTree

# Go's golang.org/x/mod/sumdb/note example key (note_test.go: PeterNeumann).
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FF"
    "YC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_canonical_json_sorts_keys_by_utf16_and_escapes_minimally():
    value = {"b": [1, True, None], "a": 'é\n"\\\u0001', "\U0001f600": 0, "\ue000": -5}
    # U+1F600 is a surrogate pair (D83D...) in UTF-16, so it sorts before U+E000.
    assert (
        canonical_json(value)
        == ('{"a":"é\\n\\"\\\\\\u0001","b":[1,true,null],"\U0001f600":0,"\ue000":-5}').encode()
    )


@pytest.mark.parametrize("bad", [1.5, {"x": 0.0}, 2**53, {1: "a"}, b"raw", "\ud800", {"s": {1}}])
def test_canonical_json_refuses_floats_big_integers_and_non_json(bad):
    with pytest.raises(NotCanonicalisable):
        canonical_json(bad)


def test_a_go_made_note_opens_with_its_go_verifier_key():
    verifier = NoteVerifier.parse(GO_VKEY)
    assert verifier.encoded() == GO_VKEY
    assert open_note(GO_NOTE, verifier).startswith("If you think")
    with pytest.raises(NoteError):
        open_note(GO_NOTE.replace("answer", "Answer"), verifier)


def test_a_note_signed_here_opens_and_its_key_round_trips():
    signer = NoteSigner("registry.example/log", ed25519.Ed25519PrivateKey.generate())
    note = sign_note("hello\n", signer)
    assert note.startswith("hello\n\n— registry.example/log ")
    assert open_note(note, NoteVerifier.parse(signer.verifier.encoded())) == "hello\n"
    stranger = NoteSigner("registry.example/log", ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(NoteError):
        open_note(note, stranger.verifier)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong hash
        "Peter+Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not Ed25519
        "PeterNeumann+c74f20a3+!!!",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey):
    with pytest.raises(NoteError):
        NoteVerifier.parse(vkey)


@pytest.mark.parametrize(
    "note",
    [
        "no signature block\n",
        "text\n\n— name AAAA\n",  # signature shorter than a key hash and one byte
        "text\n\n- name " + base64.b64encode(bytes(70)).decode() + "\n",
        "te\txt\n\n— name " + base64.b64encode(bytes(70)).decode() + "\n",
    ],
)
def test_malformed_notes_are_refused(note):
    with pytest.raises(NoteError):
        open_note(note, NoteVerifier.parse(GO_VKEY))


def test_checkpoints_round_trip_and_bind_their_origin():
    signer = NoteSigner("registry.example/log", ed25519.Ed25519PrivateKey.generate())
    checkpoint = Checkpoint("registry.example/log", 8, bytes(range(32)))
    assert checkpoint.body() == (
        "registry.example/log\n8\n" + base64.b64encode(bytes(range(32))).decode() + "\n"
    )
    note = checkpoint.sign(signer)
    assert open_checkpoint(note, signer.verifier, "registry.example/log") == checkpoint
    with pytest.raises(CheckpointError):
        open_checkpoint(note, signer.verifier, "elsewhere.example/log")


@pytest.mark.parametrize(
    "body", ["o\n08\n" + "A" * 43 + "=\n", "o\n-1\n" + "A" * 43 + "=\n", "o\n1\nAAAA\n", "o\n1\n"]
)
def test_malformed_checkpoints_are_refused(body):
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (tiles.Tile(0, 0), "tile/0/000"),
        (tiles.Tile(1, 1234067, 5), "tile/1/x001/x234/067.p/5"),
        (tiles.Tile(2, 1000), "tile/2/x001/000"),
        (tiles.Tile("entries", 7, 255), "tile/entries/007.p/255"),
    ],
)
def test_tile_paths_follow_c2sp_and_parse_back(tile, path):
    assert tile.path() == path
    assert tiles.parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    ["tile/0/0", "tile/0/x000/001", "tile/0/001.p/0", "tile/0/001.p/256", "tile/8/0/000",
     "tile/a/000", "tile/0/1234", "tile/0/000.p/01", "tiles/0/000", "tile/0/x1/000"],
)  # fmt: skip
def test_non_canonical_tile_paths_are_refused(path):
    with pytest.raises(tiles.TileError):
        tiles.parse_tile_path(path)


def test_tiles_hold_stored_hashes_of_their_level():
    tree = MerkleTree(MemoryHashStore())
    tree.append([n.to_bytes(4, "big") for n in range(300)])
    read = tree.store.read_hashes
    listed = tiles.tiles_for_size(300)
    assert [t.path() for t in listed] == ["tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1"]
    level_one = tiles.hash_tile_data(listed[2], read)
    assert level_one == tree.root(256)
    first = tiles.hash_tile_data(listed[0], read)
    assert first[32 * 7 : 32 * 8] == tree.leaf_hash(7) and len(first) == 256 * 32
    assert listed[1].covers(300) and not tiles.Tile(0, 1, 45).covers(300)


def test_entry_bundles_round_trip():
    entries = [b"", b"a", bytes(300)]
    assert tiles.decode_entry_bundle(tiles.encode_entry_bundle(entries)) == entries
    with pytest.raises(tiles.TileError):
        tiles.decode_entry_bundle(b"\x00\x05abc")


def test_canonical_json_escapes_every_control_character_as_rfc8785_says():
    short = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}
    for code in range(0x20):
        expected = short.get(code, f"\\u{code:04x}")
        assert canonical_json(chr(code)) == f'"{expected}"'.encode()
    assert canonical_json("\x7f\u2028/") == '"\x7f\u2028/"'.encode()
