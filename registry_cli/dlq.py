"""``./registry dlq list|show|republish``: the messages consumers set aside (stack backend),
shown without personal data, fixed and put back on the bus."""

from __future__ import annotations

import json
import sys

from registry_cli.contracts import TOPICS
from shared.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser("dlq", help="list, show and republish dead letters")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the dead letters not yet republished")
    listing.add_argument("--all", action="store_true", help="republished ones too")
    show = actions.add_parser("show", help="one dead letter, its data without free text")
    show.add_argument("id", help="as `dlq list` prints it: TOPIC/PARTITION/OFFSET")
    republish = actions.add_parser(
        "republish", help="fix a dead letter's event and put it back on its topic"
    )
    republish.add_argument("id")
    republish.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=JSON",
        help="set a field, e.g. --set 'data.reason=\"Unpaid fees\"' (repeatable)",
    )
    republish.add_argument(
        "--unset", action="append", default=[], metavar="PATH", help="remove a field"
    )
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    from shared.backend import open_backend
    from shared.deadletters import UNSET, KafkaDeadLetters, NoSuchLetter, fixed_event
    from shared.errors import InvalidEvent

    settings = Settings.from_env()
    if settings.backend != "stack":
        # The embedded bus is the producers' own tables: nothing is set aside on a topic.
        print("registry dlq: dead-letter topics exist on the stack backend only", file=sys.stderr)
        return 2
    backend = open_backend(settings)
    try:
        letters = KafkaDeadLetters(
            settings.kafka_bootstrap_servers,
            [settings.topic(topic) for topic in TOPICS],
            backend.publisher(),
        )
        if arguments.action == "list":
            for letter in letters.letters(include_repaired=arguments.all):
                print(json.dumps(letter.summary()))
            return 0
        try:
            letter = letters.letter(arguments.id)
        except NoSuchLetter as error:
            print(f"registry dlq: {error.args[0]}", file=sys.stderr)
            return 1
        if arguments.action == "show":
            print(json.dumps(letter.shown(), indent=2))
            return 0
        try:
            changes = [_assignment(text) for text in arguments.set]
            changes += [(path, UNSET) for path in arguments.unset]
            fixed = fixed_event(letter, changes)
            letters.republish(letter, fixed, backend.schemas)
        except (InvalidEvent, ValueError) as error:
            print(f"registry dlq: not republished: {error}", file=sys.stderr)
            return 1
        print(f"republished {letter.id} to {letter.original_topic} (repairs {letter.original})")
        return 0
    finally:
        backend.close()


def _assignment(text: str):
    path, sign, value = text.partition("=")
    if not sign or not path:
        raise ValueError(f"--set {text!r}: expected PATH=JSON")
    try:
        return path, json.loads(value)
    except ValueError:
        raise ValueError(f"--set {path}: the value is not JSON (quote text: '\"...\"')") from None
