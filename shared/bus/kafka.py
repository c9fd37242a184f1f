"""The bus on Apache Kafka (stack backend): an idempotent producer and a group consumer."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from shared.bus.base import BusHead, EventPublisher, Message, MessageSource, dead_letter_topic
from shared.errors import Unavailable

# The Java client's default before Kafka 3.0: a consumer that died is replaced in its
# group within ten seconds, and one busy for a few seconds is not taken for dead.
SESSION_TIMEOUT_MS = 10_000


@contextlib.contextmanager
def unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except KafkaError as error:
        raise Unavailable(f"Kafka unreachable: {type(error).__name__}: {error}") from error


class KafkaPublisher(EventPublisher):
    def __init__(self, bootstrap_servers: str, client_id: str = "registry"):
        # Idempotent with acks=all: a retried send is never written twice, and order
        # within a partition holds even with several requests in flight.
        self._options = dict(
            bootstrap_servers=bootstrap_servers.split(","),
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            delivery_timeout_ms=30000,
            request_timeout_ms=10000,
        )
        self._lock = threading.Lock()
        self._producer: KafkaProducer | None = None
        self._connected()

    def publish(
        self,
        topic: str,
        messages: Sequence[tuple[str, bytes]],
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        try:
            with unavailable_on_failure():
                producer = self._connected()
                futures = [
                    producer.send(topic, key=key.encode(), value=value, headers=list(headers))
                    for key, value in messages
                ]
                producer.flush(timeout=30)
                for future in futures:
                    future.get(timeout=30)
        except Unavailable:
            # Once a batch has expired (the broker down longer than the delivery timeout),
            # kafka-python's idempotent producer sent nothing more, even with the broker
            # back: the fault suite saw relays wait forever. A new producer (a new producer
            # id) resumes; what was not acknowledged is sent again by the caller.
            self._discard()
            raise

    def _connected(self) -> KafkaProducer:
        with self._lock, unavailable_on_failure():
            if self._producer is None:
                self._producer = KafkaProducer(**self._options)
            return self._producer

    def _discard(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                producer.close(timeout=0)

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=10)


class KafkaSource(MessageSource):
    def __init__(
        self,
        bootstrap_servers: str,
        topics: Sequence[str],
        group_id: str,
        dead_letters: KafkaPublisher,
    ):
        self._dead_letters = dead_letters
        self._group = group_id
        self._committed: dict[str, dict[str, int]] = {}
        self._polled: dict[tuple[str, int], int] = {}
        with unavailable_on_failure():
            self._consumer = KafkaConsumer(
                *topics,
                bootstrap_servers=bootstrap_servers.split(","),
                group_id=group_id,
                client_id=group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                # kafka-python 3 keeps a member that stopped heartbeating for 45 s (its
                # default since KIP-735), and a restarted worker's consumers wait that
                # long to join: a killed verification worker answered again after 35 s.
                session_timeout_ms=SESSION_TIMEOUT_MS,
                heartbeat_interval_ms=SESSION_TIMEOUT_MS // 3,
            )

    def poll(self, max_messages: int = 500, timeout_ms: int = 1000) -> list[Message]:
        self.rewind_if_owed()
        with unavailable_on_failure():
            batches = self._consumer.poll(timeout_ms=timeout_ms, max_records=max_messages)
        messages = []
        for partition, records in batches.items():
            for record in records:
                messages.append(
                    Message(
                        topic=record.topic,
                        partition=record.partition,
                        offset=record.offset,
                        key=record.key.decode(errors="replace") if record.key else None,
                        # A tombstone (null value) or a null header is still a message to set aside.
                        value=record.value or b"",
                        headers={
                            k: (v or b"").decode(errors="replace") for k, v in record.headers or []
                        },
                    )
                )
                self._polled[(partition.topic, partition.partition)] = record.offset + 1
        return messages

    def commit(self) -> None:
        if not self._polled:
            return
        with unavailable_on_failure():
            self._consumer.commit()
        for (topic, partition), offset in self._polled.items():
            self._committed.setdefault(topic, {})[str(partition)] = offset
        self._polled.clear()

    def rewind(self) -> None:
        self._polled.clear()  # nothing polled since the last commit may be committed
        super().rewind()

    def _go_back(self) -> None:
        with unavailable_on_failure():
            for partition in self._consumer.assignment():
                committed = self._consumer.committed(partition)
                if committed is None:
                    self._consumer.seek_to_beginning(partition)
                else:
                    self._consumer.seek(partition, committed)

    def dead_letter(self, message: Message, reason: str) -> None:
        headers = [
            ("reason", reason[:1000].encode()),
            ("original-topic", message.topic.encode()),
            ("original-partition", str(message.partition).encode()),
            ("original-offset", str(message.offset).encode()),
            ("consumer", self._group.encode()),
        ]
        key = message.key or ""
        self._dead_letters.publish(
            dead_letter_topic(message.topic), [(key, message.value)], headers
        )

    def positions(self) -> dict[str, dict[str, int]]:
        return {topic: dict(partitions) for topic, partitions in self._committed.items()}

    def caught_up(self) -> bool:
        with unavailable_on_failure():
            assignment = list(self._consumer.assignment())
            if not assignment:
                return False
            ends = self._consumer.end_offsets(assignment)
            return all(self._consumer.position(tp) >= end for tp, end in ends.items())

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class KafkaHead(BusHead):
    """Reads, without joining any group, the first unread record of the partitions that
    hold a key: its timestamp is when it was put on the bus. The ends of every partition
    are asked for in one request at most twice a second, and a partition's first unread
    record once, so that answering costs no round trip to the broker per request."""

    ENDS_FOR_SECONDS = 0.5
    FIRST_TIMES_KEPT = 10_000

    def __init__(self, bootstrap_servers: str, topics: Sequence[str]):
        self._bootstrap = bootstrap_servers.split(",")
        self._topics = list(topics)
        self._lock = threading.Lock()
        # Connected on first use: a reader starts whether or not the broker is up yet.
        self._consumer: KafkaConsumer | None = None
        self._ends: tuple[float, dict[TopicPartition, int]] = (0.0, {})
        self._first_times: dict[tuple[TopicPartition, int], datetime | None] = {}

    def oldest_unread(
        self, positions: Sequence[Mapping[str, object]], key: str | None = None
    ) -> datetime | None:
        read = {(p["topic"], int(p["partition"])): int(p["offset"]) for p in positions}
        with self._lock, unavailable_on_failure():
            if self._consumer is None:
                self._consumer = KafkaConsumer(
                    bootstrap_servers=self._bootstrap,
                    client_id="registry-bus-head",
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                )
            wanted = [tp for topic in self._topics for tp in self._partitions(topic, key)]
            ends = self._ends_of(wanted)
            behind = [tp for tp in wanted if read.get((tp.topic, tp.partition), 0) < ends[tp]]
            times = [self._first_time(tp, read.get((tp.topic, tp.partition), 0)) for tp in behind]
        found = [time for time in times if time is not None]
        return min(found) if found else None

    def _ends_of(self, wanted: list[TopicPartition]) -> dict[TopicPartition, int]:
        asked_at, ends = self._ends
        if time.monotonic() - asked_at > self.ENDS_FOR_SECONDS or not set(wanted) <= set(ends):
            every = [tp for topic in self._topics for tp in self._partitions(topic, None)]
            ends = self._consumer.end_offsets(list(dict.fromkeys([*every, *wanted])))
            self._ends = (time.monotonic(), ends)
        return ends

    def _partitions(self, topic: str, key: str | None) -> list[TopicPartition]:
        partitions = sorted(self._consumer.partitions_for_topic(topic) or [])
        if key is not None and partitions:
            # As the producer's default partitioner places a keyed message.
            partitions = [partitions[(murmur2(key.encode()) & 0x7FFFFFFF) % len(partitions)]]
        return [TopicPartition(topic, partition) for partition in partitions]

    def _first_time(self, partition: TopicPartition, offset: int) -> datetime | None:
        if (partition, offset) in self._first_times:
            return self._first_times[(partition, offset)]
        self._consumer.assign([partition])
        self._consumer.seek(partition, offset)
        found = None
        for records in self._consumer.poll(timeout_ms=2000, max_records=1).values():
            found = datetime.fromtimestamp(records[0].timestamp / 1000, UTC) if records else None
            break
        if found is not None:  # not yet fetched is asked again; a record never changes
            if len(self._first_times) >= self.FIRST_TIMES_KEPT:
                self._first_times.clear()
            self._first_times[(partition, offset)] = found
        return found

    def close(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.close(autocommit=False)
                self._consumer = None


class KafkaProbe:
    """Answers readiness checks with a real metadata request over one kept connection."""

    def __init__(self, bootstrap_servers: str):
        self._bootstrap = bootstrap_servers.split(",")
        self._admin = None

    def ping(self) -> None:
        from kafka import KafkaAdminClient

        with unavailable_on_failure():
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self._bootstrap,
                    client_id="registry-probe",
                    request_timeout_ms=5000,
                )
            self._admin.list_topics()

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
