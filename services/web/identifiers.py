"""What a recruiter id, a licence number and a country code look like: the APIs' own rules
(shared.fields), so the site refuses exactly what they would refuse, before asking."""

from __future__ import annotations

import pycountry

from shared.fields import ID, NUMBER

RECRUITER_ID = ID.regex
LICENCE_NUMBER = NUMBER.regex


def is_country(code: str) -> bool:
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None
