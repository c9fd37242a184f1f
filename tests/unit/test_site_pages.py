"""The site's pages with the APIs faked: languages, refusals, CSRF, headers, no 500."""

from __future__ import annotations

import io
import re

import pytest

from services.web.bootstrap import create_app
from services.web.upstream import Busy, NotKnown, Refused
from shared.config import Settings

STATUS = {
    "recruiter_id": "rec-1",
    "legal_name": "Bagong Lakbay Manpower, Inc.",
    "trade_names": ["Bagong Lakbay"],
    "country": "PH",
    "registration_number": "CS1",
    "licence": {
        "licence_number": "DMW-1",
        "status": "active",
        "valid_from": "2024-03-15",
        "valid_until": "2027-03-14",
        "conditions": [],
    },
    "certification": None,
    "monitoring": {
        "substantiated_open": 1,
        "substantiated_resolved": 0,
        "by_category": {"fees_charged": 1},
        "fees_reported": [{"amount": "25000", "currency": "PHP"}],
        "fees_reimbursed": [],
    },
    "verdict": "amber",
    "reasons": [{"code": "substantiated_report_open", "message": "...", "event_id": "e"}],
    "as_of": "2026-12-01T10:00:00+00:00",
    "positions": [],
    "receipt": "aGVhZGVy.cGF5bG9hZA.c2ln",
}


class FakeUpstream:
    """Answers from a table of (service, path) -> answer, or raises what is there."""

    def __init__(self):
        self.answers = {
            ("verification", "/v1/recruiters/rec-1"): STATUS,
            ("verification", "/v1/licences/PH/DMW-1"): STATUS,
            ("verification", "/v1/recruiters/rec-1/history"): {"events": []},
            ("verification", "/v1/recruiters"): {"items": [], "total": 0},
            ("verification", "/v1/verifications"): {"results": [], "receipt": "r"},
            ("monitoring", "/v1/public/reports"): {"report_id": "rep-1", "tracking_code": "C" * 32},
        }
        self.calls: list[tuple[str, str, object]] = []

    def get(self, service, route, query=None, token=None):
        self.calls.append((service, route, query))
        return self._answer(service, route)

    def post(self, service, route, body, token=None):
        self.calls.append((service, route, body))
        return self._answer(service, route)

    def ping(self, service):
        pass

    def _answer(self, service, route):
        answer = self.answers.get((service, route), NotKnown())
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def upstream():
    return FakeUpstream()


@pytest.fixture
def client(upstream, tmp_path):
    app = create_app(Settings(data_dir=tmp_path), upstream)
    return app.test_client()


def csrf(client) -> str:
    client.get("/track")
    return client.get_cookie("csrf").value


def html_lang(page: bytes) -> tuple[str, str]:
    match = re.search(rb'<html lang="([a-z]+)" dir="(ltr|rtl)">', page)
    return match.group(1).decode(), match.group(2).decode()


def test_the_language_comes_from_the_query_then_the_cookie_then_the_browser(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "ne,en;q=0.5"}).data) == (
        "ne",
        "ltr",
    )
    assert html_lang(client.get("/", headers={"Accept-Language": "tl"}).data)[0] == "fil"
    answer = client.get("/?lang=ar", headers={"Accept-Language": "ne"})
    assert html_lang(answer.data) == ("ar", "rtl")
    assert "lang=ar" in answer.headers["Set-Cookie"]
    assert html_lang(client.get("/", headers={"Accept-Language": "ne"}).data)[0] == "ar"
    assert html_lang(client.get("/?lang=xx").data)[0] == "ar"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Licensed, with warnings"),
        ("fil", "May lisensya, may babala"),
        ("ne", "इजाजतपत्र छ, चेतावनी सहित"),
        ("id", "Berizin, dengan peringatan"),
        ("ar", "مرخّص، مع تحذيرات"),
    ],
)
def test_the_verdict_is_a_word_and_a_symbol_in_the_reader_language(client, language, words):
    page = client.get(f"/recruiters/rec-1?lang={language}").get_data(as_text=True)
    assert f'<span aria-hidden="true">⚠</span> {words}' in page
    assert "₱25,000.00" in page or "25,000" in page or "25.000" in page or "٢٥" in page


def test_every_page_carries_a_strict_policy_and_no_inline_script(client):
    for path in ("/", "/check", "/report", "/track", "/receipt", "/sign-in", "/recruiters/rec-1"):
        answer = client.get(path)
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert not re.search(rb"<script(?![^>]*\bsrc=)", answer.data), path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_licence_number_the_registry_does_not_know_is_a_404_that_says_so(client):
    answer = client.get("/licences/KE/NEA/PEA/9999")
    assert answer.status_code == 404
    assert (
        "No recruiter with licence number NEA/PEA/9999 in Kenya is known to this registry."
        in answer.get_data(as_text=True)
    )
    assert client.get("/licences/ZZ/1").status_code == 422
    assert client.get("/licences/PH/$gt").status_code == 422
    assert client.get("/recruiters/a b").status_code == 404


def test_searching_by_licence_goes_to_the_licence_page_and_an_empty_search_is_refused(client):
    answer = client.get("/?search=1&country=PH&number=DMW-1")
    assert answer.status_code == 303 and answer.headers["Location"] == "/licences/PH/DMW-1"
    empty = client.get("/?search=1&q=&lang=id")
    assert empty.status_code == 422 and "Tidak ada yang dicari" in empty.get_data(as_text=True)
    assert client.get("/?search=1&q=a&country=Narnia").status_code == 422
    assert client.get("/recruiters/rec-1?as_of=yesterday").status_code == 422


def test_a_form_post_without_its_token_is_refused_and_sends_nothing(client, upstream):
    answer = client.post("/report", data={"name": "X", "country": "PH", "categories": "other"})
    assert answer.status_code == 403
    assert answer.headers["Content-Type"].startswith("text/html")
    forged = client.post("/track", data={"code": "C" * 32, "csrf_token": "guess"})
    assert forged.status_code == 403
    assert upstream.calls == []


def test_a_report_is_filed_once_and_its_code_is_shown_only_on_the_answer(client, upstream):
    token = csrf(client)
    answer = client.post(
        "/report",
        data={"csrf_token": token, "name": "Agencia", "country": "PH", "categories": "other"},
    )
    assert answer.status_code == 201
    assert "C" * 32 in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    assert upstream.calls == [
        (
            "monitoring",
            "/v1/public/reports",
            {"subject": {"name": "Agencia", "country": "PH"}, "categories": ["other"]},
        )
    ]


def test_a_rejected_report_stores_nothing_and_names_the_fields(client, upstream):
    token = csrf(client)
    answer = client.post("/report?lang=fil", data={"csrf_token": token, "name": "Agencia"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Piliin ang bansa." in page and "Pumili ng kahit isa." in page
    assert upstream.calls == []


def test_tracking_by_a_wrong_code_is_a_404_page_and_the_code_stays_out_of_urls(client, upstream):
    token = csrf(client)
    answer = client.post("/track", data={"csrf_token": token, "code": "short"})
    assert answer.status_code == 404
    assert upstream.calls == []
    upstream.answers[("monitoring", "/v1/public/reports/track/" + "K" * 32)] = {
        "status": "received",
        "updates": [{"status": "received", "at": "2026-12-01T10:00:00+00:00"}],
    }
    found = client.post("/track", data={"csrf_token": token, "code": "K" * 32})
    assert found.status_code == 200 and found.headers["Cache-Control"] == "no-store"
    assert "K" * 32 not in found.get_data(as_text=True)


def test_a_csv_with_bad_rows_or_too_big_is_refused_before_any_check(client, upstream):
    token = csrf(client)

    def upload(data: bytes):
        return client.post(
            "/check",
            data={"csrf_token": token, "file": (io.BytesIO(data), "list.csv")},
            content_type="multipart/form-data",
        )

    bad = upload(b"country,licence_number\nXX,1\n")
    assert bad.status_code == 422 and "Row 2" in bad.get_data(as_text=True)
    assert upload(b"recruiter_id\n" + b"x" * (1024 * 1024 + 10)).status_code == 413
    assert upload(b"recruiter_id\n" + b"x" * (3 * 1024 * 1024)).status_code == 413
    assert upstream.calls == []
    good = upload(b"recruiter_id\nrec-1\n")
    assert good.status_code == 200
    assert upstream.calls == [
        ("verification", "/v1/verifications", {"items": [{"recruiter_id": "rec-1"}]})
    ]


def test_a_rate_limit_from_the_api_is_a_friendly_page_with_its_retry_after(client, upstream):
    upstream.answers[("verification", "/v1/recruiters/rec-1")] = Busy(429, "17")
    answer = client.get("/recruiters/rec-1?lang=ne")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "17"
    assert "17 सेकेन्ड" in answer.get_data(as_text=True)
    upstream.answers[("verification", "/v1/recruiters/rec-1")] = Refused({})
    assert client.get("/recruiters/rec-1").status_code == 422


def test_sign_in_refuses_a_bad_token_and_a_public_role(client, tmp_path):
    from shared.auth.tokens import mint_dev_token

    token = csrf(client)
    assert client.post("/sign-in", data={"csrf_token": token, "token": "x.y.z"}).status_code == 401
    monitor = mint_dev_token(Settings(data_dir=tmp_path), "monitor", org_id="ngo")
    answer = client.post("/sign-in", data={"csrf_token": token, "token": monitor})
    assert answer.status_code == 403 and client.get_cookie("official") is None
    consul = mint_dev_token(Settings(data_dir=tmp_path), "consular_officer", country="QA")
    signed = client.post("/sign-in", data={"csrf_token": token, "token": consul})
    assert signed.status_code == 303
    cookie = signed.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "(QA)" in client.get("/").get_data(as_text=True)


JUNK = ["", "%00", "' OR 1=1 --", '{"$gt": ""}', "..%2f..%2f", "\u202e", "a" * 5000, "٣"]


@pytest.mark.parametrize("junk", JUNK)
def test_no_input_makes_a_page_fail(client, junk):
    token = csrf(client)
    gets = [
        f"/?search=1&q={junk}",
        f"/?search=1&country={junk}&number={junk}",
        f"/recruiters/{junk}",
        f"/licences/{junk}/{junk}",
        f"/recruiters/rec-1?as_of={junk}",
        f"/?lang={junk}&offset={junk}",
    ]
    for path in gets:
        assert client.get(path).status_code < 500, path
    for path, form in [
        ("/report", {"name": junk, "country": junk, "categories": junk, "fee_amount": junk}),
        ("/track", {"code": junk}),
        ("/sign-in", {"token": junk}),
        ("/check/results.csv", {"rows": junk}),
    ]:
        assert client.post(path, data={"csrf_token": token, **form}).status_code < 500, path


def test_officials_detail_reads_as_words_without_ids_or_raw_structures(client, upstream):
    violation = {
        "violation_id": "v1",
        "description": "Late return",
        "decided_on": "2025-03-14",
        "penalty": {"description": "Fine", "amount": "5000", "currency": "PHP"},
    }
    report = {"status": "substantiated", "categories": ["fees_charged"], "received_at": None}
    detail = {"violations": [violation], "reports": [report], "branches": []}
    upstream.answers[("verification", "/v1/recruiters/rec-1")] = STATUS | {"detail": detail}
    page = client.get("/recruiters/rec-1").get_data(as_text=True)
    section = page[page.index('id="official-detail"') :]
    assert "v1" not in section and "{" not in section and "None" not in section
    assert "March 14, 2025" in section and "I paid a recruitment fee" in section
    assert "found true" in section and "PHP" in section


def test_a_report_the_api_refuses_names_the_field_or_the_form_and_shows_no_code(client, upstream):
    token = csrf(client)
    form = {"csrf_token": token, "recruiter_id": "rec-gone", "categories": "other"}
    upstream.answers[("monitoring", "/v1/public/reports")] = Refused({"recruiter_id": ["unknown"]})
    answer = client.post("/report", data=form)
    assert answer.status_code == 422
    assert "This recruiter is not known. Report it by name instead." in answer.get_data(
        as_text=True
    )
    upstream.answers[("monitoring", "/v1/public/reports")] = Refused({"fee_paid": ["bad"]})
    answer = client.post("/report", data=form)
    assert answer.status_code == 422
    assert "The registry could not read your request." in answer.get_data(as_text=True)


def test_a_write_token_is_passed_through_so_the_page_reflects_that_write(client, upstream):
    client.get("/recruiters/rec-1?consistent_with=tok-a&consistent_with=tok-b&as_of=2026-01-31")
    client.get("/licences/PH/DMW-1?consistent_with=tok-c")
    asked = [query for _, route, query in upstream.calls if route.startswith("/v1/") and query]
    assert asked[0] == {"as_of": "2026-01-31T23:59:59Z", "consistent_with": ["tok-a", "tok-b"]}
    assert asked[1] == {"consistent_with": ["tok-c"]}


def test_a_repeated_parameter_reaches_the_api_repeated(monkeypatch):
    from services.web.upstream import Upstream

    sent = []

    class Answer:
        status, data, headers = 200, b"{}", {}

    upstream = Upstream("http://verification", "http://monitoring")
    monkeypatch.setattr(
        upstream.pool, "request", lambda method, url, **_: sent.append(url) or Answer
    )
    upstream.get("verification", "/v1/recruiters/r", {"consistent_with": ["a", "b"], "as_of": ""})
    assert sent == ["http://verification/v1/recruiters/r?consistent_with=a&consistent_with=b"]


def test_a_recruiters_page_lists_its_chain_with_each_registered_agents_verdict(client, upstream):
    chain = {
        "agents": [
            {
                "agent_id": "a1",
                "name": "Terai Sub-Agents",
                "country": "NP",
                "role": "sub_agent",
                "recruiter_id": "rec-2",
                "verdict": "red",
            },
            {"agent_id": "a2", "name": "Doha Partners", "country": "QA", "role": "foreign_partner"},
        ],
        "reports_naming_unregistered_intermediaries": 2,
    }
    upstream.answers[("verification", "/v1/recruiters/rec-1")] = STATUS | {"chain": chain}
    page = client.get("/recruiters/rec-1?lang=ne").get_data(as_text=True)
    section = page[page.index("यसले काम गराउने एजेन्टहरू") :]
    assert "Terai Sub-Agents" in section and "Doha Partners" in section
    assert "सब-एजेन्ट" in section and 'href="/recruiters/rec-2' in section
    assert "verdict-red" in section and "Not licensed now" not in section
    assert "२" in section or "2" in section
    upstream.answers[("verification", "/v1/recruiters/rec-1")] = STATUS
    bare = client.get("/recruiters/rec-1?lang=en").get_data(as_text=True)
    assert "No agents declared." in bare
