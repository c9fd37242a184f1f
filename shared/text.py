"""Comparing names and licence numbers the way people write them."""

from __future__ import annotations

import re
import unicodedata

# As SQLite FTS5's unicode61 tokenizer splits: letters and digits make words.
WORD = re.compile(r"[^\W_]+")


def folded(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: 'Agência  São' -> 'agencia sao'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def licence_key(country: str, licence_number: str) -> str:
    """Licence numbers are unique per country, whatever their case or outer spaces."""
    return f"{country}:{licence_number.strip().upper()}"


def words(text: str) -> list[str]:
    """The words of a folded text, in order: 'al-amin & co' -> ['al', 'amin', 'co']."""
    return WORD.findall(text)


def word_prefixes(text: str) -> list[str]:
    """Every start of every word of a folded text, each once: what a lookup by word
    prefix finds the text by on a store with no full-text index."""
    found = {word[:end] for word in words(text) for end in range(1, len(word) + 1)}
    return sorted(found)
