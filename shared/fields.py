"""marshmallow fields and small schemas every service's API uses: ISO codes, instants,
money, ids, official numbers, text."""

from __future__ import annotations

import pycountry
from marshmallow import Schema, ValidationError, fields, validate

ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="not a valid id")
# Registration, licence, accreditation and certificate numbers as authorities print them.
NUMBER = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$", error="1 to 64 letters, digits, spaces, . / _ -"
)


class Country(fields.String):
    """ISO 3166-1 alpha-2, upper case, a code that exists (pycountry's ISO tables)."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        if len(code) != 2 or not code.isupper() or pycountry.countries.get(alpha_2=code) is None:
            raise ValidationError("not an ISO 3166-1 alpha-2 country code")
        return code


class Currency(fields.String):
    """ISO 4217, upper case, a code that exists."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        if len(code) != 3 or not code.isupper() or pycountry.currencies.get(alpha_3=code) is None:
            raise ValidationError("not an ISO 4217 currency code")
        return code


class Instant(fields.AwareDateTime):
    """RFC 3339 with an offset; a bare local time, or one outside 1900-9998, is refused."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= instant.year <= 9998:
            raise ValidationError("an instant between the years 1900 and 9998")
        return instant


def Text(maximum: int = 2000, **kwargs) -> fields.String:  # noqa: N802 (reads as a field type)
    return fields.String(validate=validate.Length(1, maximum), **kwargs)


def Amount(**kwargs) -> fields.Decimal:  # noqa: N802
    """A positive amount of money, up to four decimals; JSON number or string."""
    return fields.Decimal(
        validate=[validate.Range(min=0, min_inclusive=False), _money], as_string=True, **kwargs
    )


def _money(amount) -> None:
    sign, digits, exponent = amount.normalize().as_tuple()
    if exponent < -4 or len(digits) + min(exponent, 0) > 15:
        raise ValidationError("at most 15 digits before the point and 4 after")


class Money(Schema):
    amount = Amount(required=True)
    currency = Currency(required=True)


class Empty(Schema):
    """No fields; an empty JSON object."""
