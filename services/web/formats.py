"""Dates, instants, counts and money written the way the reader's language writes them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError
from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_decimal


def day(value: str | None) -> str:
    """A ``YYYY-MM-DD`` date or an RFC 3339 instant, as a date."""
    if not value:
        return "—"
    try:
        if len(value) == 10:
            return format_date(date.fromisoformat(value), "long")
        return format_date(datetime.fromisoformat(value), "long")
    except ValueError:
        return value


def instant(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return format_datetime(datetime.fromisoformat(value), "medium")
    except ValueError:
        return value


def number(value: int | None) -> str:
    return format_decimal(value or 0)


def money(value: dict | None) -> str:
    if not value:
        return "—"
    try:
        return format_currency(Decimal(str(value["amount"])), value["currency"])
    except (InvalidOperation, KeyError, UnknownCurrencyError):
        return f"{value.get('amount')} {value.get('currency')}"


def install(app: Flask) -> None:
    for name, function in (
        ("day", day),
        ("instant", instant),
        ("number", number),
        ("money", money),
    ):
        app.jinja_env.filters[name] = function
