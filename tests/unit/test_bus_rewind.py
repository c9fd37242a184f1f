"""A rewind the broker cannot take now is taken before the next poll: no batch after a
failed one is read past what was committed, and the caller's recovery never raises."""

from kafka import TopicPartition
from kafka.errors import KafkaConnectionError

from shared.bus.kafka import KafkaSource


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
