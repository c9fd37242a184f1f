"""A transparency log, written small on ``cryptography``: RFC 9162 Merkle trees and proofs,
RFC 8785 canonical JSON leaves, C2SP checkpoints, signed notes and tiles.

The registry builds its log with it and the client verifies with it, so both read one
definition of every byte.
"""
