"""Demo data for the licensing service, written through its public HTTP API.

``./registry seed`` calls ``load(settings)`` while the services run. Every write carries an
Idempotency-Key derived from what it writes, so a second run replays instead of repeating.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import NoReturn

from services.licensing.domain import recruiter_id_for
from shared.auth.tokens import mint_dev_token
from shared.config import Settings
from shared.seeding import Api, ApiError, fail

# Country: currency, the ministry's UTC offset, the security deposit it requires.
COUNTRIES = {
    "KE": ("KES", "+03:00", "1500000"),
    "PH": ("PHP", "+08:00", "1000000"),
    "NP": ("NPR", "+05:45", "10000000"),
    "BD": ("BDT", "+06:00", "1000000"),
}


def _issued_to_end_in(days: int) -> str:
    """The issue date of a three-year licence that ends ``days`` from today."""
    end = date.today() + timedelta(days=days + 1)
    return (
        (end.replace(day=28) if (end.month, end.day) == (2, 29) else end)
        .replace(year=end.year - 3)
        .isoformat()
    )


# Within 30 days of its end: the verdict warns (amber, licence_expiring).
EXPIRING = _issued_to_end_in(20)
# Country, registration number, legal name, trade names, address, licence number, story
# (see _steps), licensed since. All fictional.
RECRUITERS = [
    ("KE", "PVT-7QXJ2M4A", "Savannah Crest Manpower Services Ltd", ["Savannah Crest Jobs"],
     "Moi Avenue, Nairobi", "NEA/PEA/2024/0117", "conditioned", "2024-04-03"),
    ("KE", "PVT-K3L9RT8Z", "Tana Overseas Recruitment Agency Ltd", ["Tana Overseas"],
     "Nkrumah Road, Mombasa", "NEA/PEA/2021/0042", "renewed", "2021-05-10"),
    ("KE", "PVT-AB6YH1CE", "Kilimani Global Placements Ltd", ["Kilimani Global", "KGP Jobs"],
     "Argwings Kodhek Road, Kilimani, Nairobi", "NEA/PEA/2024/0231", "active", "2024-09-16"),
    ("KE", "PVT-2ZW8DQ5N", "Pwani Employment Bureau Ltd", ["Pwani Bureau"],
     "Digo Road, Mombasa", "NEA/PEA/2026/0388", "applied", None),
    ("KE", "PVT-M5S0VB7G", "Rift Valley Skilled Workers Agency Ltd", ["RV Skills"],
     "Kenyatta Avenue, Nakuru", "NEA/PEA/2024/0093", "suspended", "2024-11-01"),
    ("KE", "PVT-9HNC4U2P", "Nyota Career Connections Ltd", ["Nyota Careers"],
     "Oginga Odinga Street, Kisumu", "NEA/PEA/2022/0061", "expired", "2022-08-01"),
    ("KE", "PVT-X1JR6E3W", "Lakeside Labour Exchange Ltd", [],
     "Jomo Kenyatta Highway, Kisumu", "NEA/PEA/2025/0150", "active", "2025-02-20"),
    ("KE", "PVT-4TFP8K0D", "Amani Ghuba Recruitment Consultants Ltd", ["Amani Ghuba"],
     "Uganda Road, Eldoret", "NEA/PEA/2024/0402", "active", "2024-06-24"),
    ("PH", "CS201704518", "Bagong Lakbay Manpower Services, Inc.", ["Bagong Lakbay"],
     "1540 M. H. del Pilar St., Malate, Manila", "DMW-112-LB-031524-R", "active", "2024-03-15"),
    ("PH", "CS201911207", "Perlas ng Silangan International Placement Agency, Inc.",
     ["Perlas Placement", "PNS International"], "Kalaw Ave., Ermita, Manila",
     "DMW-087-LB-062424-R", "reinstated", "2024-06-24"),
    ("PH", "CS202001863", "Mabuhay Crossings Overseas Employment Corp.", ["Mabuhay Crossings"],
     "Ayala Ave., Makati City", "DMW-143-LB-011024-PA", "conditioned", "2024-01-10"),
    ("PH", "CS201608822", "Dagat-Bughaw Maritime Crewing Corp.", ["Dagat Bughaw Crewing"],
     "Osmeña Blvd., Cebu City", "DMW-064-LB-091924-R", "cancelled", "2024-09-19"),
    ("PH", "CS202103355", "Sampaguita Care Workers Recruitment, Inc.", ["Sampaguita Care"],
     "Timog Ave., Quezon City", "DMW-121-LB-040424-PA", "suspended", "2024-04-04"),
    ("PH", "CS201502947", "Peñafrancia Global Manpower Corp.", ["Peñafrancia Global"],
     "Magsaysay Ave., Naga City", "DMW-051-LB-072024-R", "active", "2024-07-20"),
    ("PH", "CS202205610", "Kalayaan Skilled Workforce Agency, Inc.", ["Kalayaan Skilled"],
     "General Luna St., Iloilo City", "DMW-158-LB-012725-PA", "active", "2025-01-27"),
    ("PH", "CS201809174", "Bituin Horizon Manpower Corp.", ["Bituin Horizon"],
     "Roxas Blvd., Pasay City", "DMW-099-LB-020324-R", "revoked", "2024-02-03"),
    ("NP", "128453/071/072", "Himal Shikhar Overseas Pvt. Ltd.", ["Himal Shikhar"],
     "Bansbari, Kathmandu", "0912/080/081", "active", "2024-01-17"),
    ("NP", "152907/074/075", "Sagarmatha Rojgar Sewa Pvt. Ltd.", ["Sagarmāthā Rojgār Sewā"],
     "Samakhusi, Kathmandu", "1048/080/081", "conditioned", "2024-03-20"),
    ("NP", "163312/075/076", "Gandaki Manpower Services Pvt. Ltd.", ["Gandaki Manpower"],
     "Lakeside Road, Pokhara", "1136/081/082", "active", "2025-02-05"),
    ("NP", "171540/076/077", "Lumbini Vaideshik Rojgar Pvt. Ltd.", ["Lumbini Vaideshik"],
     "Traffic Chowk, Butwal", "1185/081/082", "active", "2024-12-12"),
    ("NP", "180226/077/078", "Koshi Human Resources Pvt. Ltd.", ["Koshi HR"],
     "Main Road, Biratnagar", "1207/078/079", "renewed", "2021-09-01"),
    ("NP", "184975/078/079", "Annapurna Karmachari Placement Pvt. Ltd.", ["Annapurna Placement"],
     "Gaushala, Kathmandu", "1241/080/081", "cancelled", "2024-01-09"),
    ("NP", "191803/079/080", "Janakpur Shramik Overseas Pvt. Ltd.", [],
     "Ramanand Chowk, Janakpur", "1302/083/084", "denied", None),
    ("NP", "139668/072/073", "Phewa Global Recruitment Pvt. Ltd.", ["Phewa Global"],
     "Chipledhunga, Pokhara", "0977/078/079", "expired", "2022-05-15"),
    ("BD", "C-118264/2014", "Meghna Manpower International Ltd.", ["Meghna Manpower"],
     "Motijheel C/A, Dhaka", "RL-1187", "active", "2024-03-12"),
    ("BD", "C-126039/2015", "Padma Tarang Overseas Ltd.", ["Padma Tarang"],
     "Naya Paltan, Dhaka", "RL-1254", "conditioned", "2024-10-02"),
    ("BD", "C-131772/2016", "Jamuna Horizon Overseas Ltd.", ["Jamuna Horizon"],
     "Banani, Dhaka", "RL-1302", "reinstated", "2024-06-14"),
    ("BD", "C-140518/2017", "Karnaphuli Workforce Solutions Ltd.", ["Karnaphuli Workforce"],
     "Agrabad C/A, Chattogram", "RL-1366", "applied", None),
    ("BD", "C-145903/2018", "Surma Valley Employment Services Ltd.", ["Surma Valley"],
     "Zindabazar, Sylhet", "RL-1401", "revoked", "2024-11-08"),
    ("BD", "C-152647/2019", "Shapla Global Manpower Ltd.", ["Shapla Global", "শাপলা গ্লোবাল"],
     "Kakrail, Dhaka", "RL-1433", "active", "2024-04-26"),
    ("BD", "C-158390/2020", "Rupsha Overseas Recruiting Agency Ltd.", ["Rupsha Overseas"],
     "KDA Avenue, Khulna", "RL-1478", "suspended", "2024-05-30"),
    ("BD", "C-163015/2021", "Sonali Dhan Recruiting Agency Ltd.", ["Sonali Dhan"],
     "Purana Paltan, Dhaka", "RL-1512", "denied", None),
    # Names as their papers print them, in Devanagari and Bengali; licences about to end.
    ("NP", "195402/080/081", "हिमाली रोजगार सेवा प्रा. लि.", ["Himali Rojgar Sewa"],
     "Putalisadak, Kathmandu", "1322/082/083", "active", EXPIRING),
    ("BD", "C-166204/2022", "মেঘদূত ওভারসিজ লিমিটেড", ["Meghdoot Overseas"],
     "Gulshan Avenue, Dhaka", "RL-1560", "active", "2025-03-03"),
    ("PH", "CS202307719", "Señora del Pilar Manpower Services, Inc.", ["Señora del Pilar"],
     "Rizal Ave., Santa Cruz, Manila", "DMW-171-LB-110525-R", "active", EXPIRING),
]  # fmt: skip
# Registration number: violations as (description, decided on, penalty, amount or None).
VIOLATIONS = {
    "PVT-M5S0VB7G": [
        ("Charged workers placement fees the law forbids", "2026-05-20", "Fine", "500000")
    ],
    "PVT-4TFP8K0D": [
        ("Filed the annual deployment return four months late", "2025-03-14", "Warning", None)
    ],
    "CS202103355": [
        (
            "Deployed caregivers without verified employment contracts",
            "2026-05-28",
            "Fine",
            "200000",
        )
    ],
    "CS201809174": [
        ("Advertised vacancies abroad that did not exist", "2026-04-11", "Fine", "500000"),
        (
            "Left stranded workers without repatriation",
            "2026-08-30",
            "Referred for prosecution",
            None,
        ),
    ],
    "152907/074/075": [
        ("Incomplete pre-departure orientation records", "2025-10-20", "Warning", None)
    ],
    "184975/078/079": [
        ("Collected service charges above the government ceiling", "2025-12-02", "Fine", "300000")
    ],
    "C-145903/2018": [
        ("Sold employment visas to unlicensed sub-agents", "2026-06-25", "Fine", "1000000")
    ],
    "C-158390/2020": [
        ("Recruited through unregistered sub-agents in Satkhira", "2026-05-18", "Fine", "250000")
    ],
}
BRANCHES = {
    "PVT-7QXJ2M4A": [("Mombasa office", "Moi Avenue, Mombasa")],
    "CS201704518": [("Davao branch", "J. P. Laurel Ave., Davao City")],
    "CS202001863": [("Baguio satellite office", "Session Road, Baguio City")],
    "163312/075/076": [("Kathmandu liaison office", "Putalisadak, Kathmandu")],
    "C-118264/2014": [
        ("Chattogram branch", "Agrabad C/A, Chattogram"),
        ("Sylhet branch", "Zindabazar, Sylhet"),
    ],
}
OFFICERS = {
    "PVT-7QXJ2M4A": [
        ("Wanjiru Kamau", "Managing Director"),
        ("Otieno Ochieng", "Compliance Officer"),
    ],
    "PVT-AB6YH1CE": [("Njeri Mwangi", "Director")],
    "CS201911207": [
        ("Maria Teresa Dela Cruz", "President"),
        ("José Ramon Bautista", "Operations Manager"),
    ],
    "128453/071/072": [
        ("Ram Bahadur Gurung", "Managing Director"),
        ("Sita Kumari Thapa", "Documentation Officer"),
    ],
    "152907/074/075": [("Pemba Sherpa", "Chairperson")],
    "C-126039/2015": [
        ("Md. Rafiqul Islam", "Managing Director"),
        ("Nusrat Jahan", "Chief Executive Officer"),
    ],
}
DEPOSITS = {
    "PVT-7QXJ2M4A", "PVT-K3L9RT8Z", "PVT-M5S0VB7G", "CS201704518", "CS201911207", "CS202001863",
    "CS201809174", "128453/071/072", "152907/074/075", "180226/077/078", "C-118264/2014",
    "C-126039/2015", "C-145903/2018",
}  # fmt: skip


def _steps(story: str, since: str | None, tz: str) -> list[tuple[str, dict]]:
    """The licence decisions that lead to a story's status, oldest first. effective_at may
    not go back behind the previous decision, so the issue is backdated to valid_from."""
    if since is None:  # never issued
        deny = ("deny", {"reason": "Paid-up capital below the statutory minimum"})
        return [deny] if story == "denied" else []

    def step(action: str, day: date | str, **body: str) -> tuple[str, dict]:
        return action, {**body, "effective_at": f"{day}T09:00:00{tz}"}

    start = date.fromisoformat(since)
    end = start.replace(year=start.year + 3) - timedelta(days=1)
    # For "expired", since is old enough for valid_until to be past: the running service's
    # expiry scheduler records the expiry.
    issue = step("issue", since, valid_from=since, valid_until=str(end))
    renewed_until = str(end.replace(year=end.year + 3))
    passports = "Complaints of withheld passports under investigation"
    return {
        "active": [issue],
        "expired": [issue],
        "renewed": [issue, step("renew", end - timedelta(days=30), valid_until=renewed_until)],
        "conditioned": [
            issue,
            step("conditions", "2025-09-01", text="Report workers deployed every quarter"),
            step("conditions", "2025-09-01", text="No domestic workers until training accredited"),
            step("conditions/c2/lift", "2026-07-15"),
        ],
        "suspended": [
            issue,
            ("suspend", {"reason": passports, "effective_at": "2026-06-01T00:00:00Z"}),
        ],
        "reinstated": [
            issue,
            step("suspend", "2026-03-02", reason=passports),
            step("reinstate", "2026-04-20", reason="Passports returned, workers refunded"),
        ],
        "revoked": [
            issue,
            step("suspend", "2026-05-04", reason=passports),
            step("revoke", "2026-09-30", reason="Investigation confirmed fraud against workers"),
        ],
        "cancelled": [
            issue,
            step("cancel", "2026-10-05", reason="Surrendered: overseas business closed"),
        ],
    }[story]


def load(settings: Settings) -> None:
    base = f"http://127.0.0.1:{settings.ports['licensing']}"
    try:
        Api(base).get("/readyz")
    except (ApiError, OSError) as error:
        reason = getattr(error, "reason", error)
        _fail(f"the licensing service at {base} is not ready ({reason}); start it: ./registry up")
    # A fixed subject: the service scopes Idempotency-Keys to the caller, and a random one
    # would make every run a new caller whose writes all happen again.
    apis = {
        country: Api(
            base, mint_dev_token(settings, "ministry_officer", subject="seed", country=country)
        )
        for country in COUNTRIES
    }
    try:
        left_alone = sum(not _seed(apis[row[0]], *row) for row in RECRUITERS)
        print(_summary(apis, left_alone))
    except (ApiError, OSError) as error:
        _fail(str(error))


def _seed(api: Api, country, number, name, trade_names, address, licence_number, story, since):
    """Write one recruiter and its history; False when it was there before, from writes
    other than this seed's, and so was left as it is."""
    currency, tz, deposit = COUNTRIES[country]
    body = {
        "legal_name": name,
        "country": country,
        "registration_number": number,
        "trade_names": trade_names,
        "address": address,
    }
    recruiter_id = recruiter_id_for(country, number)
    if api.post("/v1/recruiters", body, conflict_ok=True) is None:
        api.get(f"/v1/recruiters/{recruiter_id}")
        return False
    recruiter = f"/v1/recruiters/{recruiter_id}"
    for description, decided_on, penalty, amount in VIOLATIONS.get(number, []):
        money = {"amount": amount, "currency": currency} if amount else {}
        violation = {"description": penalty, **money}
        body = {"description": description, "decided_on": decided_on, "penalty": violation}
        api.post(f"{recruiter}/violations", body)
    for branch, branch_address in BRANCHES.get(number, []):
        api.post(f"{recruiter}/branches", {"name": branch, "address": branch_address})
    for officer, position in OFFICERS.get(number, []):
        api.post(f"{recruiter}/officers", {"name": officer, "position": position})
    if number in DEPOSITS:
        api.post(f"{recruiter}/deposit/lodge", {"amount": deposit, "currency": currency})
    body = {"recruiter_id": recruiter_id, "licence_number": licence_number}
    licence = api.post("/v1/licences", body, conflict_ok=True)
    if licence is None:
        held = api.get(recruiter)["licences"]
        if not any(lic["licence_number"] == licence_number for lic in held):
            raise ApiError(f"licence number {licence_number} is held by another recruiter")
        return False
    for action, decision in _steps(story, since, tz):
        api.post(f"/v1/licences/{licence['licence_id']}/{action}", decision)
    return True


def _summary(apis: dict[str, Api], left_alone: int) -> str:
    today = datetime.now(UTC).date().isoformat()
    lines, overall, due = [], Counter(), 0
    for country, api in apis.items():
        numbers = [row[1] for row in RECRUITERS if row[0] == country]
        licences = [
            lic
            for number in numbers
            for lic in api.get(f"/v1/recruiters/{recruiter_id_for(country, number)}")["licences"]
        ]
        statuses = Counter(lic["status"] for lic in licences)
        due += sum(lic["status"] == "active" and lic["valid_until"] < today for lic in licences)
        overall += statuses
        lines.append(f"  {country}: {len(numbers)} recruiters; {_counts(statuses)}")
    made = sum(api.made for api in apis.values())
    replayed = sum(api.replayed for api in apis.values())
    lines.insert(
        0,
        f"licensing seed: {len(RECRUITERS)} recruiters, {overall.total()} licences "
        f"({made} writes made, {replayed} already done, {left_alone} recruiters left as found)",
    )
    lines.append(f"  all: {_counts(overall)}")
    if due:
        lines.append(f"  {due} active past valid_until: the expiry scheduler will expire them")
    return "\n".join(lines)


def _counts(statuses: Counter) -> str:
    return ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))


def _fail(message: str) -> NoReturn:
    fail("licensing", message)
