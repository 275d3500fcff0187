"""How big a sample is: the parts (one sheet of one file) being generated, the rows per dataset
family scaled on the number of penalty rows, and how they are shared out between the parts.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from publish.errors import PublishError

from .delivery import Sheet, SourceFile

MIN_ROWS = 32  # below it the rows run out before every file and fault has its share
PENALTY_FAMILY = ("penalty", "penalty_2016")
LICENCE_FAMILY = ("licence", "licence_2016")


@dataclass
class Part:
    """One sheet of one file while it is being generated."""

    source: SourceFile
    sheet: Sheet
    records: list = field(default_factory=list)   # Penalty / Licence objects, where there are
    rows: list[dict] = field(default_factory=list)   # canonical column → value
    faults: dict[int, str] = field(default_factory=dict)  # row index → fault kind

    @property
    def label(self) -> str:
        return f"{self.source.path}#{self.sheet.name or ''}"


def line_of(part: Part, index: int) -> int:
    """The 1-based row a person opening the file sees (CSV record, XLSX or XLS row), or the
    position of the record among a JSON file's records (JSONL line, array element)."""
    if part.source.container in ("jsonl", "json"):
        return index + 1
    return part.sheet.title_rows + part.sheet.notes[0] + index + 2


# The random generator of one part for one purpose ("records", "faults", "dates", ...).
RngFor = Callable[[Part, str], random.Random]


def dataset_family(dataset: str) -> str:
    if dataset in PENALTY_FAMILY:
        return "penalty"
    if dataset in LICENCE_FAMILY:
        return "licence"
    return "commitment" if dataset == "commitment_national" else dataset


def dataset_sizes(rows: int) -> dict[str, int]:
    """Rows per dataset family, scaled on the number of penalty rows."""
    return {
        "penalty": rows, "licence": rows, "black_list": max(4, rows // 20), "red_list": max(4, rows // 20),
        "commitment": max(5, rows // 4), "evaluation": max(6, rows // 4), "tax_grade": max(5, rows // 4),
        "arrears": max(6, rows // 10), "repair": max(6, rows // 20), "objection": max(7, rows // 40),
        "black_list_market": max(4, rows // 40),
        # subjects in the register beyond those the records name (registry.py): most have no record
        "registry": 2 * rows,
    }


def resubmission_counts(rows: int) -> tuple[int, int]:
    """(exact re-submissions, corrected re-submissions)."""
    return max(2, rows // 200), max(2, rows // 200)


def allocate(parts: list[Part], sizes: dict[str, int], rows: int) -> dict[str, int]:
    """Rows per part (by label): shares of their family, the remainder to the one part without."""
    counts: dict[str, int] = {}
    exact, corrected = resubmission_counts(rows)
    for family, total in sizes.items():
        members = [p for p in parts if dataset_family(p.sheet.dataset) == family]
        used = 0
        for p in members:
            if p.sheet.role == "resubmission":
                counts[p.label] = exact + corrected
            elif p.sheet.share is not None:
                counts[p.label] = max(1, int(total * p.sheet.share))
            else:
                continue
            used += counts[p.label]
        rest = [p for p in members if p.label not in counts]
        assert len(rest) == 1, family
        counts[rest[0].label] = total - used
        if counts[rest[0].label] < (8 if family == "penalty" else 2):
            raise PublishError("sample_rows_too_few", f"样例数据的处罚记录数至少为 {MIN_ROWS} 行")
    return counts
