"""marshmallow fields and small schemas every service's API uses: ISO codes, instants,
money, ids, official numbers, text."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pycountry
from marshmallow import Schema, ValidationError, fields, validate

ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="not a valid id")
# Registration, licence, accreditation and certificate numbers as authorities print them.
NUMBER = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$", error="1 to 64 letters, digits, spaces, . / _ -"
)


COUNTRIES = sorted(country.alpha_2 for country in pycountry.countries)
CURRENCIES = sorted(currency.alpha_3 for currency in pycountry.currencies)
# Years 1900 to 9998: older is a typing error, and 9999 overflows once moved to UTC.
YEAR = r"(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
DAY = YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
# Positive, at most 15 digits before the point and 4 after, no leading zeros.
FRACTION = r"([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])"
DECIMAL = rf"^([1-9][0-9]{{0,14}}(\.[0-9]{{1,4}})?|0\.{FRACTION})$"


class _IsoCode(fields.String):
    """An upper-case code that exists in one of pycountry's ISO tables; the document lists
    every code, so a client knows exactly what is taken."""

    codes: list[str]
    error: str

    def __init__(self, **kwargs):
        # JSON Schema's enum is checked before its type: a null allowed must be listed.
        codes = [*self.codes, None] if kwargs.get("allow_none") else self.codes
        metadata = {"enum": codes, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        if code not in self.codes:
            raise ValidationError(self.error)
        return code


class Country(_IsoCode):
    """ISO 3166-1 alpha-2."""

    codes, error = COUNTRIES, "not an ISO 3166-1 alpha-2 country code"


class CountryInPath(Country):
    """A country in a URL, where a person may well type it in lower case."""

    codes = COUNTRIES + [code.lower() for code in COUNTRIES]

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).upper()


class Currency(_IsoCode):
    """ISO 4217."""

    codes, error = CURRENCIES, "not an ISO 4217 currency code"


class Instant(fields.AwareDateTime):
    """RFC 3339 with an offset, between the years 1900 and 9998."""

    def __init__(self, **kwargs):
        metadata = {"pattern": f"^{DAY}{TIME}{OFFSET}$", **kwargs.pop("metadata", {})}
        super().__init__(format="iso", metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= instant.year <= 9998 or not _matches(self, value):
            raise ValidationError("an RFC 3339 instant with offset, years 1900 to 9998")
        return instant


class Day(fields.Date):
    """A calendar date, YYYY-MM-DD, between the years 1900 and 9998."""

    def __init__(self, **kwargs):
        metadata = {"pattern": f"^{DAY}$", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not _matches(self, value):
            raise ValidationError("a date YYYY-MM-DD, years 1900 to 9998")
        return day


def _matches(field: fields.Field, value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(field.metadata["pattern"], value) is not None


def Text(maximum: int = 2000, **kwargs) -> fields.String:  # noqa: N802 (reads as a field type)
    return fields.String(validate=validate.Length(1, maximum), **kwargs)


class Amount(fields.String):
    """A positive amount of money as a decimal string ("1500.50"), the same in answers:
    a JSON number would lose cents in many clients. Loaded as a ``Decimal``."""

    def __init__(self, **kwargs):
        metadata = {"pattern": DECIMAL, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if re.fullmatch(DECIMAL, text) is None:
            raise ValidationError(
                "a positive decimal string, at most 15 digits before the point and 4 after"
            )
        return Decimal(text)


class Money(Schema):
    amount = Amount(required=True)
    currency = Currency(required=True)


class Empty(Schema):
    """No fields; an empty JSON object."""
