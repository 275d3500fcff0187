"""Faults real files carry: which rows of a sheet are damaged, and how (a wrong check character,
an impossible date, a blank required field, an ID number where a decision number belongs...).
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict

from redaction.checkdigits import USCC_ALPHABET

from .delivery import LICENCE_FAULTS, USCC_CODE, USCC_CODE_2016, Sheet

if TYPE_CHECKING:
    from .world import World

FAULT_KINDS = LICENCE_FAULTS  # every kind there is
FAULT_SHARE = 0.03


class Roles(TypedDict):
    """The columns a dataset's faults damage."""
    name: str
    uscc: str
    number: NotRequired[str]
    date: NotRequired[str]
    enum: NotRequired[tuple[str, str]]   # (column, a value it does not allow)
    keep: NotRequired[str]               # a column published as written (role keep)
    valid: NotRequired[tuple[str, str]]  # (valid from, valid to)


# Which field a fault kind damages, per dataset.
ROLES: dict[str, Roles] = {
    "penalty": {"name": "行政相对人名称", "uscc": USCC_CODE, "number": "行政处罚决定书文号",
                "date": "处罚决定日期", "enum": ("行政相对人类别", "外星人"), "keep": "行政处罚决定书文号"},
    "penalty_2016": {"name": "行政相对人名称", "uscc": USCC_CODE_2016, "number": "行政处罚决定书文号",
                     "date": "处罚决定日期", "keep": "行政处罚决定书文号"},
    "licence": {"name": "行政相对人名称", "uscc": USCC_CODE, "number": "行政许可决定文书号",
                "date": "许可决定日期", "enum": ("许可类别", "随便"), "keep": "许可编号",
                "valid": ("有效期自", "有效期至")},
    "licence_2016": {"name": "行政相对人名称", "uscc": USCC_CODE_2016, "number": "行政许可决定书文号",
                     "date": "许可决定日期"},
    "repair": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "number": "行政处罚决定书文号",
               "date": "修复决定日期"},
    "objection": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "number": "行政处罚决定书文号",
                  "date": "异议提出日期", "enum": ("异议状态", "不予理睬")},
    "black_list": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "date": "列入日期"},
    "red_list": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "date": "授予日期"},
    "commitment": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "date": "承诺日期"},
    "evaluation": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "date": "评价日期",
                   "enum": ("评价结果", "极好")},
    "tax_grade": {"name": "纳税人名称", "uscc": "纳税人识别号", "enum": ("信用等级", "E")},
    "arrears": {"name": "行政相对人名称", "uscc": "统一社会信用代码", "date": "统计日期",
                "enum": ("欠缴类型", "话费")},
    "black_list_market": {"name": "企业名称", "uscc": "统一社会信用代码", "date": "列入日期"},
    # (承诺人代码 is a 自然人's ID number too: no USCC fault damages it)
    "commitment_national": {"name": "承诺人名称", "uscc": "承诺人代码", "date": "承诺作出日期"},
    "registry": {"name": "主体名称", "uscc": "统一社会信用代码", "date": "成立日期"},
}
# The required fields `missing_required` may blank.
_REQUIRED_ROLES: tuple[Literal["number", "name", "date"], ...] = ("number", "name", "date")
UNPARSEABLE_DATES = ("2024-13-45", "2023年2月30日", "二〇二三年五月", "去年三月", "20231340", "待定")


def fault_applies(row: dict, dataset: str, kind: str) -> bool:
    roles = ROLES[dataset]
    if kind in ("uscc_check", "uscc_length"):
        return len(row.get(roles["uscc"]) or "") == 18
    if kind == "validity_reversed":
        return "valid" in roles and isinstance(row.get(roles["valid"][0]), date)
    if kind == "bad_enum":
        return "enum" in roles
    if kind == "id_in_keep_field":
        return "keep" in roles
    if kind in ("date_unparseable", "date_future"):
        return "date" in roles
    return True


def choose_faults(rows: list[dict], sheet: Sheet, rng: random.Random) -> dict[int, str]:
    """Row index → fault kind: about 3 % of the rows, each kind of the sheet at least once if asked."""
    kinds = sheet.faults
    if not kinds or not rows:
        return {}
    k = round(FAULT_SHARE * len(rows))
    if sheet.cover_faults:
        k = max(k, len(kinds))
    k = min(k, len(rows) // 2)
    pending = [kinds[i % len(kinds)] for i in range(k)]
    order = list(range(len(rows)))
    rng.shuffle(order)
    chosen: dict[int, str] = {}
    for index in order:
        if not pending:
            break
        for j, kind in enumerate(pending):
            if fault_applies(rows[index], sheet.dataset, kind):
                chosen[index] = pending.pop(j)
                break
    return chosen


def apply_fault(row: dict, dataset: str, kind: str, rng: random.Random, world: World) -> None:
    """Damage one row the way real files are damaged."""
    roles = ROLES[dataset]
    if kind == "uscc_check":
        code = row[roles["uscc"]]
        wrong = [c for c in USCC_ALPHABET if c != code[17]]
        row[roles["uscc"]] = code[:17] + rng.choice(wrong)
    elif kind == "uscc_length":
        code = row[roles["uscc"]]
        row[roles["uscc"]] = code[:17] if rng.random() < 0.5 else code + rng.choice("0123456789")
    elif kind == "date_unparseable":
        row[roles["date"]] = rng.choice(UNPARSEABLE_DATES)
    elif kind == "date_future":
        row[roles["date"]] = world.as_of + timedelta(days=rng.randint(3, 400))
    elif kind == "validity_reversed":
        start, end = roles["valid"]
        row[end] = row[start] - timedelta(days=rng.randint(30, 700))
    elif kind == "missing_required":
        row[world.missing_field([roles[r] for r in _REQUIRED_ROLES if r in roles])] = ""
    elif kind == "bad_enum":
        column, value = roles["enum"]
        row[column] = value
    elif kind == "id_in_keep_field":
        row[roles["keep"]] = world.fresh_id18()
    else:
        raise ValueError(kind)

