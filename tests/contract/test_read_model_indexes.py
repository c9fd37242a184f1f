"""Every read-model query is served by a declared index (issue 16). The suite checks
each query a service makes while the tests run (tests/query_plans.py, through
tests/conftest.py); these tests hold the checker itself to account."""

import pytest

from shared.readmodels.base import Query, serves
from tests.query_plans import declared_indexes, unindexed


def test_an_index_serves_equalities_first_then_the_bound_or_the_order():
    index = ("country", "status", "referred_at")
    assert serves(index, Query({"status": "open", "country": "KE"}, order_by="referred_at"))
    assert serves(index, Query({"country": "KE", "status": "open"}))
    assert serves(("next_expiry",), Query({}, below=("next_expiry", "2026-01-01")))
    assert not serves(index, Query({"country": "KE"}, order_by="referred_at"))
    assert not serves(index, Query({"status": "open"}))
    assert not serves(index, Query({"country": "KE", "status": "open"}, order_by="country"))
    assert not serves(("country",), Query({}, limit=10))
    found_by_name = Query({"kind": "r"}, contains=("search", "x"), order_by="search")
    assert serves(("kind", "search"), found_by_name)


def test_every_service_declares_indexes_and_each_is_planned_without_a_full_scan(
    embedded_settings,
):
    from shared.backend import open_backend

    store = open_backend(embedded_settings).read_models("indexes")
    declared = declared_indexes()
    assert {"recruiter_status", "referral_inbox", "licence_register"} <= set(declared)
    for collection, indexes in declared.items():
        for index in indexes:
            store.ensure_index(collection, index)
        for index in indexes:
            *equal, last = index
            bound = None if equal else (last, "x")  # an order alone would walk it all
            query = Query(dict.fromkeys(equal, "x"), below=bound, order_by=last)
            assert unindexed(store, collection, query) is None, (collection, index)


@pytest.mark.parametrize(
    "query",
    [Query({"legal_name": "x"}), Query({}, order_by="country"), Query({}, limit=5)],
)
def test_a_query_no_declared_index_serves_is_reported(embedded_settings, query):
    from shared.backend import open_backend

    store = open_backend(embedded_settings).read_models("indexes")
    assert "no index declared" in unindexed(store, "recruiter_status_g2_0123abcd", query)


def test_sqlite_reports_the_full_scan_of_an_index_it_was_never_given(embedded_settings):
    from shared.backend import open_backend

    store = open_backend(embedded_settings).read_models("indexes")
    query = Query({"country": "KE"}, limit=1)
    assert "SQLite scans recruiter_directory" in unindexed(store, "recruiter_directory", query)
    store.ensure_index("recruiter_directory", ["country"])
    assert unindexed(store, "recruiter_directory", query) is None
