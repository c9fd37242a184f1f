"""The registry's codes in plain words, in the reader's language.

The APIs answer in codes (verdicts, reasons, statuses, event kinds); a person reads a
sentence. Every sentence here is in the gettext catalogues.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# A verdict is never told by colour alone: a symbol and a word go with it.
VERDICTS = {
    "green": ("✔", _l("Licensed, no warnings")),
    "amber": ("⚠", _l("Licensed, with warnings")),
    "red": ("✖", _l("Not licensed now")),
    "unknown": ("?", _l("Cannot say now")),
}
VERDICT_ADVICE = {
    "green": _l("The licence is active and nothing needs your attention."),
    "amber": _l("The licence is active, but read the warnings below before you sign."),
    "red": _l("This recruiter may not recruit now. Do not pay any fee."),
    "unknown": _l("The registry may be missing news about this recruiter. Check again later."),
}
REASONS = {
    "no_licence": _l("The recruiter has no licence."),
    "licence_not_active": _l("The licence is not active."),
    "licence_expiring": _l("The licence ends within 30 days."),
    "conditions_in_force": _l("The ministry has set conditions on the licence."),
    "certificate_suspended": _l("The ethical-recruitment certificate was suspended this year."),
    "certificate_withdrawn": _l("The ethical-recruitment certificate was withdrawn this year."),
    "surveillance_overdue": _l("The certificate's yearly audit is overdue."),
    "substantiated_report_open": _l("A worker's complaint was found true and is not resolved."),
    "integrity_gap": _l("The registry may be missing some news about this recruiter."),
    "catching_up": _l("The registry is still reading the latest news."),
    "chain_risk": _l(
        "An agent this recruiter works through is not licensed now, or a worker's complaint "
        "found true names a go-between who is not one of its declared agents."
    ),
    # What a green answer rests on.
    "licence_active": _l("The licence is active."),
    "certificate_valid": _l("The ethical-recruitment certificate is valid."),
}
STATUSES = {
    "applied": _l("applied"),
    "active": _l("active"),
    "denied": _l("denied"),
    "suspended": _l("suspended"),
    "revoked": _l("revoked"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
    "certified": _l("certified"),
    "withdrawn": _l("withdrawn"),
    "received": _l("received"),
    "under_review": _l("under review"),
    "substantiated": _l("found true"),
    "unsubstantiated": _l("not found true"),
    "referred": _l("sent to the ministry"),
    "resolved": _l("resolved"),
}
EVENTS = {
    "recruiter_registered": _l("Registered"),
    "licence_applied": _l("Applied for a licence"),
    "licence_issued": _l("Licence issued"),
    "licence_denied": _l("Licence denied"),
    "licence_renewed": _l("Licence renewed"),
    "licence_suspended": _l("Licence suspended"),
    "licence_reinstated": _l("Licence reinstated"),
    "licence_revoked": _l("Licence revoked"),
    "licence_cancelled": _l("Licence given up"),
    "licence_expired": _l("Licence expired"),
    "condition_imposed": _l("Condition set on the licence"),
    "condition_lifted": _l("Condition lifted"),
    "certification_applied": _l("Applied for a certificate"),
    "certificate_granted": _l("Certificate granted"),
    "certificate_renewed": _l("Certificate renewed"),
    "certificate_suspended": _l("Certificate suspended"),
    "certificate_reinstated": _l("Certificate reinstated"),
    "certificate_withdrawn": _l("Certificate withdrawn"),
    "certificate_expired": _l("Certificate expired"),
    "surveillance_overdue": _l("Yearly audit overdue"),
    "agent_declared": _l("Agent declared"),
    "agent_link_ended": _l("Agent no longer used"),
    # What only officials see in the history.
    "violation_recorded": _l("Violation recorded"),
    "branch_opened": _l("Branch opened"),
    "branch_closed": _l("Branch closed"),
    "officer_appointed": _l("Officer appointed"),
    "officer_removed": _l("Officer removed"),
    "deposit_lodged": _l("Security deposit lodged"),
    "deposit_drawn": _l("Security deposit drawn to pay workers"),
    "deposit_topped_up": _l("Security deposit topped up"),
    "deposit_forfeited": _l("Security deposit forfeited"),
    "report_received": _l("Worker's report received"),
    "report_review_started": _l("Report under review"),
    "report_substantiated": _l("Report found true"),
    "report_unsubstantiated": _l("Report not found true"),
    "report_referred": _l("Report sent to the ministry"),
    "report_resolved": _l("Report resolved"),
    "report_withdrawn": _l("Report withdrawn"),
    "referral_acknowledged": _l("Ministry acknowledged the referral"),
    "referral_closed": _l("Ministry closed the referral"),
}
CATEGORIES = {
    "fees_charged": _l("I paid a recruitment fee"),
    "deception": _l("I was lied to about the job"),
    "contract_substitution": _l("My contract was changed"),
    "passport_retention": _l("My passport was taken"),
    "wage_theft": _l("I was not paid my wages"),
    "violence_or_harassment": _l("Violence or harassment"),
    "unlicensed_recruitment": _l("The recruiter has no licence"),
    "other": _l("Something else"),
}


# How a recruiter's agent stands to it (SPEC §16).
ROLES = {
    "sub_agent": _l("Sub-agent"),
    "foreign_partner": _l("Partner agency abroad"),
    "branch_agent": _l("Branch agent"),
}


def status_word(code: str | None) -> str:
    return str(STATUSES.get(code or "", code or "—"))


def event_word(kind: str) -> str:
    return str(EVENTS.get(kind, kind.replace("_", " ")))


def reason_sentence(reason: dict) -> str:
    return str(REASONS.get(reason.get("code", ""), reason.get("message", "")))


DETAIL = {
    "branches": _l("Branches"),
    "officers": _l("Officers"),
    "violations": _l("Violations"),
    "referrals": _l("Referrals"),
    "reports": _l("Reports"),
    "agents": _l("Agents, past and present"),
    "intermediaries": _l("Go-betweens named in reports"),
}

CSV_PROBLEMS = {
    "not_utf8": _l("The file is not UTF-8 text. Save it as “CSV UTF-8”."),
    "empty": _l("The file has no rows to check."),
    "header": _l(
        "The first row must name the columns: recruiter_id, or country and licence_number."
    ),
    "too_many": _l("The file has more than 1,000 rows."),
    "columns": _l("This row has more cells than the first row."),
    "both": _l("Give a recruiter_id, or a country and licence number, not both."),
    "missing": _l("This row names no recruiter."),
    "recruiter_id": _l("This recruiter_id is not valid."),
    "country": _l("This is not a two-letter country code, like PH."),
    "licence_number": _l("This licence number is not valid."),
}
FORM_PROBLEMS = {
    "recruiter_id": _l("This recruiter is not known. Report it by name instead."),
    "name": _l("Type the recruiter's name."),
    "country": _l("Choose the country."),
    "licence_number": _l("Use only letters, digits, spaces and . / _ -"),
    "categories": _l("Choose at least one."),
    "fee_amount": _l("Type an amount like 1500 or 1500.50."),
    "fee_currency": _l("Type a currency code like PHP, NPR or USD."),
    "destination_country": _l("Choose the country."),
    "recruitment_date": _l("Choose a date that is not in the future."),
    "narrative": _l("Write at most 20,000 letters."),
    "contact": _l("Write at most 300 letters."),
    "intermediary_name": _l("Type their name, at most 300 letters."),
    "intermediary_country": _l("Choose the country."),
    "intermediary_role": _l("Write at most 300 letters."),
}

# Field names in officials' detail; a name not here is shown with its underscores as spaces.
FIELDS = {
    "name": _l("Name"),
    "address": _l("Address"),
    "country": _l("Country"),
    "position": _l("Position"),
    "description": _l("Description"),
    "decided_on": _l("Decided on"),
    "penalty": _l("Penalty"),
    "amount": _l("Amount"),
    "status": _l("Status"),
    "categories": _l("What happened"),
    "outcome": _l("Outcome"),
    "opened_at": _l("Opened"),
    "closed_at": _l("Closed"),
    "appointed_at": _l("Appointed"),
    "removed_at": _l("Removed"),
    "received_at": _l("Received"),
    "substantiated_at": _l("Found true"),
    "resolved_at": _l("Resolved"),
    "referred_at": _l("Sent to the ministry"),
    "acknowledged_at": _l("Acknowledged"),
    "role": _l("Role"),
    "licence_number": _l("Licence number"),
    "declared_at": _l("Declared"),
    "ended_at": _l("Ended"),
    "link": _l("Found to be"),
    "report_substantiated": _l("Complaint found true"),
}
LINKS = {
    "declared_agent": _l("a declared agent"),
    "unregistered": _l("not a declared agent"),
}


def field_name(key: str) -> str:
    return str(FIELDS.get(key, key.replace("_", " ")))


def shown_fields(entry: dict) -> list[tuple[str, object]]:
    """An official's detail entry as (label, value) pairs: ids and empty values left out."""
    from services.web import countries

    return [
        (field_name(key), countries.name(value) if key == "country" else value)
        for key, value in entry.items()
        if value not in (None, "", [], {}) and not key.endswith("_id")
    ]


def plain(value: object) -> str:
    """A value from an official's detail, as words: codes translated, money formatted."""
    from services.web.formats import day, money

    if isinstance(value, dict):
        if {"amount", "currency"} <= value.keys() and len(value) == 2:
            return money(value)
        return "; ".join(f"{label}: {plain(inner)}" for label, inner in shown_fields(value))
    if isinstance(value, list):
        return ", ".join(plain(item) for item in value)
    if isinstance(value, str):
        if value in CATEGORIES:
            return str(CATEGORIES[value])
        if value in STATUSES:
            return status_word(value)
        if value in ROLES:
            return str(ROLES[value])
        if value in LINKS:
            return str(LINKS[value])
        if len(value) >= 10 and value[:4].isdigit() and value[4:5] == "-":
            return day(value)
    return str(value)


def install(app) -> None:
    from services.web import countries

    app.jinja_env.globals.update(
        VERDICTS=VERDICTS,
        VERDICT_ADVICE=VERDICT_ADVICE,
        CATEGORIES=CATEGORIES,
        DETAIL=DETAIL,
        ROLES=ROLES,
        CSV_PROBLEMS=CSV_PROBLEMS,
        FORM_PROBLEMS=FORM_PROBLEMS,
        status_word=status_word,
        event_word=event_word,
        reason_sentence=reason_sentence,
        shown_fields=shown_fields,
        plain=plain,
        country_name=countries.name,
        country_choices=countries.choices,
    )
