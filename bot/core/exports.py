"""Reports out of the database for platforms and police: CSV and JSONL, streamed.

Rows stream from the store's reader (a plain read-only sqlite3 cursor; a server-side cursor on
PostgreSQL) and are written one at a time, so a million reports export in the same small memory
as ten. CSV is
UTF-8 with a BOM (Excel then opens Chinese text correctly) and every cell that a spreadsheet
would read as a formula is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .store.db import Row, open_reader
from .store.reports import ReportFilter, export_rows
from .store.url import DatabaseURL

COLUMNS = [
    "reference",
    "status",
    "brand",
    "brand_other",
    "product",
    "platform",
    "shop",
    "link",
    "share_code",
    "order_number",
    "price",
    "purchase_date",
    "problem",
    "failed_tip",
    "official_check",
    "consent",
    "duplicates",
    "reported_at",
    "updated_at",
    "evidence_sha256",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def iter_reports(database: str | Path | DatabaseURL, where: ReportFilter) -> Iterator[dict[str, object]]:
    """Matching reports, oldest first, each with the SHA-256 of every evidence photo.

    Which reports match is decided by the reports repository, as for the bot's own lists.
    """
    with open_reader(database) as reader:
        for row in export_rows(reader, where):
            yield _record(row)


def _record(row: Row) -> dict[str, object]:
    return {
        "reference": row["reference"],
        "status": row["status"],
        "brand": row["brand"],
        "brand_other": row["brand_other"],
        "product": row["product"],
        "platform": row["platform"],
        "shop": row["shop"],
        "link": row["link"],
        "share_code": row["share_code"],
        "order_number": row["order_number"],
        "price": f"{row['price_cents'] / 100:.2f}" if row["price_cents"] is not None else None,
        "purchase_date": row["purchase_date"],
        "problem": row["problem"],
        "failed_tip": row["failed_tip"],
        "official_check": row["official_check"],
        "consent": bool(row["consent"]),
        "duplicates": row["duplicates"],
        "reported_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "evidence_sha256": (row["evidence"] or "").split(),
    }


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat(timespec="seconds")


def safe_cell(value: object) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ tab or CR gets an apostrophe first."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(records: Iterator[dict[str, object]]) -> Iterator[str]:
    """The header, then one CSV line per record, each cell spreadsheet-safe."""
    line = io.StringIO()
    writer = csv.writer(line)
    for row in itertools.chain([COLUMNS], ([safe_cell(record[c]) for c in COLUMNS] for record in records)):
        writer.writerow(row)
        yield line.getvalue()
        line.seek(0)
        line.truncate()


def jsonl_lines(records: Iterator[dict[str, object]]) -> Iterator[str]:
    """One JSON object a line, values exactly as stored (no spreadsheet escaping)."""
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def export_chunks(database: str | Path | DatabaseURL, where: ReportFilter, fmt: str, lines_per_chunk: int = 500) -> Iterator[str]:
    """The whole export as text pieces of many lines; CSV starts with a BOM so Excel reads it as UTF-8."""
    records = iter_reports(database, where)
    lines = itertools.chain(["\ufeff"], csv_lines(records)) if fmt == "csv" else jsonl_lines(records)
    while batch := "".join(itertools.islice(lines, lines_per_chunk)):
        yield batch


def write_csv(records: Iterator[dict[str, object]], out: IO[str]) -> int:
    """CSV for spreadsheets; ``out`` must be opened with encoding='utf-8-sig' and newline=''. Returns the rows written."""
    lines = csv_lines(records)
    out.write(next(lines))  # the header
    return _write_counted(lines, out)


def write_jsonl(records: Iterator[dict[str, object]], out: IO[str]) -> int:
    return _write_counted(jsonl_lines(records), out)


def _write_counted(lines: Iterator[str], out: IO[str]) -> int:
    count = 0
    for line in lines:
        out.write(line)
        count += 1
    return count


def export(database: str | Path | DatabaseURL, where: ReportFilter, fmt: str, path: Path) -> int:
    """Write the matching reports to ``path`` (csv or jsonl); returns how many."""
    records = iter_reports(database, where)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            return write_csv(records, out)
    with path.open("w", encoding="utf-8") as out:
        return write_jsonl(records, out)
