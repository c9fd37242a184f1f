"""A batch check's CSV in and out. Pure: no Flask, no I/O.

In: a header row naming ``recruiter_id``, or ``country`` and ``licence_number`` (or all
three), then up to 1,000 rows, each naming one recruiter one way. Out: a row per query
with the verdict and the facts behind it, then the receipt that signs them all.
"""

from __future__ import annotations

import base64
import csv
import io
import zlib
from dataclasses import dataclass, field
from typing import Any

from services.web.identifiers import LICENCE_NUMBER, RECRUITER_ID, is_country

MAX_ROWS = 1000
# 1,000 rows of the longest ids fit well within it.
MAX_BYTES = 1024 * 1024
COLUMNS = ("recruiter_id", "country", "licence_number")
RESULT_COLUMNS = (
    "row",
    "recruiter_id",
    "country",
    "licence_number",
    "found",
    "legal_name",
    "verdict",
    "reasons",
    "licence_status",
    "licence_valid_until",
    "certificate_status",
    "certificate_valid_until",
    "as_of",
)


@dataclass
class Batch:
    items: list[dict[str, str]] = field(default_factory=list)
    # (row number as the person counts it, what is wrong: a code the page words)
    problems: list[tuple[int, str]] = field(default_factory=list)


def read_batch(data: bytes) -> Batch:
    batch = Batch()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        batch.problems.append((1, "not_utf8"))
        return batch
    # Numbered as the person's spreadsheet numbers them: blank rows still count.
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(cell.strip() for cell in row)
    ]
    if not rows:
        batch.problems.append((1, "empty"))
        return batch
    header_number, header_row = rows[0]
    header = [cell.strip().lower() for cell in header_row]
    if not set(header) <= set(COLUMNS) or len(set(header)) != len(header):
        batch.problems.append((header_number, "header"))
        return batch
    if len(rows) - 1 > MAX_ROWS:
        batch.problems.append((rows[MAX_ROWS + 1][0], "too_many"))
        return batch
    if len(rows) == 1:
        batch.problems.append((header_number + 1, "empty"))
    for number, row in rows[1:]:
        item, problem = _item(dict(zip(header, (cell.strip() for cell in row), strict=False)))
        if len(row) > len(header):
            problem = "columns"
        if problem:
            batch.problems.append((number, problem))
        else:
            batch.items.append(item)
    return batch


def _item(cells: dict[str, str]) -> tuple[dict[str, str], str | None]:
    recruiter_id = cells.get("recruiter_id", "")
    country = cells.get("country", "").upper()
    number = cells.get("licence_number", "")
    if recruiter_id and (country or number):
        return {}, "both"
    if recruiter_id:
        ok = RECRUITER_ID.match(recruiter_id)
        return ({"recruiter_id": recruiter_id}, None) if ok else ({}, "recruiter_id")
    if not country and not number:
        return {}, "missing"
    if not is_country(country):
        return {}, "country"
    if not LICENCE_NUMBER.match(number):
        return {}, "licence_number"
    return {"country": country, "licence_number": number}, None


def write_results(answer: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for number, result in enumerate(answer.get("results", []), start=1):
        writer.writerow(_result_row(number, result))
    writer.writerow([])
    writer.writerow(["receipt", answer.get("receipt", "")])
    return out.getvalue()


def _result_row(number: int, result: dict[str, Any]) -> list[str]:
    query, status = result.get("query", {}), result.get("status") or {}
    licence, certificate = status.get("licence") or {}, status.get("certification") or {}
    return [
        str(number),
        status.get("recruiter_id") or query.get("recruiter_id", ""),
        status.get("country") or query.get("country", ""),
        licence.get("licence_number") or query.get("licence_number", ""),
        "yes" if result.get("found") else "no",
        status.get("legal_name") or "",
        status.get("verdict") or "",
        " ".join(reason.get("code", "") for reason in status.get("reasons", [])),
        licence.get("status") or "",
        licence.get("valid_until") or "",
        certificate.get("status") or "",
        certificate.get("valid_until") or "",
        status.get("as_of") or "",
    ]


def pack(items: list[dict[str, str]]) -> str:
    """The queries, carried in the results page so the download asks for them again."""
    lines = "\n".join(
        item.get("recruiter_id") or f"{item['country']} {item['licence_number']}" for item in items
    )
    return base64.urlsafe_b64encode(zlib.compress(lines.encode())).decode()


def unpack(packed: str) -> list[dict[str, str]] | None:
    try:
        lines = zlib.decompressobj().decompress(base64.urlsafe_b64decode(packed), 200_000)
    except (ValueError, zlib.error):
        return None
    items = []
    for line in lines.decode("utf-8", "replace").splitlines()[: MAX_ROWS + 1]:
        country, _, number = line.partition(" ")
        cells = {"country": country, "licence_number": number} if number else {"recruiter_id": line}
        item, problem = _item(cells)
        if problem:
            return None
        items.append(item)
    return items if 0 < len(items) <= MAX_ROWS else None
