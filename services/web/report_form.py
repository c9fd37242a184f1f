"""A worker's report as typed into the form, checked and turned into the API's body.

Pure: no Flask, no I/O. Each problem is named by its field so the form can show it there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry

from services.web.identifiers import LICENCE_NUMBER, RECRUITER_ID, is_country
from shared.events.monitoring import CATEGORIES

# As the API takes amounts: positive, no leading zeros, at most two decimals here.
AMOUNT = re.compile(r"^([1-9][0-9]{0,11}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$")
MAX_NARRATIVE = 20_000


@dataclass
class ReportForm:
    """What the form sent; ``problems`` maps a field to what is wrong with it."""

    values: dict[str, Any]
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> dict[str, Any]:
        v = self.values
        subject = (
            {"recruiter_id": v["recruiter_id"]}
            if v["recruiter_id"]
            else {"name": v["name"], "country": v["country"]}
            | ({"licence_number": v["licence_number"]} if v["licence_number"] else {})
        )
        body: dict[str, Any] = {"subject": subject, "categories": v["categories"]}
        if v["fee_amount"]:
            body["fee_paid"] = {"amount": v["fee_amount"], "currency": v["fee_currency"]}
        if v["destination_country"]:
            body["destination_country"] = v["destination_country"]
        if v["recruitment_date"]:
            body["recruitment_date"] = v["recruitment_date"]
        if v["narrative"]:
            body["narrative"] = v["narrative"]
        if v["contact"]:
            body["reporter"] = {"contact": v["contact"]}
        if v["intermediary_name"]:
            role = {"role_as_described": v["intermediary_role"]} if v["intermediary_role"] else {}
            named = {"name": v["intermediary_name"], "country": v["intermediary_country"]}
            body["intermediaries"] = [named | role]
        return body


def read_report(form: Any) -> ReportForm:
    """``form``: a mapping with ``get`` and ``getlist`` (a request's form)."""
    text = {
        name: (form.get(name) or "").strip()
        for name in (
            "recruiter_id",
            "name",
            "country",
            "licence_number",
            "fee_amount",
            "fee_currency",
            "destination_country",
            "recruitment_date",
            "narrative",
            "contact",
            "intermediary_name",
            "intermediary_country",
            "intermediary_role",
        )
    }
    text["fee_currency"] = text["fee_currency"].upper()
    report = ReportForm({**text, "categories": list(dict.fromkeys(form.getlist("categories")))})
    _check_subject(report)
    _check_details(report)
    return report


def _check_subject(report: ReportForm) -> None:
    v, problems = report.values, report.problems
    if v["recruiter_id"]:
        if not RECRUITER_ID.match(v["recruiter_id"]):
            problems["recruiter_id"] = "recruiter_id"
        return
    if not v["name"] or len(v["name"]) > 300:
        problems["name"] = "name"
    if not is_country(v["country"]):
        problems["country"] = "country"
    if v["licence_number"] and not LICENCE_NUMBER.match(v["licence_number"]):
        problems["licence_number"] = "licence_number"


def _check_details(report: ReportForm) -> None:
    v, problems = report.values, report.problems
    if not v["categories"] or not set(v["categories"]) <= set(CATEGORIES):
        problems["categories"] = "categories"
    if v["fee_amount"] or v["fee_currency"]:
        if not AMOUNT.match(v["fee_amount"]) or not _positive(v["fee_amount"]):
            problems["fee_amount"] = "fee_amount"
        if pycountry.currencies.get(alpha_3=v["fee_currency"]) is None:
            problems["fee_currency"] = "fee_currency"
    if v["destination_country"] and not is_country(v["destination_country"]):
        problems["destination_country"] = "destination_country"
    if v["recruitment_date"] and not _past_date(v["recruitment_date"]):
        problems["recruitment_date"] = "recruitment_date"
    if len(v["narrative"]) > MAX_NARRATIVE:
        problems["narrative"] = "narrative"
    if len(v["contact"]) > 300:
        problems["contact"] = "contact"
    _check_intermediary(report)


def _check_intermediary(report: ReportForm) -> None:
    """A go-between the worker names: the name and country together, or neither."""
    v, problems = report.values, report.problems
    if not v["intermediary_name"] and not v["intermediary_role"]:
        return
    if not v["intermediary_name"] or len(v["intermediary_name"]) > 300:
        problems["intermediary_name"] = "intermediary_name"
    if not is_country(v["intermediary_country"]):
        problems["intermediary_country"] = "intermediary_country"
    if len(v["intermediary_role"]) > 300:
        problems["intermediary_role"] = "intermediary_role"


def _positive(amount: str) -> bool:
    try:
        return Decimal(amount) > 0
    except InvalidOperation:
        return False


def _past_date(text: str) -> bool:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10 and date(1900, 1, 1) <= day <= date.today()
