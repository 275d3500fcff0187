"""What real exports add to the standard's layouts (DOMAIN.md "What departments' real exports look
like"): a platform's own columns, a second name column beside the subject's, and placeholders
where a cell is empty (`/`, `无`, `1900-1-1`…), each department with its own habit.
"""
from __future__ import annotations

import random

from . import names as N
from .delivery import PLATFORM_COLUMNS, SCOPE, SECOND_NAME, SECRETS, STATUS, UPDATED
from .plan import Part

# Every placeholder the sample writes: read as empty, never as data.
PLACEHOLDERS = ("/", "无", "暂无", "-", "——", "null", "1900-1-1", "1900-01-01 0:00:00", "2099-12-31",
                "无处罚期限", "长期")

# The fields a row cannot do without (dataset definitions: `required`): never left empty, so
# never a placeholder.
REQUIRED = {
    "penalty": ("行政相对人名称", "行政处罚决定书文号", "处罚决定日期", "处罚机关"),
    "penalty_2016": ("行政相对人名称", "行政处罚决定书文号", "处罚决定日期", "处罚机关"),
    "licence": ("行政相对人名称", "行政许可决定文书号", "许可决定日期", "许可机关"),
    "licence_2016": ("行政相对人名称", "行政许可决定书文号", "许可决定日期", "许可机关"),
}
# Columns a system fills itself, or whose empty value means something: no placeholder there.
_NEVER = (SECRETS, UPDATED, STATUS, SCOPE, SECOND_NAME, *PLATFORM_COLUMNS)
RENAMED_SHARE = 0.08  # rows whose 企业名称 is the subject's former name


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and value in PLACEHOLDERS


def add_platform_columns(part: Part, rng: random.Random) -> None:
    """ID, RESOURCE_ID and CHECK_FLAG, as the platform that exported the file fills them."""
    if PLATFORM_COLUMNS[0] not in part.sheet.columns:
        return
    resource = f"{part.sheet.dataset.upper()}_{part.source.department.upper()}_{rng.randint(1, 9):02d}"
    for row in part.rows:
        row.update({"ID": f"{rng.getrandbits(128):032x}", "RESOURCE_ID": resource,
                    "CHECK_FLAG": "1" if rng.random() < 0.97 else "0"})


def add_second_names(part: Part, rng: random.Random) -> None:
    """企业名称 beside 行政相对人名称: the same name, or now and then the company's former one (another
    trade name). (The market regulators' black list names its subject 企业名称 alone.)"""
    if SECOND_NAME not in part.sheet.columns or part.sheet.dataset not in REQUIRED:
        return
    for row, record in zip(part.rows, part.records, strict=True):
        s = record.subject
        if row.get(SECOND_NAME) and s.trade and rng.random() < RENAMED_SHARE:
            former = rng.choice([t for t in N.TRADE_NAMES if t != s.trade])
            row[SECOND_NAME] = s.name.replace(s.trade, former, 1)


def names_differ(row: dict) -> bool:
    """Whether a row's 企业名称 names another company than its 行政相对人名称."""
    first, second = row.get("行政相对人名称"), row.get(SECOND_NAME)  # (both: a decision's row)
    return bool(first) and bool(second) and first != second


def apply_placeholders(part: Part, rng: random.Random) -> dict[str, int]:
    """Fill the empty optional cells of a sheet whose department writes placeholders; returns the
    number of cells per placeholder."""
    sheet = part.sheet
    counts: dict[str, int] = {}
    if not sheet.blanks and not sheet.date_blanks:
        return counts
    skip = set(REQUIRED.get(sheet.dataset, ())) | set(_NEVER)
    for row in part.rows:
        for column in sheet.columns:
            if column in skip or row.get(column) not in (None, ""):
                continue
            value = sheet.date_blanks.get(column) or (rng.choice(sheet.blanks) if sheet.blanks else None)
            if value is not None:
                row[column] = value
                counts[value] = counts.get(value, 0) + 1
    return counts
