"""``./registry stack up|down|status``: a real local Kafka broker and MongoDB-compatible server."""

from __future__ import annotations

import json
import sys

from registry_cli.contracts import TOPICS
from shared.config import Settings
from shared.mongo_servers import DEFAULT, SERVERS


def add_parser(commands) -> None:
    parser = commands.add_parser("stack", help="local Kafka and MongoDB-compatible servers")
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument(
        "--mongo",
        choices=SERVERS,
        default=DEFAULT,
        help=f"the MongoDB-compatible server to run (default {DEFAULT})",
    )
    parser.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="Kafka nodes in the KRaft cluster, on consecutive port pairs from 9092 (default 1)",
    )
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    from shared import stack

    settings = Settings.from_env()
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731
    if arguments.action == "up":
        topics = [settings.topic(t) for t in TOPICS]
        topics += [f"{topic}.dlq" for topic in topics]
        addresses = stack.up(
            settings.data_dir,
            topics=topics,
            topic_layout=settings.topic_layout(),
            log=log,
            mongo=arguments.mongo,
            brokers=arguments.brokers,
        )
        if arguments.brokers > 1 and settings.kafka_replication_factor == 1:
            log(
                "note: topics get one copy each; set REGISTRY_KAFKA_REPLICATION_FACTOR=3 and "
                "REGISTRY_KAFKA_MIN_INSYNC_REPLICAS=2 to survive losing a broker"
            )
        print(f"KAFKA_BOOTSTRAP_SERVERS={addresses.kafka_bootstrap}")
        print(f"MONGODB_URI={addresses.mongodb_uri}")
    elif arguments.action == "down":
        stack.down(settings.data_dir, log=log)
    else:
        print(json.dumps(stack.status(settings.data_dir), indent=2))
    return 0
