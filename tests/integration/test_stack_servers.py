"""The real servers answer: one message through Kafka, documents and a unique index in MongoDB."""

import uuid

import pytest


def test_kafka_produces_and_consumes_one_message(servers) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    from shared.config import TopicLayout
    from shared.stack import ensure_topics

    bootstrap = servers.kafka_bootstrap
    topic = f"test.stack.{uuid.uuid4().hex}"
    ensure_topics(bootstrap, [topic], TopicLayout(partitions=1))
    ensure_topics(bootstrap, [topic], TopicLayout(partitions=1))  # a second time is harmless

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, key=b"k", value=b"hello").get(timeout=30)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=30_000,
    )
    try:
        message = next(iter(consumer))
    finally:
        consumer.close()
    assert (message.key, message.value) == (b"k", b"hello")


def test_mongodb_inserts_finds_and_enforces_a_unique_index(servers) -> None:
    from pymongo import ASCENDING, MongoClient
    from pymongo.errors import DuplicateKeyError

    client: MongoClient = MongoClient(servers.mongodb_uri, serverSelectionTimeoutMS=10_000)
    database = client[f"test_stack_{uuid.uuid4().hex[:12]}"]
    try:
        recruiters = database["recruiters"]
        recruiters.create_index([("country", ASCENDING), ("licence", ASCENDING)], unique=True)
        recruiters.insert_one({"country": "NP", "licence": "123/2024", "name": "Acme"})

        found = recruiters.find_one({"country": "NP", "licence": "123/2024"}, {"_id": 0})
        assert found == {"country": "NP", "licence": "123/2024", "name": "Acme"}
        with pytest.raises(DuplicateKeyError):
            recruiters.insert_one({"country": "NP", "licence": "123/2024", "name": "Other"})
    finally:
        client.drop_database(database.name)
        client.close()


@pytest.mark.parametrize("name", ["secantusdb", "ferretdb-sqlite", "ferretdb-postgres"])
def test_each_mongodb_server_answers_and_status_names_it(name, mongo_candidates) -> None:
    from pymongo import MongoClient

    from shared import stack
    from tests.servers import SESSION_STACK, candidate_dir

    client: MongoClient = MongoClient(mongo_candidates.uri(name), serverSelectionTimeoutMS=10_000)
    try:
        assert client.admin.command("ping")["ok"] == 1
    finally:
        client.close()
    started_alone = name in mongo_candidates.started
    data_dir = candidate_dir(name) if started_alone else SESSION_STACK
    assert stack.status(data_dir)["mongodb"]["server"] == name
