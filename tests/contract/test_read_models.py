"""The read-model store contract, held by every adapter."""

import dataclasses

import pytest
from pymongo import monitoring

from shared.readmodels.base import Query, Write, due_by


class ReadModelContract:
    @pytest.fixture
    def store(self):
        raise NotImplementedError

    def test_put_respects_revisions(self, store):
        assert store.get("things", "a") is None
        assert store.put("things", "a", {"n": 1}, 0)
        assert not store.put("things", "a", {"n": 9}, 0)
        stored = store.get("things", "a")
        assert (stored.revision, stored.document) == (1, {"n": 1})
        assert store.put("things", "a", {"n": 2}, 1)
        assert not store.put("things", "a", {"n": 3}, 1)
        assert store.get("things", "a").document == {"n": 2}

    def test_put_many_writes_each_over_its_revision(self, store):
        store.drop("names")
        store.ensure_word_index("names", "search")
        assert store.put_many(
            [
                Write("things", "a", {"n": 1}, 0),
                Write("names", "b", {"search": "bench agency"}, 0),
                Write("things", "c", {"n": 1}, 0),
            ]
        )
        assert store.put_many([Write("things", "a", {"n": 2}, 1)])
        assert (store.get("things", "a").revision, store.get("things", "c").revision) == (2, 1)
        assert not store.put_many([Write("things", "a", {"n": 3}, 1)])
        assert not store.put_many([Write("things", "d", {}, 0), Write("things", "c", {}, 0)])
        assert store.get("things", "a").document == {"n": 2}
        assert store.get("things", "c").document == {"n": 1}
        found = store.find("names", Query({}, words=("search", ("agen",))))
        assert found.items == [{"search": "bench agency"}]

    def test_put_each_says_which_writes_stand(self, store):
        assert store.put_each([Write("things", "a", {"n": 1}, 0), Write("other", "a", {}, 0)]) == [
            True,
            True,
        ]
        assert store.put_each([]) == []
        store.put("things", "b", {"n": 1}, 0)
        store.put("things", "b", {"n": 2}, 1)  # another writer, after a read at 1
        writes = [
            Write("things", "a", {"n": 2}, 1),
            Write("things", "b", {"n": 3}, 1),
            Write("other", "c", {"n": 1}, 0),
        ]
        stood = store.put_each(writes)
        assert stood == [True, False, True], "a write that loses leaves the others standing"
        for write, standing in zip(writes, stood, strict=True):
            stored = store.get(write.collection, write.key)
            written = (stored.revision, stored.document) if stored else None
            assert (written == (write.revision + 1, write.document)) is standing

    def test_get_many_returns_the_keys_that_exist(self, store):
        for n in range(3):
            store.put("things", f"k{n}", {"n": n}, 0)
        store.put("things", "k1", {"n": 10}, 1)
        found = store.get_many("things", ["k1", "k2", "absent", "k1"])
        assert {key: (s.revision, s.document) for key, s in found.items()} == {
            "k1": (2, {"n": 10}),
            "k2": (1, {"n": 2}),
        }
        assert store.get_many("things", []) == {}
        for n in range(3, 130):
            store.put("things", f"k{n}", {"n": n}, 0)
        # More keys than an adapter may ask for at once (shared.mongo.IN_SLICE).
        many = store.get_many("things", [f"k{n}" for n in range(140)])
        assert sorted(many) == sorted(f"k{n}" for n in range(130))
        assert all(many[f"k{n}"].document == {"n": n} for n in range(3, 130))

    def test_change_many_makes_each_change_again_on_a_fresh_read_when_another_wins(self, store):
        store.put("marks", "a", {"n": 1}, 0)
        raced = []

        def count(document):
            if not raced:  # another writer gets in between the read and the write
                raced.append(store.put("marks", "a", {"n": 10}, store.get("marks", "a").revision))
            return {**document, "n": document["n"] + 1}

        def mark(document):
            return {**(document or {}), "due": ""}

        def create(document):
            if len(raced) == 1:  # another writer creates it between the read and the write
                raced.append(store.put("marks", "c", {"n": 5}, 0))
            return {"n": (document or {"n": 0})["n"] + 1}

        store.change_many("marks", {"a": count, "b": mark, "c": create, "d": mark})
        assert raced == [True, True]
        assert store.get("marks", "a").document == {"n": 11}
        assert store.get("marks", "c").document == {"n": 6}
        for key in "bd":
            marked = store.get("marks", key)
            assert (marked.revision, marked.document) == (1, {"due": ""})

    def test_documents_round_trip_nested_values(self, store):
        document = {"name": "Agência Ñandú", "tags": ["a", "b"], "inner": {"x": 1, "y": None}}
        store.put("things", "k", document, 0)
        assert store.get("things", "k").document == document

    def test_find_filters_pages_and_counts(self, store):
        for n in range(7):
            country = "KE" if n % 2 else "PH"
            store.put("things", f"k{n}", {"n": n, "country": country, "name": f"agency {n}"}, 0)
        page = store.find("things", Query({"country": "KE"}, order_by="n", limit=2, offset=1))
        assert [d["n"] for d in page.items] == [3, 5] and page.total == 3
        bounded = store.find("things", Query({"country": "KE"}, limit=1, count_up_to=2))
        assert len(bounded.items) == 1 and bounded.total == 2
        # A page that is not full shows the total itself; one past the end must count it.
        last = store.find("things", Query({"country": "KE"}, order_by="n", limit=2, offset=2))
        assert [d["n"] for d in last.items] == [5] and last.total == 3
        past = store.find("things", Query({"country": "KE"}, limit=2, offset=5))
        assert past.items == [] and past.total == 3
        few = store.find("things", Query({"country": "KE"}, limit=10, count_up_to=2))
        assert len(few.items) == 3 and few.total == 2
        contains = store.find("things", Query({}, contains=("name", "ncy 4")))
        assert [d["n"] for d in contains.items] == [4]
        store.put("things", "nested", {"inner": {"x": 1}, "country": "KE"}, 0)
        assert [d["inner"] for d in store.find("things", Query({"inner.x": 1})).items] == [{"x": 1}]

    def test_below_is_an_exclusive_bound_that_skips_missing_values(self, store):
        for key, due in (
            ("a", "2026-01-01"),
            ("b", "2026-06-30"),
            ("c", None),
            ("d", "2027-01-01"),
        ):
            store.put("things", key, {"due": due} if due else {}, 0)
        page = store.find("things", Query({}, below=("due", "2026-07-01"), order_by="due"))
        assert [d["due"] for d in page.items] == ["2026-01-01", "2026-06-30"]

    def test_above_is_an_exclusive_bound_that_pages_on_from_a_cursor(self, store):
        for n in range(1, 6):
            store.put("things", f"k{n}", {"list": "w1", "seq": n}, 0)
        store.put("things", "other", {"list": "w2", "seq": 9}, 0)
        store.put("things", "none", {"list": "w1"}, 0)
        after = Query({"list": "w1"}, above=("seq", 2), order_by="seq", limit=2)
        assert [d["seq"] for d in store.find("things", after).items] == [3, 4]
        between = Query({"list": "w1"}, above=("seq", 2), below=("seq", 5), order_by="seq")
        assert [d["seq"] for d in store.find("things", between).items] == [3, 4]

    def test_a_page_not_counted_holds_its_documents_and_counts_only_them(self, store):
        store.drop("due")
        store.ensure_index("due", ["due"])
        for n in range(7):
            store.put("due", f"k{n}", {"due": f"2026-01-0{n + 1}"}, 0)
        due = due_by("2026-01-05", limit=3)
        first = store.find("due", due)
        assert [d["due"][-1] for d in first.items] == ["1", "2", "3"]
        assert first.total == 3  # five are due; nobody counted them
        assert store.find("due", dataclasses.replace(due, counted=True)).total == 5

    def test_query_strings_never_act_as_operators(self, store):
        store.put("things", "a", {"name": "x"}, 0)
        with pytest.raises(TypeError):
            Query({"name": {"$gt": ""}})
        assert store.find("things", Query({"name": "$gt"})).total == 0
        assert store.find("things", Query({}, contains=("name", ".*"))).total == 0
        with pytest.raises(ValueError):
            Query({"name; DROP": "x"})

    def test_words_find_each_word_as_the_start_of_a_word(self, store):
        names = {
            "a": "bench agency 12",
            "b": "bench agency 120 | benchmark trading",
            "c": "agency bench",
            "d": "xbench agency",
            "e": "al-amin & co",
        }
        store.put("names", "a", {"id": "a", "search": names["a"], "kind": "r"}, 0)
        store.ensure_word_index("names", "search")  # over a document already there
        for key in "bcde":
            store.put("names", key, {"id": key, "search": names[key], "kind": "r"}, 0)
        store.put("names", "none", {"id": "none", "kind": "r"}, 0)

        def found(*words: str, **where: str) -> list[str]:
            query = Query(where, words=("search", words), order_by="search")
            page = store.find("names", query)
            assert page.total == len(page.items)
            return [document["id"] for document in page.items]

        assert found("bench") == ["c", "a", "b"]
        assert found("bench", "agency", "12") == ["a", "b"]
        assert found("12", "bench") == ["a", "b"]
        assert found("benchm") == ["b"]
        assert found("12", "xbench") == []  # the rarer word's documents lack the other
        assert found("gency") == [] and found("bench", "zzz") == []
        assert found("amin") == ["e"] and found("co", kind="r") == ["e"]
        assert found("bench", kind="other") == []
        # Text that would be syntax to a full-text engine is only ever a word.
        assert found('a"b') == [] and found("*") == [] and found("OR") == []

        store.put("names", "a", {"id": "a", "search": "renamed", "kind": "r"}, 1)
        assert found("bench", "agency") == ["c", "b"] and found("ren") == ["a"]
        store.delete("names", "b")
        assert found("bench") == ["c"]
        store.drop("names")
        store.ensure_word_index("names", "search")
        assert found("bench") == []
        store.put("names", "c", {"id": "c", "search": names["c"]}, 0)
        assert found("bench") == ["c"]

    def test_unique_index_refuses_a_duplicate(self, store):
        store.ensure_index("things", ["country", "number"], unique=True)
        assert store.put("things", "a", {"country": "KE", "number": "1"}, 0)
        assert not store.put("things", "b", {"country": "KE", "number": "1"}, 0)
        assert store.put("things", "c", {"country": "PH", "number": "1"}, 0)

    def test_delete_removes_one_document(self, store):
        store.put("things", "a", {"n": 1}, 0)
        store.put("things", "b", {"n": 2}, 0)
        store.delete("things", "a")
        store.delete("things", "missing")
        assert store.get("things", "a") is None and store.get("things", "b") is not None

    def test_drop_empties_a_collection(self, store):
        store.put("things", "a", {}, 0)
        store.drop("things")
        assert store.get("things", "a") is None
        assert store.put("things", "a", {"again": True}, 0)


class TestSqliteReadModels(ReadModelContract):
    @pytest.fixture
    def store(self, embedded_settings):
        from shared.backend import open_backend

        return open_backend(embedded_settings).read_models("testing")


class TestMongoReadModels(ReadModelContract):
    @pytest.fixture
    def store(self, candidate_settings):
        from shared.backend import open_backend

        return open_backend(candidate_settings).read_models("testing")

    def test_a_search_asks_the_server_for_the_rarest_word_it_has_seen(self, candidate_settings):
        """The server reads every document holding the word asked for (SecantusDB
        ignores the limit), so after one search has counted them, the rarer goes."""
        from pymongo import MongoClient

        from shared.readmodels.mongo import MongoReadModelStore

        asked: list[dict] = []
        client = MongoClient(candidate_settings.mongodb_uri, event_listeners=[FindsOn(asked)])
        try:
            store = MongoReadModelStore(client["testing_search"])
            store.drop("names")
            store.ensure_word_index("names", "search")
            for n in range(30):
                store.put("names", f"k{n}", {"search": f"common word{n}"}, 0)
            store.put("names", "r", {"search": "rare common"}, 0)
            query = Query({}, words=("search", ("rare", "common")), order_by="search")
            del asked[:]
            assert store.find("names", query).items == [{"search": "rare common"}]
            assert store.find("names", query).items == [{"search": "rare common"}]
            # A word known to be rare goes before one never asked for.
            assert store.find("names", Query({}, words=("search", ("word1", "rare")))).items == []
        finally:
            client.close()
        rarer = [{"words.search": word} for word in ("common", "rare", "rare")]
        assert asked == rarer


class FindsOn(monitoring.CommandListener):
    """The filters of the finds on the collection ``names``."""

    def __init__(self, asked: list[dict]):
        self.asked = asked

    def started(self, event) -> None:
        if event.command_name == "find" and event.command.get("find") == "names":
            self.asked.append(dict(event.command["filter"]))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


class TestInMemoryReadModels(ReadModelContract):
    """The fake unit tests use holds the same contract as the real adapters."""

    @pytest.fixture
    def store(self):
        from tests.fakes import InMemoryReadModelStore

        return InMemoryReadModelStore()
