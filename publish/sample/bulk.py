"""write_penalty_csv: one large current-layout penalty CSV, written fast from pools of ready-made
CSV fragments, for the benchmark.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from . import names as N
from .decisions import MAX_PUBLICITY_MONTHS, outcome, subject_fields
from .delivery import PENALTY_COLUMNS, PENALTY_FAULTS, SUBJECT_COLUMNS
from .faults import apply_fault, fault_applies
from .formats import add_months, cn_date, decimal_text, wan
from .text import facts_text
from .world import PERSON_SHARE, World
from .writers import cell_text


def _csv_field(value: str) -> str:
    """One CSV field as csv.writer's QUOTE_MINIMAL writes it."""
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_line(values: Iterable[str]) -> str:
    return ",".join(_csv_field(v) for v in values) + "\r\n"


def write_penalty_csv(path: Path, rows: int, seed: int, as_of: date, encoding: str = "utf-8",
                      faulty_share: float = 0.0) -> int:
    """One plain current-layout penalty CSV of `rows` rows, fast: the rows are assembled from
    pools of ready-made CSV fragments (subject, facts, outcome), varied by department, day and
    decision number. Returns the number of data rows written; about `faulty_share` of them
    carry a fault (cycling through PENALTY_FAULTS).
    """
    world = World(seed, as_of, n_subjects=min(3000, max(60, rows // 20)))
    rng = random.Random(f"{seed}/bench")
    keys = ("market", "ecology", "emergency", "housing", "transport", "tax")
    pool_size = 400
    # Per department: (subject columns, 违法行为类型, 违法事实 without its date, the columns from
    # 处罚依据 to 暂扣…, 备注, longest publicity in months), raw and as CSV text.
    pools = []
    for key in keys:
        dept = world.departments[key]
        entries = []
        for _ in range(pool_size):
            s = world.subject_for(rng, key, PERSON_SHARE[key])
            violation = rng.choice(N.VIOLATIONS[key])
            facts, _ = facts_text(world, rng, key, s, violation, None, False)
            o = outcome(rng, world, key, s)
            fine = decimal_text(wan(o["fine_yuan"])) if o["fine_yuan"] else ""
            gains = decimal_text(wan(o["confiscated"])) if o["confiscated"] else ""
            subject = [subject_fields(s)[c] for c in SUBJECT_COLUMNS]
            middle = [violation[2], "；".join(o["kinds"]), o["content"], fine, gains, o["licence_ref"]]
            tail = [dept.name, dept.uscc, dept.name, dept.uscc, o["remark"]]
            entries.append((subject, violation[0], facts, middle, tail, MAX_PUBLICITY_MONTHS[o["severity"]],
                            _csv_line(subject)[:-2] + ",", "," + _csv_field(violation[0]) + ",",
                            _csv_field(facts) != facts, "," + _csv_line(middle)[:-2] + ",",
                            "," + _csv_line(tail)))
        pools.append((dept, entries))
    days = [as_of - timedelta(days=k) for k in range(4 * 365 + 1)]
    iso = [d.isoformat() for d in days]
    spoken = [cn_date(d - timedelta(days=14)) + "，" for d in days]
    ends = {m: [add_months(d, m).isoformat() for d in days] for m in (3, 12, 36)}
    written = 0
    with open(path, "w", encoding=encoding, newline="") as handle:
        handle.write(_csv_line(PENALTY_COLUMNS))
        batch: list[str] = []
        rand, randrange, n_days = rng.random, rng.randrange, len(days)
        for i in range(rows):
            dept, entries = pools[randrange(6)]
            entry = entries[randrange(pool_size)]
            day = randrange(n_days)
            number = f"{dept.penalty_prefix}〔{days[day].year}〕{i + 1}号"
            end = ends[entry[5]][day] if rand() < 0.5 else ""
            if faulty_share and rand() < faulty_share:
                batch.append(_faulty_bench_line(entry, number, spoken[day], iso[day], end, written, rng, world))
            else:
                facts = spoken[day] + entry[2]
                if entry[8]:
                    facts = _csv_field(facts)
                batch.append(f"{entry[6]}{number}{entry[7]}{facts}{entry[9]}{iso[day]},,{end}{entry[10]}")
            written += 1
            if len(batch) >= 20000:
                handle.write("".join(batch))
                batch.clear()
        handle.write("".join(batch))
    return written


def _faulty_bench_line(entry: tuple, number: str, spoken: str, decided: str, end: str, i: int,
                       rng: random.Random, world: World) -> str:
    subject, violation, facts, middle, tail = entry[:5]
    values = subject + [number, violation, spoken + facts] + middle + [decided, "", end] + tail
    record = dict(zip(PENALTY_COLUMNS, values, strict=True))
    kind = PENALTY_FAULTS[i % len(PENALTY_FAULTS)]
    if fault_applies(record, "penalty", kind):
        apply_fault(record, "penalty", kind, rng, world)
    return _csv_line(cell_text(record[c], "iso") for c in PENALTY_COLUMNS)
