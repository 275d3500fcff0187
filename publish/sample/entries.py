"""Rows of the datasets that are not decisions: repairs and objections (pointing at penalties),
black and red lists, commitments, evaluations, tax grades and arrears.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from . import names as N
from .decisions import MIN_PUBLICITY_MONTHS, Penalty
from .formats import FULLWIDTH_DIGITS, add_months
from .world import Subject, World

# --- Repairs and objections ---------------------------------------------------------------------
_BRACKETS = {"square": ("[", "]"), "lenticular": ("【", "】"), "paren": ("（", "）")}


def respell_number(rng: random.Random, number: str) -> str:
    """The same decision number as another office types it (NFKC, brackets, spaces)."""
    style = rng.choice(("square", "lenticular", "paren", "spaces", "fullwidth"))
    if style in _BRACKETS:
        left, right = _BRACKETS[style]
        return number.replace("〔", left).replace("〕", right)
    if style == "spaces":
        return number.replace("〔", " 〔").replace("〕", "〕 ")
    return number.translate(FULLWIDTH_DIGITS)


def _dangling_number(world: World, rng: random.Random) -> str:
    dept = world.departments[rng.choice(("market", "ecology", "tax"))]
    return f"{dept.penalty_prefix}〔{world.as_of.year - 9}〕{rng.randint(1, 999)}号"


def repair_row(world: World, rng: random.Random, p: Penalty | None, office: str) -> dict:
    as_of = world.as_of
    if p is None:  # points at no record of the build
        s = rng.choice(world.organisations)
        return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc,
                "行政处罚决定书文号": _dangling_number(world, rng),
                "处罚机关": "", "修复决定日期": as_of - timedelta(days=rng.randint(1, 200)),
                "修复机关": office, "修复方式": rng.choice(N.REPAIR_METHODS)}
    earliest = add_months(p.decided, MIN_PUBLICITY_MONTHS[p.severity])
    repaired = earliest + timedelta(days=rng.randrange(max(1, (as_of - earliest).days + 1)))
    number = respell_number(rng, p.number) if rng.random() < 0.35 else p.number
    return {"行政相对人名称": p.subject.name, "统一社会信用代码": p.subject.uscc, "行政处罚决定书文号": number,
            "处罚机关": p.department.name if rng.random() < 0.8 else "", "修复决定日期": repaired,
            "修复机关": office, "修复方式": rng.choice(N.REPAIR_METHODS)}


def objection_row(world: World, rng: random.Random, p: Penalty | None, state: str) -> dict:
    as_of = world.as_of
    if p is None:
        s = rng.choice(world.organisations)
        raised = as_of - timedelta(days=rng.randint(10, 300))
        return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc,
                "行政处罚决定书文号": _dangling_number(world, rng),
                "异议提出日期": raised, "异议状态": state,
                "处理日期": None if state == "处理中" else raised + timedelta(days=7),
                "受理单位": world.departments["credit"].name}
    raised = min(p.decided + timedelta(days=rng.randint(5, 60)), as_of)
    handled = None if state == "处理中" else min(raised + timedelta(days=rng.randint(5, 30)), as_of)
    number = respell_number(rng, p.number) if rng.random() < 0.2 else p.number
    office = rng.choice((world.departments["credit"].name, p.department.name))
    return {"行政相对人名称": p.subject.name, "统一社会信用代码": p.subject.uscc, "行政处罚决定书文号": number,
            "异议提出日期": raised, "异议状态": state, "处理日期": handled, "受理单位": office}


# --- Lists, commitments, evaluations, tax grades, arrears ---------------------------------------
def _past_day(rng: random.Random, as_of: date, max_days: int, min_days: int = 0) -> date:
    return as_of - timedelta(days=rng.randint(min_days, max_days))


def black_list_row(world: World, rng: random.Random) -> dict:
    s = rng.choice(world.organisations)
    reason, basis, key = rng.choice(N.BLACK_LIST_REASONS)
    listed = _past_day(rng, world.as_of, 4 * 365)
    roll, listed_for = rng.random(), (world.as_of - listed).days
    if roll < 0.3 and listed_for > 91:  # removed already
        removed = listed + timedelta(days=rng.randint(90, min(900, listed_for - 1)))
    elif roll < 0.5:  # removal date set in advance
        removed = listed + timedelta(days=rng.randint(max(365, listed_for + 1), 3 * 365 + listed_for))
    else:
        removed = None
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "列入事由": reason, "列入依据": basis,
            "认定机关": world.departments[key].name, "列入日期": listed, "移出日期": removed}


def red_list_row(world: World, rng: random.Random) -> dict:
    s = rng.choice(world.organisations)
    honour, key = rng.choice(N.RED_LIST_HONOURS)
    granted = _past_day(rng, world.as_of, 4 * 365)
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "荣誉名称": honour,
            "授予机关": world.departments[key].name, "授予日期": granted,
            "有效期至": add_months(granted, rng.choice((12, 24, 36))) - timedelta(days=1)}


def commitment_row(world: World, rng: random.Random) -> dict:
    s = rng.choice(world.organisations)
    kind, matter, key = rng.choice(N.COMMITMENT_KINDS)
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "承诺类型": kind, "承诺事项": matter,
            "承诺日期": _past_day(rng, world.as_of, 3 * 365), "承诺受理单位": world.departments[key].name,
            "履约状态": rng.choice(N.COMMITMENT_STATES)}


def evaluation_rows(world: World, rng: random.Random, s: Subject, count: int) -> list[dict]:
    """Several grades of one subject, one per half year: only the latest is public."""
    latest = _past_day(rng, world.as_of, 120, 1)
    return [{"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "评价结果": rng.choice(N.EVALUATION_GRADES),
             "评价日期": latest - timedelta(days=182 * k)} for k in range(count)]


def tax_grade_rows(world: World, rng: random.Random, s: Subject, count: int) -> list[dict]:
    return [{"纳税人名称": s.name, "纳税人识别号": s.uscc, "评价年度": str(world.as_of.year - 1 - k),
             "信用等级": rng.choice(N.TAX_GRADES)} for k in range(count)]


def arrears_row(world: World, rng: random.Random, kinds: tuple[tuple[str, str], ...]) -> dict:
    s = rng.choice(world.organisations)
    kind, creditor = rng.choice(kinds)
    since = _past_day(rng, world.as_of, 2 * 365, 60)
    return {"行政相对人名称": s.name, "统一社会信用代码": s.uscc, "欠缴类型": kind,
            "欠缴金额（元）": Decimal(rng.randrange(10000, 5000000)) / 100, "欠缴起始日期": since,
            "统计日期": _past_day(rng, world.as_of, 30), "数据来源单位": world.departments[creditor].name}


# The field that, with the USCC, tells one entry from another (no accidental duplicates).
ENTRY_KEYS = {"black_list": "列入事由", "red_list": "荣誉名称", "commitment": "承诺事项", "arrears": "欠缴类型"}


def _entries(world: World, dataset: str, department: str, n: int, rng: random.Random) -> list[dict]:
    """List entries, commitments or arrears: n rows, no two for the same subject and key."""
    creditors = ("hrss", "fund") if department == "hrss" else ("water", "power", "gas")
    kinds = tuple(k for k in N.ARREARS_KINDS if k[1] in creditors)
    row_of = {"black_list": black_list_row, "red_list": red_list_row, "commitment": commitment_row}.get(dataset)
    if row_of is None and dataset != "arrears":
        raise ValueError(f"no entry rows for dataset {dataset}")
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    while len(rows) < n:
        row = arrears_row(world, rng, kinds) if row_of is None else row_of(world, rng)
        key = (row["统一社会信用代码"], row[ENTRY_KEYS[dataset]])
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


def other_rows(world: World, dataset: str, department: str, n: int, rng: random.Random) -> list[dict]:
    """The n rows of a list, commitment, evaluation, tax grade or arrears sheet of `department`."""
    if dataset in ENTRY_KEYS:
        return _entries(world, dataset, department, n, rng)
    make = evaluation_rows if dataset == "evaluation" else tax_grade_rows
    rows: list[dict] = []
    subjects = rng.sample(world.organisations, min(len(world.organisations), n))
    for s in subjects:
        rows.extend(make(world, rng, s, min(rng.choice((1, 2, 3)), n - len(rows))))
        if len(rows) >= n:
            break
    return rows

