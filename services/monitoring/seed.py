"""Demo data for the monitoring service, written through its public HTTP API.

A civil-society monitor files workers' reports and triages them: some substantiated and
open, one referred to the ministry, one resolved with fees reimbursed, one found
unsubstantiated; workers also report anonymously, one naming a recruiter the registry does
not know. Reports take no Idempotency-Key (each is new), so a second run checks whether the
first already filed them, through the public verification API, and leaves them as they are.
"""

from __future__ import annotations

from datetime import date, timedelta

from shared.auth.tokens import mint_dev_token
from shared.config import Settings
from shared.seeding import Api, ApiError, eventually, fail, holder

MONITOR = "migrant-care-manila"
# Country, licence number, categories, fee paid (amount, currency), destination, story.
FILED = [
    ("PH", "DMW-121-LB-040424-PA", ["fees_charged", "passport_retention"], ("85000", "PHP"), "SA",
     "referred"),
    ("PH", "DMW-051-LB-072024-R", ["contract_substitution"], None, "AE", "substantiated"),
    ("PH", "DMW-143-LB-011024-PA", ["fees_charged"], ("45000", "PHP"), "QA", "resolved"),
    ("NP", "1048/080/081", ["fees_charged", "deception"], ("150000", "NPR"), "MY", "substantiated"),
    ("BD", "RL-1478", ["wage_theft"], None, "SA", "unsubstantiated"),
    ("NP", "0912/080/081", ["other"], None, "QA", "under_review"),
]  # fmt: skip
ANONYMOUS = [
    {
        "subject": {"name": "Golden Bridge Overseas (no licence seen)", "country": "PH"},
        "categories": ["unlicensed_recruitment", "fees_charged"],
        "fee_paid": {"amount": "60000", "currency": "PHP"},
        "destination_country": "KW",
    },
    {
        "subject": {"name": "हिमाली रोजगार सेवा", "country": "NP", "licence_number": "1322/082/083"},
        "categories": ["deception"],
        "destination_country": "AE",
    },
]


def load(settings: Settings) -> None:
    monitor = Api.to(
        settings, "monitoring", mint_dev_token(settings, "monitor", "seed", org_id=MONITOR)
    )
    monitor.ready("monitoring")
    verification = Api.to(settings, "verification")
    try:
        targets = [holder(verification, country, number) for country, number, *_ in FILED]
        first = verification.get(f"/v1/recruiters/{targets[0]}")["monitoring"]
        if first["substantiated_open"] or first["substantiated_resolved"]:
            print("monitoring seed: reports were filed by an earlier run; left as they are")
            return
        stories = [
            _file(monitor, target, *row[2:]) for target, row in zip(targets, FILED, strict=True)
        ]
        public = Api.to(settings, "monitoring")
        for report in ANONYMOUS:
            public.post("/v1/public/reports", report, idempotent=False)
    except (ApiError, OSError) as error:
        fail("monitoring", str(error))
    filed = f"{len(stories)} reports filed by {MONITOR} ({', '.join(stories)})"
    print(f"monitoring seed: {filed}, {len(ANONYMOUS)} anonymous")


def _file(monitor: Api, recruiter_id: str, categories, fee, destination, story) -> str:
    body = {
        "subject": {"recruiter_id": recruiter_id},
        "categories": categories,
        "destination_country": destination,
        "recruitment_date": str(date.today() - timedelta(days=240)),
    }
    if fee:
        body["fee_paid"] = {"amount": fee[0], "currency": fee[1]}
    # A recruiter the monitor has not read yet is refused until its directory catches up.
    report = eventually(lambda: monitor.post("/v1/reports", body, idempotent=False))
    path = f"/v1/reports/{report['report_id']}"

    def act(action: str, decision: dict | None = None) -> None:
        monitor.post(f"{path}/{action}", decision or {}, idempotent=False)

    act("review")
    if story == "under_review":
        return story
    if story == "unsubstantiated":
        act("unsubstantiate", {"note": "The worker's employer paid the wages owed"})
        return story
    act("substantiate", {"note": "Receipts and two witness statements"})
    if story == "referred":
        act("refer", {"country": "PH"})
    if story == "resolved":
        act(
            "resolve",
            {
                "outcome": "fees_reimbursed",
                "fees_reimbursed": {"amount": fee[0], "currency": fee[1]},
            },
        )
    return story
