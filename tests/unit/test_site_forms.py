"""The site's pure pieces: a batch CSV read and written, a worker's report form checked."""

from __future__ import annotations

from datetime import date, timedelta

from werkzeug.datastructures import MultiDict

from services.web.batch_csv import pack, read_batch, unpack, write_results
from services.web.report_form import read_report


def test_a_csv_by_licence_number_and_by_id_gives_one_item_per_row():
    batch = read_batch(
        "\ufeffcountry,licence_number,recruiter_id\r\n"
        "ph,DMW-112-LB-031524-R,\r\n"
        ",,rec-abc\r\n"
        "\r\n"
        "NP,0912/080/081,\r\n".encode()
    )
    assert batch.problems == []
    assert batch.items == [
        {"country": "PH", "licence_number": "DMW-112-LB-031524-R"},
        {"recruiter_id": "rec-abc"},
        {"country": "NP", "licence_number": "0912/080/081"},
    ]


def test_every_bad_row_is_named_and_no_item_is_kept_from_it():
    batch = read_batch(
        b"country,licence_number,recruiter_id\n"
        b"XX,123,\n"
        b"PH,$gt,\n"
        b"PH,1,rec-a\n"
        b",,\n"
        b",,rec a\n"
        b"PH,1,,extra\n"
    )
    assert batch.problems == [
        (2, "country"),
        (3, "licence_number"),
        (4, "both"),
        (6, "recruiter_id"),
        (7, "columns"),
    ]


def test_a_file_that_is_not_a_list_of_recruiters_is_refused_whole():
    assert read_batch(b"").problems == [(1, "empty")]
    assert read_batch(b"name,phone\nx,y\n").problems == [(1, "header")]
    assert read_batch(b"\xff\xfe\x00").problems == [(1, "not_utf8")]
    assert read_batch(b"recruiter_id\n").problems == [(2, "empty")]
    too_many = b"recruiter_id\n" + b"rec-a\n" * 1001
    assert read_batch(too_many).problems == [(1002, "too_many")]
    assert len(read_batch(b"recruiter_id\n" + b"rec-a\n" * 1000).items) == 1000


def test_the_results_csv_has_a_row_per_query_and_ends_with_the_receipt():
    answer = {
        "results": [
            {
                "query": {"country": "PH", "licence_number": "L-1"},
                "found": True,
                "status": {
                    "recruiter_id": "rec-1",
                    "legal_name": "Peñafrancia, Inc.",
                    "country": "PH",
                    "verdict": "amber",
                    "reasons": [{"code": "licence_expiring"}],
                    "licence": {
                        "licence_number": "L-1",
                        "status": "active",
                        "valid_until": "2027-01-01",
                    },
                    "certification": None,
                    "as_of": "2026-12-01T00:00:00Z",
                },
            },
            {"query": {"recruiter_id": "rec-x"}, "found": False},
        ],
        "receipt": "h.p.s",
    }
    lines = write_results(answer).splitlines()
    assert lines[0].startswith("row,recruiter_id,country,licence_number,found")
    assert lines[1].startswith(
        '1,rec-1,PH,L-1,yes,"Peñafrancia, Inc.",amber,licence_expiring,active'
    )
    assert lines[2].startswith("2,rec-x,,,no,")
    assert lines[-1] == "receipt,h.p.s"


def test_the_queries_carried_for_the_download_come_back_the_same_or_not_at_all():
    items = [{"recruiter_id": "rec-a"}, {"country": "NP", "licence_number": "0912/080/081"}]
    assert unpack(pack(items)) == items
    assert unpack("not base64!") is None
    assert unpack(pack([{"country": "XX", "licence_number": "1"}])) is None
    assert unpack("") is None


def report(**fields):
    form = MultiDict({"name": "Agencia Ñandú", "country": "PH", **fields})
    if "categories" not in fields:
        form.add("categories", "fees_charged")
    return read_report(form)


def test_a_worker_report_becomes_the_public_api_body():
    checked = report(
        fee_amount="1500.50",
        fee_currency="php",
        licence_number="DMW-1",
        recruitment_date="2025-01-31",
        narrative="They kept my passport",
        contact="+63 900",
    )
    assert checked.problems == {}
    assert checked.body == {
        "subject": {"name": "Agencia Ñandú", "country": "PH", "licence_number": "DMW-1"},
        "categories": ["fees_charged"],
        "fee_paid": {"amount": "1500.50", "currency": "PHP"},
        "recruitment_date": "2025-01-31",
        "narrative": "They kept my passport",
        "reporter": {"contact": "+63 900"},
    }
    assert read_report(MultiDict({"recruiter_id": "rec-1", "categories": "other"})).body == {
        "subject": {"recruiter_id": "rec-1"},
        "categories": ["other"],
    }


def test_each_wrong_field_is_named():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    checked = report(
        categories="bribery",
        fee_amount="-5",
        fee_currency="ZZZ",
        recruitment_date=tomorrow,
        destination_country="Qatar",
        contact="x" * 301,
    )
    assert set(checked.problems) == {
        "categories",
        "fee_amount",
        "fee_currency",
        "recruitment_date",
        "destination_country",
        "contact",
    }
    assert set(read_report(MultiDict({})).problems) == {"name", "country", "categories"}


def test_a_go_between_the_worker_names_joins_the_body_with_name_and_country_together():
    named = report(intermediary_name="Ram the broker", intermediary_country="NP")
    assert named.problems == {}
    assert named.body["intermediaries"] == [{"name": "Ram the broker", "country": "NP"}]
    described = report(
        intermediary_name="Ram", intermediary_country="IN", intermediary_role="took my fee"
    )
    assert described.body["intermediaries"] == [
        {"name": "Ram", "country": "IN", "role_as_described": "took my fee"}
    ]
    assert "intermediaries" not in report().body
    assert set(report(intermediary_role="took my fee").problems) == {
        "intermediary_name",
        "intermediary_country",
    }
    too_long = report(intermediary_name="x" * 301, intermediary_country="Nepal")
    assert set(too_long.problems) == {"intermediary_name", "intermediary_country"}
