"""The rate-window contract, held by every adapter and the fake: counts per client and
window, shared by every process, exact when first requests race."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest


class RateWindowsContract:
    @pytest.fixture
    def windows(self):
        raise NotImplementedError

    @pytest.fixture
    def exact_under_races(self) -> bool:
        return True

    def test_counts_add_up_per_client_and_window(self, windows):
        client, later = f"c-{uuid.uuid4().hex[:6]}", time.time() + 60
        assert windows.add(client, 1, 1, later) == 1
        assert windows.add(client, 1, 2, later) == 3
        assert windows.add(client, 2, 1, later) == 1
        assert windows.add(f"{client}-other", 1, 1, later) == 1

    def test_first_requests_racing_are_each_counted(self, windows, exact_under_races):
        client, later = f"c-{uuid.uuid4().hex[:6]}", time.time() + 60
        for window in range(5):
            with ThreadPoolExecutor(8) as pool:
                counts = list(pool.map(lambda w: windows.add(client, w, 1, later), [window] * 8))
            assert all(1 <= count <= 8 for count in counts)
            total = windows.add(client, window, 0, later)
            if exact_under_races:
                assert total == 8  # each counted once
            else:  # a concurrent increment may be lost, never one invented
                assert 1 <= total <= 8

    def test_an_expired_window_is_forgotten(self, windows):
        client, now = f"c-{uuid.uuid4().hex[:6]}", time.time()
        windows.add(client, 1, 5, now - 1)
        windows.add(client, 2, 5, now + 60)
        windows.forget_before(now)
        assert windows.add(client, 1, 1, now + 60) == 1
        assert windows.add(client, 2, 1, now + 60) == 6


class TestSqliteRateWindows(RateWindowsContract):
    @pytest.fixture
    def windows(self, embedded_settings):
        from shared.backend import open_backend

        return open_backend(embedded_settings).rate_windows("testing")


class TestMongoRateWindows(RateWindowsContract):
    @pytest.fixture
    def windows(self, candidate_settings):
        from shared.backend import open_backend

        return open_backend(candidate_settings).rate_windows("testing")

    @pytest.fixture
    def exact_under_races(self, request) -> bool:
        # FerretDB 1.x loses concurrent $incs (README): not the default server for this
        # reason too. Held there to what it does keep: never more than was added.
        return not request.node.callspec.params["candidate_settings"].startswith("ferretdb")


class TestInMemoryRateWindows(RateWindowsContract):
    """The fake unit tests use holds the same contract as the real adapters."""

    @pytest.fixture
    def windows(self):
        from tests.fakes import InMemoryRateWindows

        return InMemoryRateWindows()
