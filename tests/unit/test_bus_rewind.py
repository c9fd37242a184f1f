"""A rewind the broker cannot take now is taken before the next poll: no batch after a
failed one is read past what was committed, and the caller's recovery never raises."""

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaConnectionError

from shared.bus.embedded import CHECKPOINTS, EmbeddedSource
from shared.bus.kafka import KafkaSource
from shared.errors import Unavailable
from tests.fakes import InMemoryReadModelStore


class Broker:
    """A consumer whose broker refuses the first look-up of a committed offset."""

    def __init__(self):
        self.partition = TopicPartition("t", 0)
        self.position, self.refusals, self.calls = 9, 1, []

    def assignment(self):
        return {self.partition}

    def committed(self, partition):
        if self.refusals:
            self.refusals -= 1
            raise KafkaConnectionError("111 ECONNREFUSED")
        return 5

    def seek(self, partition, offset):
        self.position = offset
        self.calls.append(("seek", offset))

    def poll(self, timeout_ms, max_records):
        self.calls.append(("poll", self.position))
        return {}


def source_on(broker: Broker) -> KafkaSource:
    source = KafkaSource.__new__(KafkaSource)  # no broker to connect to in a unit test
    source._consumer, source._polled, source._committed = broker, {}, {}
    source._must_rewind = False
    return source


def test_a_rewind_the_broker_refuses_is_made_before_the_next_poll():
    broker = Broker()
    source = source_on(broker)
    source.rewind()  # refused: no exception, and nothing read yet
    assert broker.calls == []
    source.poll()
    assert broker.calls == [("seek", 5), ("poll", 5)]
    source.poll()
    assert broker.calls[-1] == ("poll", 5)  # once only


class Unreachable(InMemoryReadModelStore):
    """A read-model store that cannot be reached until told otherwise."""

    down = True

    def get(self, collection, key):
        if self.down:
            raise Unavailable("store down")
        return super().get(collection, key)


def test_the_embedded_bus_reads_its_checkpoint_before_the_first_poll_after_an_outage(tmp_path):
    store = Unreachable()
    store.put(CHECKPOINTS, "c", {"next": [{"topic": "t", "position": 7}]}, 0)
    source = EmbeddedSource({"t": tmp_path / "events.sqlite3"}, store, "c")  # rewind refused
    with pytest.raises(Unavailable):
        source.poll()  # still owed: nothing is read from a position not committed
    store.down = False
    assert source.poll() == []
    assert source.positions() == {"t": {"0": 7}}
