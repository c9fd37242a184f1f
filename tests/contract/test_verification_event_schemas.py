"""The verification event schemas accept well-formed data and reject the rest."""

# type -> (valid data, overrides that each make it invalid). Every type is also checked
# for each required field missing and for an extra property.
SAMPLES = {
    "verification/status_changed": (
        {
            "recruiter_id": "rec-1",
            "changed_at": "2026-03-01T00:00:00.000Z",
            "verdict": "red",
            "reasons": ["licence_not_active"],
            "licence_status": "suspended",
            "certificate_status": None,
            "previous_verdict": "green",
        },
        [
            {"recruiter_id": "rec 1"},
            {"changed_at": "2026-03-01"},
            {"changed_at": "2026-03-01T00:00:00+01:00"},
            {"verdict": "yellow"},
            {"reasons": ["licence_not_active", "licence_not_active"]},
            {"reasons": ["Licence suspended by Jane Doe"]},
            {"licence_status": ""},
            {"previous_verdict": "blue"},
        ],
    ),
}
