"""``./registry log-key rotate|show``: the public log's checkpoint-signing (note) key."""

from __future__ import annotations

from shared.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser("log-key", help="rotate or show the log's note-signing key")
    parser.add_argument("action", choices=("rotate", "show"))
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    # The key folder belongs to the verification service; import it only when asked.
    from services.verification.log.keys import current_signer, log_keys_dir, rotate_log_key

    settings = Settings.from_env()
    folder = log_keys_dir(settings)
    if arguments.action == "rotate":
        rotate_log_key(folder)
        print("new log key: it signs checkpoints within 10 seconds; give witnesses its key:")
    print(current_signer(folder, settings.log_origin).verifier.encoded())
    return 0
