"""C2SP tlog-tiles: fixed-height tiles of stored hashes, and entry bundles.

A hash tile at level L, index N holds the hashes of tree level 8L, nodes N*256 onwards:
256 of them when full, W when partial (path suffix ``.p/W``). Index N is written in
three-digit groups, all but the last prefixed with ``x``: 1234067 is ``x001/x234/067``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from registry_client.tlog.merkle import NodeReader

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63 // TILE_HEIGHT
MAX_ENTRY_BYTES = 0xFFFF  # an entry bundle writes each length in two bytes
ENTRIES = "entries"
_GROUP = re.compile(r"^x\d{3}$")
_LAST = re.compile(r"^\d{3}$")


class TileError(ValueError):
    pass


@dataclass(frozen=True)
class Tile:
    level: int | str  # a hash level, or ``"entries"`` for an entry bundle
    index: int
    width: int = TILE_WIDTH

    def path(self) -> str:
        groups = [f"{self.index % 1000:03d}"]
        rest = self.index // 1000
        while rest:
            groups.insert(0, f"x{rest % 1000:03d}")
            rest //= 1000
        partial = f".p/{self.width}" if self.width != TILE_WIDTH else ""
        return f"tile/{self.level}/{'/'.join(groups)}{partial}"

    def covers(self, size: int) -> bool:
        """Whether a tree of ``size`` leaves holds every hash (or entry) of the tile."""
        shift = 0 if self.level == ENTRIES else TILE_HEIGHT * int(self.level)
        return self.index * TILE_WIDTH + self.width <= size >> shift


def parse_tile_path(path: str) -> Tile:
    """A tile from ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``; one spelling
    per tile, so a cache never holds two copies."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise TileError("tile paths read tile/<L>/<N>[.p/<W>]")
    level_text, groups = parts[1], parts[2:]
    width = TILE_WIDTH
    if len(groups) >= 2 and groups[-2].endswith(".p"):
        width_text = groups[-1]
        if not width_text.isdigit() or not 0 < int(width_text) < TILE_WIDTH:
            raise TileError("a partial tile's width is 1 to 255")
        width = int(width_text)
        groups = [*groups[:-2], groups[-2][: -len(".p")]]
    if not _LAST.match(groups[-1]) or not all(_GROUP.match(group) for group in groups[:-1]):
        raise TileError("tile index is written in three-digit groups")
    index = 0
    for group in groups:
        index = index * 1000 + int(group.lstrip("x"))
    if level_text == ENTRIES:
        level: int | str = ENTRIES
    elif level_text.isdigit() and int(level_text) <= MAX_LEVEL:
        level = int(level_text)
    else:
        raise TileError("tile level is a small number or 'entries'")
    tile = Tile(level, index, width)
    if tile.path() != path:
        raise TileError("tile path is not in its one canonical spelling")
    return tile


def hash_tile_data(tile: Tile, read: NodeReader) -> bytes:
    if tile.level == ENTRIES:
        raise TileError("entry bundles hold leaves, not hashes")
    level = TILE_HEIGHT * int(tile.level)
    start = tile.index * TILE_WIDTH
    return b"".join(read([(level, start + offset) for offset in range(tile.width)]))


def tiles_for_size(size: int) -> list[Tile]:
    """Every hash tile of a tree of ``size``: full ones, and the partial one per level."""
    tiles = []
    level = 0
    while level <= MAX_LEVEL and size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        tiles.extend(Tile(level, index) for index in range(count // TILE_WIDTH))
        if count % TILE_WIDTH:
            tiles.append(Tile(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return tiles


def encode_entry_bundle(entries: list[bytes]) -> bytes:
    """Each entry as a big-endian uint16 length and its bytes."""
    out = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise TileError(f"an entry bundle holds entries of at most {MAX_ENTRY_BYTES} bytes")
        out.append(struct.pack(">H", len(entry)) + entry)
    return b"".join(out)


def decode_entry_bundle(data: bytes) -> list[bytes]:
    entries, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise TileError("truncated entry bundle")
        (length,) = struct.unpack_from(">H", data, offset)
        offset += 2
        if offset + length > len(data):
            raise TileError("truncated entry bundle")
        entries.append(data[offset : offset + length])
        offset += length
    return entries
