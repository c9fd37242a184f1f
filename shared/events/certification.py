"""What the certification service's events mean for a certificate's status.

Every consumer of ``certification.events`` that follows certificate status reads it the
same way, so the reading lives here rather than in each consumer.
"""

CERTIFICATE_STATUS_AFTER = {
    "certification_applied": "applied",
    "certificate_granted": "certified",
    "certificate_renewed": "certified",
    "certificate_suspended": "suspended",
    "certificate_reinstated": "certified",
    "certificate_withdrawn": "withdrawn",
    "certificate_expired": "expired",
}
