"""Rows that point at other rows, made once the decisions exist: revocations, exact and corrected
re-submissions, one company under two names and two codes, repairs and objections.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from .decisions import (
    MAX_PUBLICITY_MONTHS,
    MIN_PUBLICITY_MONTHS,
    Penalty,
    decision_row,
    fine_text,
)
from .delivery import SCOPE, STATUS, USCC_CODE
from .entries import objection_row, repair_row
from .faults import choose_faults
from .formats import add_months, wan
from .plan import LICENCE_FAMILY, PENALTY_FAMILY, Part, RngFor, resubmission_counts
from .world import World

# Rows nothing else may point at (a part's label, a row index).
Taken = set[tuple[str, int]]


def revoke(parts: list[Part], rng_for: RngFor) -> list[tuple[Part, int]]:
    """Mark about 2 % of the penalties 撤销 where the file has a 当前状态 column."""
    revoked: list[tuple[Part, int]] = []
    for p in parts:
        if p.sheet.dataset in PENALTY_FAMILY and STATUS in p.sheet.columns and p.records:
            free = [i for i in range(len(p.rows)) if i not in p.faults]
            for i in rng_for(p, "revoked").sample(free, max(1, len(free) // 50)):
                p.records[i].status = "撤销"
                p.rows[i] = decision_row(p.sheet, p.records[i])
                revoked.append((p, i))
    return revoked


# The 2016 layout's other states (DOMAIN.md "2016 codes") and the scopes, as shares of a file's rows.
STATES_2016 = {"penalty_2016": (("异议", 0.03), ("其他", 0.02)),
               "licence_2016": (("撤销", 0.02), ("异议", 0.02), ("其他", 0.02))}
OTHER_STATE_REMARKS = ("当前状态说明：当事人已申请行政复议", "当前状态说明：决定已变更，详见变更决定书")
SCOPES = (("仅政府部门内部共享", 0.04), ("仅可授权查询", 0.05))


def _mark(p: Part, i: int, attribute: str, value: str) -> None:
    record = p.records[i]
    setattr(record, attribute, value)
    if attribute == "status" and value == "其他":
        note = OTHER_STATE_REMARKS[i % len(OTHER_STATE_REMARKS)]
        record.remark = f"{note}；{record.remark}" if record.remark else note
    p.rows[i] = decision_row(p.sheet, record)


def mark_states(parts: list[Part], taken: set[tuple[str, int]], rng_for: RngFor) -> dict[str, dict[str, int]]:
    """The 2016 states 撤销, 异议 and 其他 of decisions in 2016 files, and the records whose 信息使用范围
    narrows them (government only, authorized only); nothing else points at them. Returns the
    counts per file."""
    counts: dict[str, dict[str, int]] = {}
    for p in parts:
        if p.sheet.dataset not in PENALTY_FAMILY + LICENCE_FAMILY or not p.records or p.sheet.role:
            continue
        marks = [("status", s, share) for s, share in STATES_2016.get(p.sheet.dataset, ())]
        marks += [("scope", s, share) for s, share in SCOPES if SCOPE in p.sheet.columns]
        rng = rng_for(p, "states")
        for attribute, value, share in marks:
            free = [i for i in range(len(p.rows)) if i not in p.faults and (p.label, i) not in taken]
            for i in rng.sample(free, min(len(free), max(1, round(share * len(p.rows))))):
                _mark(p, i, attribute, value)
                taken.add((p.label, i))
                per_file = counts.setdefault(p.source.path, {})
                per_file[value] = per_file.get(value, 0) + 1
    return counts


def resubmissions(parts: list[Part], rows: int, as_of: date, taken: Taken,
                  rng_for: RngFor) -> tuple[list[int], list[Penalty]]:
    """Exact copies and corrections of rows of the main market file, in a later file.

    A correction keeps authority, decision number and subject, changes the fine in 处罚内容 and
    carries a later 数据更新时间戳. Returns (indices copied exactly, the corrected originals).
    """
    main = parts[0]
    resub = next(p for p in parts if p.sheet.role == "resubmission")
    rng = rng_for(resub, "records")
    exact_n, corrected_n = resubmission_counts(rows)
    pool = [i for i in range(len(main.rows)) if i not in main.faults and (main.label, i) not in taken]
    fined = [i for i in pool if main.records[i].kinds in (("罚款",), ("罚款", "没收违法所得"))
             and main.records[i].decided <= as_of - timedelta(days=90)]
    corrected_ix = rng.sample(fined, min(corrected_n, len(fined)))
    exact_ix = rng.sample(sorted(set(pool) - set(corrected_ix)), exact_n)
    for i in exact_ix:
        resub.records.append(main.records[i])  # (rows and records stay aligned: truth.py reads both)
        resub.rows.append(dict(main.rows[i]))
    corrections: list[Penalty] = []
    for i in corrected_ix:
        original = main.records[i]
        fixed = replace(original, fine_yuan=max(100, original.fine_yuan * 6 // 10 // 100 * 100),
                        remark="更正：原处罚内容罚款金额有误",
                        updated=original.updated + timedelta(days=rng.randint(10, 60)))
        fixed.fine_column = wan(fixed.fine_yuan)
        fixed.content = fine_text(rng, fixed.fine_yuan)
        if "没收违法所得" in original.kinds:
            fixed.content = f"没收违法所得人民币{original.confiscated}元，并处{fixed.content.removeprefix('处')}"
        resub.records.append(fixed)
        resub.rows.append(decision_row(resub.sheet, fixed))
        corrections.append(original)
    taken.update((main.label, i) for i in exact_ix + corrected_ix)
    return exact_ix, corrections


def quality_pairs(world: World, parts: list[Part], taken: Taken) -> dict:
    """Rename one company in one licence row (same USCC), give another a second USCC elsewhere."""
    licences = next(p for p in parts if p.sheet.dataset == "licence" and p.sheet.share is None)
    rng = random.Random(f"{world.seed}/quality")
    candidates = [i for i, r in enumerate(licences.records)
                  if r.subject.kind in ("company", "coop") and i not in licences.faults]
    if len(candidates) < 2:
        return {"uscc_two_names": [], "name_two_usccs": []}
    first, second = rng.sample(candidates, 2)
    s = licences.records[first].subject
    renamed = "江西" + s.name[s.name.index(s.trade):]
    if not world.take_subject_name(renamed):
        renamed = s.name + "（原）"
    licences.rows[first]["行政相对人名称"] = renamed
    t = licences.records[second].subject
    other = world.new_uscc("9" + t.uscc[1], t.division)
    licences.rows[second][USCC_CODE] = other
    taken.update({(licences.label, first), (licences.label, second)})
    return {"uscc_two_names": [{"uscc": s.uscc, "names": [s.name, renamed]}],
            "name_two_usccs": [{"name": t.name, "usccs": [t.uscc, other]}]}


def _in_window(p: Penalty, as_of: date) -> bool:
    return p.severity != "轻微" and add_months(p.decided, MIN_PUBLICITY_MONTHS[p.severity]) <= as_of \
        < add_months(p.decided, MAX_PUBLICITY_MONTHS[p.severity])


def repairs(world: World, parts: list[Part], counts: dict[str, int], penalties: list[tuple[Part, int]],
            taken: Taken, rng_for: RngFor) -> dict[str, int]:
    repair_parts = [p for p in parts if p.sheet.dataset == "repair"]
    stats = {"matching": 0, "respelled": 0, "no_match": 0}
    for part in repair_parts:
        rng = rng_for(part, "records")
        n = counts[part.label]
        market_only = part.source.department == "market"
        office = world.departments["market" if market_only else "credit"].name
        eligible = [(q, i) for q, i in penalties if (q.label, i) not in taken
                    and _in_window(q.records[i], world.as_of)
                    and (not market_only or q.source.department in ("market", "fuliang_market"))
                    and (q.records[i].subject.uscc or not market_only)]
        dangling = max(1, n // 20)
        chosen = rng.sample(eligible, min(n - dangling, len(eligible)))
        for q, i in chosen:
            taken.add((q.label, i))
            row = repair_row(world, rng, q.records[i], office)
            stats["respelled"] += row["行政处罚决定书文号"] != q.records[i].number
            part.rows.append(row)
        stats["matching"] += len(chosen)
        for _ in range(n - len(chosen)):
            part.rows.append(repair_row(world, rng, None, office))
            stats["no_match"] += 1
        part.faults = choose_faults(part.rows, part.sheet, rng_for(part, "faults"))
        stats["matching"] -= sum(1 for i in part.faults if i < len(chosen))
        stats["no_match"] -= sum(1 for i in part.faults if i >= len(chosen))
    return stats


OBJECTION_STATES = ("处理中", "维持", "原记录撤销", "已撤销")


def objections(world: World, parts: list[Part], counts: dict[str, int], penalties: list[tuple[Part, int]],
                taken: Taken, corrections: list[Penalty], rng_for: RngFor) -> dict[str, int]:
    part = next(p for p in parts if p.sheet.dataset == "objection")
    rng = rng_for(part, "records")
    n = counts[part.label]
    stats: dict[str, int] = {}
    # 已更正: the corrected record arrives as a correction in the re-submission file.
    for original in corrections[:max(1, n // 8)]:
        part.rows.append(objection_row(world, rng, original, "已更正"))
        stats["已更正"] = stats.get("已更正", 0) + 1
    eligible = [(q, i) for q, i in penalties if (q.label, i) not in taken and _in_window(q.records[i], world.as_of)]
    dangling = max(1, n // 20)
    want = max(0, n - len(part.rows) - dangling)
    for k, (q, i) in enumerate(rng.sample(eligible, min(want, len(eligible)))):
        state = OBJECTION_STATES[k % len(OBJECTION_STATES)]
        taken.add((q.label, i))
        part.rows.append(objection_row(world, rng, q.records[i], state))
        stats[state] = stats.get(state, 0) + 1
    matching = len(part.rows)
    while len(part.rows) < n:
        part.rows.append(objection_row(world, rng, None, rng.choice(OBJECTION_STATES)))
        stats["no_match"] = stats.get("no_match", 0) + 1
    part.faults = choose_faults(part.rows, part.sheet, rng_for(part, "faults"))
    for i in part.faults:
        key = "no_match" if i >= matching else part.rows[i]["异议状态"]
        stats[key] -= 1
    return stats
