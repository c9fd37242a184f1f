"""What the licensing service's events mean for a licence's status.

Every consumer of ``licensing.events`` that follows licence status reads it the same way,
so the reading lives here rather than in each consumer.
"""

LICENCE_STATUS_AFTER = {
    "licence_applied": "applied",
    "licence_issued": "active",
    "licence_denied": "denied",
    "licence_renewed": "active",
    "licence_suspended": "suspended",
    "licence_reinstated": "active",
    "licence_revoked": "revoked",
    "licence_cancelled": "cancelled",
    "licence_expired": "expired",
}
LEAVES_ACTIVE = frozenset(
    {"licence_suspended", "licence_revoked", "licence_cancelled", "licence_expired"}
)
