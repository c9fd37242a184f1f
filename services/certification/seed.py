"""Demo data for the certification service, written through its public HTTP API.

Two accredited bodies audit recruiters that the licensing seed licensed: most are certified,
one certificate is suspended, one withdrawn, and one application waits on a major finding.
Recruiters are found by their licence numbers through the public verification API.
"""

from __future__ import annotations

from datetime import date, timedelta

from shared.auth.tokens import mint_dev_token
from shared.config import Settings
from shared.seeding import Api, ApiError, eventually, fail, holder

BODIES = {
    "fha": ("Fair Hire Assurance Ltd.", "FHA-0042"),
    "elc": ("Ética Laboral Certificadora S.A.", "ELC-0107"),
}
# Body, country, licence number, story, certificate number.
CERTIFICATIONS = [
    ("fha", "PH", "DMW-112-LB-031524-R", "certified", "FHA-C-2026-0012"),
    ("fha", "NP", "0912/080/081", "certified", "FHA-C-2026-0031"),
    ("elc", "KE", "NEA/PEA/2024/0231", "certified", "ELC-2026-118"),
    ("elc", "BD", "RL-1187", "certified", "ELC-2026-121"),
    ("fha", "PH", "DMW-051-LB-072024-R", "suspended", "FHA-C-2025-0007"),
    ("elc", "NP", "1136/081/082", "withdrawn", "ELC-2025-094"),
    ("fha", "BD", "RL-1560", "major_finding_open", None),
]
FEES = "Workers paid recruitment fees to a sub-agent in the origin country"


def load(settings: Settings) -> None:
    owner = Api.to(settings, "certification", mint_dev_token(settings, "scheme_owner", "seed"))
    owner.ready("certification")
    verification = Api.to(settings, "verification")
    try:
        bodies = {
            key: owner.post(
                "/v1/certification-bodies", {"name": name, "accreditation_number": number}
            )["cb_id"]
            for key, (name, number) in BODIES.items()
        }
        stories = [
            _certify(settings, bodies[body], holder(verification, country, number), story, cert)
            for body, country, number, story, cert in CERTIFICATIONS
        ]
    except (ApiError, OSError) as error:
        fail("certification", str(error))
    print(
        f"certification seed: {len(bodies)} bodies, {len(stories)} certifications: "
        + ", ".join(stories)
    )


def _certify(settings, cb_id: str, recruiter_id: str, story: str, certificate: str | None) -> str:
    api = Api.to(
        settings,
        "certification",
        mint_dev_token(settings, "certification_body", "seed", cb_id=cb_id),
    )
    # The service accepts an application once it has read that the licence is active.
    applied = eventually(lambda: api.post("/v1/certifications", {"recruiter_id": recruiter_id}))
    base = f"/v1/certifications/{applied['certification_id']}"
    today = date.today()
    findings = [
        {"principle": "no_fees_to_workers", "severity": "major", "description": FEES},
        {
            "principle": "transparency",
            "severity": "minor",
            "description": "Contracts in English only",
        },
    ]
    audit = api.post(
        f"{base}/audits",
        {"type": "initial", "conducted_on": str(today - timedelta(days=90)), "findings": findings},
    )
    if story == "major_finding_open":
        return story
    for finding in audit["findings"]:
        api.post(
            f"{base}/findings/{finding['finding_id']}/close",
            {"verified_on": str(today - timedelta(days=60))},
        )
    grant = {
        "decision": "grant",
        "certificate_number": certificate,
        "valid_until": str(today + timedelta(days=2 * 365)),
    }
    api.post(f"{base}/decisions", grant)
    if story in ("suspended", "withdrawn"):
        reason = "Surveillance audit found passports held by the recruiter"
        api.post(f"{base}/decisions", {"decision": "suspend", "reason": reason})
    if story == "withdrawn":
        reason = "Corrective actions not taken within 90 days"
        api.post(f"{base}/decisions", {"decision": "withdraw", "reason": reason})
    return story
