"""Country names in the reader's language, from the CLDR data Babel carries."""

from __future__ import annotations

import pycountry
from flask_babel import get_locale

ISO = frozenset(country.alpha_2 for country in pycountry.countries)
# Where the registry's recruiters and workers are, listed first in every country choice.
COMMON = ("BD", "ID", "KE", "NP", "PH", "LK", "IN", "SA", "AE", "QA", "MY", "KW")


def name(code: str) -> str:
    return get_locale().territories.get(code, code)


def choices() -> list[tuple[str, str]]:
    """Every ISO country, the common ones first, each part sorted by name."""
    names = get_locale().territories
    every = sorted(
        (code for code in names if code in ISO and code not in COMMON),
        key=lambda code: names[code],
    )
    common = sorted(COMMON, key=lambda code: names.get(code, code))
    return [(code, names.get(code, code)) for code in [*common, *every]]
