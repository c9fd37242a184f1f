"""The report lifecycle table, pair by pair, and what a report's events may carry."""

from datetime import UTC, date, datetime

import pytest

from services.monitoring.domain import RECORDS, REPORT, Report
from shared.errors import Conflict, TransitionForbidden
from shared.events.licensing import ReferralAcknowledged, ReferralClosed

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
DATA = {
    "refer": {"country": "KE"},
    "resolve": {
        "outcome": "fees_reimbursed",
        "fees_reimbursed": {"amount": "500.00", "currency": "USD"},
    },
}
PATHS = {
    "received": [],
    "under_review": ["review"],
    "substantiated": ["substantiate"],
    "unsubstantiated": ["unsubstantiate"],
    "referred": ["substantiate", "refer"],
    "resolved": ["substantiate", "resolve"],
    "withdrawn": ["withdraw"],
}


def report_in(state: str) -> Report:
    report = Report("rep-1")
    report.now = NOW
    report.receive(
        "ngo-1",
        {"name": "Gulf Star Manpower", "country": "NP", "licence_number": "12/34"},
        ["fees_charged", "passport_retention"],
        {"amount": 1200, "currency": "USD"},
        "QA",
        date(2026, 3, 1),
    )
    for command in PATHS[state]:
        report.decide(command, **DATA.get(command, {}))
    assert report.status == state
    return report


@pytest.mark.parametrize("state", sorted(PATHS))
@pytest.mark.parametrize("command", sorted(REPORT.commands))
def test_every_state_and_command(state, command):
    report = report_in(state)
    before = len(report.pending)
    if (state, command) in REPORT.transitions:
        report.decide(command, **DATA.get(command, {}))
        assert report.status == REPORT.transitions[(state, command)]
        assert [c.name for c in report.pending[before:]] == [RECORDS[command].event_name]
    else:
        with pytest.raises(TransitionForbidden) as error:
            report.decide(command, **DATA.get(command, {}))
        assert error.value.state == state and state in str(error.value)
        assert len(report.pending) == before


def test_the_table_reaches_every_state():
    assert REPORT.states == set(PATHS)


def test_events_carry_no_personal_data_only_ids_categories_amounts_countries_dates():
    report = report_in("referred")
    received = report.pending[0].data
    assert set(received) == {
        "report_id",
        "org_id",
        "recruiter_id",
        "named_recruiter",
        "categories",
        "fee_paid",
        "destination_country",
        "recruitment_date",
    }
    assert received["fee_paid"] == {"amount": "1200", "currency": "USD"}
    assert received["categories"] == ["fees_charged", "passport_retention"]
    referred = report.pending[-1].data
    assert referred == {
        "report_id": "rep-1",
        "referral_id": "ref-rep-1",
        "country": "KE",
        "recruiter_id": None,
        "categories": ["fees_charged", "passport_retention"],
    }


def test_matching_an_unknown_recruiter_once_and_the_partition_key_follows():
    report = report_in("received")
    assert report.partition_key == "rep-1"
    report.match("rec-abc")
    assert report.partition_key == "rec-abc"
    with pytest.raises(Conflict):
        report.match("rec-other")


def test_the_ministry_answer_is_noted_on_the_report():
    report = report_in("referred")
    report.answer_referral(ReferralAcknowledged("ref-rep-1", "rep-1", "KE"))
    report.answer_referral(ReferralClosed("ref-rep-1", "rep-1", "KE", "sanctioned", None))
    report.answer_referral(ReferralClosed("ref-other", "rep-1", "KE", "no_action", None))
    assert report.referral["outcome"] == "sanctioned"
    assert [u["status"] for u in report.updates] == ["received", "substantiated", "referred"]


def test_a_redelivered_ministry_answer_is_noted_once():
    report = report_in("referred")
    acknowledged = ReferralAcknowledged("ref-rep-1", "rep-1", "KE")
    closed = ReferralClosed("ref-rep-1", "rep-1", "KE", "sanctioned", None)
    assert report.answer_referral(acknowledged)
    assert not report.answer_referral(acknowledged)
    assert report.answer_referral(closed)
    assert not report.answer_referral(closed)
    assert [c.name for c in report.pending][-2:] == [
        "referral_acknowledged_noted",
        "referral_outcome_noted",
    ]
    assert len([c for c in report.pending if c.name.startswith("referral_")]) == 2
