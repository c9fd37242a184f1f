"""Comparing names and licence numbers the way people write them."""

from __future__ import annotations

import unicodedata


def folded(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: 'Agência  São' -> 'agencia sao'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def licence_key(country: str, licence_number: str) -> str:
    """Licence numbers are unique per country, whatever their case or outer spaces."""
    return f"{country}:{licence_number.strip().upper()}"
