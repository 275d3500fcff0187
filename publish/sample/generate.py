"""generate_sample: the whole sample, step by step (decisions, faults chosen, rows pointing at
rows, the other datasets, faults applied), written to an output directory that must be absent,
empty or a previous sample (outdir), with a summary of what is in it.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from publish.errors import PublishError

from .decisions import Numbering, decision_row, make_licence, make_penalty
from .delivery import FINE, PLAN, SECRETS, SourceFile
from .entries import ENTRY_KEYS, other_rows, registry_rows
from .exports import add_platform_columns, add_second_names, apply_placeholders, names_differ
from .faults import FAULT_KINDS, ROLES, apply_fault, choose_faults
from .links import mark_states, objections, quality_pairs, repairs, resubmissions, revoke
from .outdir import check_out_dir, prepare_out_dir, seal_out_dir
from .plan import (
    LICENCE_FAMILY,
    MIN_ROWS,
    PENALTY_FAMILY,
    Part,
    RngFor,
    allocate,
    dataset_sizes,
    line_of,
)
from .truth import TRUTH, collect_truth, name_plant, truth_summary, write_truth
from .world import PERSON_SHARE, World
from .writers import NOTES, write_csv, write_json, write_jsonl, write_xls, write_xlsx

# Columns whose written values the summary counts per file (codes and words, scopes, states).
WATCHED = ("当前状态", "处罚类别1", "处罚类别2", "信息使用范围", "公开类型", "承诺人类别", "登记状态", "主体类型")
_OTHER_DATASETS = (*ENTRY_KEYS, "evaluation", "tax_grade")


def generate_sample(out_dir: Path, as_of: date, rows: int = 2000, seed: int = 0) -> dict:
    """Write a realistic raw delivery into out_dir; return what was written and what is wrong in it.

    out_dir must be absent, an empty directory or a previous sample, which is replaced; anything
    else is refused (PublishError) before anything is written or deleted.
    """
    if rows < MIN_ROWS:
        raise PublishError("sample_rows_too_few", f"样例数据的处罚记录数至少为 {MIN_ROWS} 行")
    out_dir = Path(out_dir)
    check_out_dir(out_dir)  # refuse before the work, not after
    world = World(seed, as_of, n_subjects=min(20000, max(60, rows // 3)))
    parts = [Part(source, sheet) for source in PLAN for sheet in source.sheets]
    counts = allocate(parts, dataset_sizes(rows), rows)

    def rng_for(part: Part, purpose: str) -> random.Random:
        return random.Random(f"{seed}/{part.label}/{purpose}")

    numbering = Numbering()
    for p in parts:  # penalties and licences first: the rest points at them
        _decisions(world, p, counts[p.label], rng_for(p, "records"), numbering)
        p.faults = choose_faults(p.rows, p.sheet, rng_for(p, "faults"))
    revoked = revoke(parts, rng_for)
    taken = {(p.label, i) for p, i in revoked}  # rows nothing else may point at
    states = mark_states(parts, taken, rng_for)
    exact_ix, corrections = resubmissions(parts, rows, as_of, taken, rng_for)
    quality = quality_pairs(world, parts, taken)
    penalties = [(p, i) for p in parts if p.sheet.dataset in PENALTY_FAMILY and p.sheet.role != "resubmission"
                 for i in range(len(p.records)) if i not in p.faults and (p.label, i) not in taken]
    repair_stats = repairs(world, parts, counts, penalties, taken, rng_for)
    objection_stats = objections(world, parts, counts, penalties, taken, corrections, rng_for)
    for p in parts:
        if p.sheet.dataset in _OTHER_DATASETS:
            p.rows = other_rows(world, p.sheet.dataset, p.source.department, counts[p.label],
                                rng_for(p, "records"))
            p.faults = choose_faults(p.rows, p.sheet, rng_for(p, "faults"))
    for p in parts:  # the register last: it lists the subjects the records name, and many more
        if p.sheet.dataset == "registry":
            p.rows = registry_rows(world, rng_for(p, "records"), counts[p.label])
            p.faults = choose_faults(p.rows, p.sheet, rng_for(p, "faults"))
    for p in parts:
        add_platform_columns(p, rng_for(p, "platform"))
        add_second_names(p, rng_for(p, "names"))
    for p in parts:  # damage the faulty rows last, so that nothing above points at them
        rng = rng_for(p, "damage")
        for i in sorted(p.faults):
            apply_fault(p.rows[i], p.sheet.dataset, p.faults[i], rng, world)
    placeholders = {p.source.path: n for p in parts if (n := apply_placeholders(p, rng_for(p, "placeholders")))}
    paths = [source.path for source in PLAN] + [TRUTH]
    about = {"as_of": as_of.isoformat(), "seed": seed, "rows": rows}
    prepare_out_dir(out_dir, paths, about)
    files = _write_all(out_dir, world, parts, rng_for)
    planted = collect_truth(world, parts, about)
    write_truth(out_dir, planted)
    seal_out_dir(out_dir, paths, about)
    summary = _summary(world, rows, seed, parts, files, revoked, len(exact_ix), len(corrections), quality,
                       repair_stats, objection_stats)
    summary.update(_real_exports(world, parts, states, placeholders))
    summary["truth"] = truth_summary(planted)
    return summary


def _decisions(world: World, p: Part, n: int, rng: random.Random, numbering: Numbering) -> None:
    """The penalty or licence records of one sheet, and their rows."""
    dept = p.source.department
    if p.sheet.dataset in PENALTY_FAMILY and p.sheet.role != "resubmission":
        secrets = 0.15 if SECRETS in p.sheet.columns else 0.0
        p.records = numbering.number_records(
            [make_penalty(world, rng, dept, world.subject_for(rng, dept, PERSON_SHARE[dept]), secrets)
             for _ in range(n)])
        companies = [r for r in p.records if r.subject.kind == "company"]
        if p.sheet.dataset == "penalty_2016" and p.source.encoding == "gb18030" and companies:
            # the GB18030 file: a name outside GBK
            lucky = rng.choice(companies)
            lucky.subject = replace(lucky.subject, rep=world.rare_person)
            lucky.facts += f"当事人法定代表人{world.rare_person.name}对上述事实予以确认。"
            lucky.plants.append(name_plant(world.rare_person.name, "facts_representative", "facts"))
    elif p.sheet.dataset in LICENCE_FAMILY:
        secrets = 0.1 if SECRETS in p.sheet.columns else 0.0
        p.records = numbering.number_records(
            [make_licence(world, rng, dept, world.subject_for(rng, dept, 0.03), secrets) for _ in range(n)])
    p.rows = [decision_row(p.sheet, r) for r in p.records]


def _write_all(out_dir: Path, world: World, parts: list[Part], rng_for: RngFor) -> list[dict]:
    files: list[dict] = []
    for source in PLAN:
        members = [p for p in parts if p.source is source]
        path = out_dir / source.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if source.container == "csv":
            write_csv(path, source.sheets[0], members[0].rows, source.encoding, rng_for(members[0], "dates"))
        elif source.container == "jsonl":
            write_jsonl(path, source.sheets[0], members[0].rows, rng_for(members[0], "dates"))
        elif source.container == "json":
            write_json(path, source, members[0].rows, rng_for(members[0], "dates"))
        elif source.container == "xls":
            write_xls(path, source, members[0].rows, world, rng_for(members[0], "dates"))
        else:
            write_xlsx(path, source, [(p.sheet, p.rows) for p in members], world,
                       rng_for(members[0], "dates"))
        files.append({
            "path": source.path, "container": source.container, "department": world.departments[source.department].name,
            "encoding": _encoding(source), "wrapper": source.wrapper if source.container == "json" else None,
            "sheets": [{"name": p.sheet.name, "dataset": p.sheet.dataset, "rows": len(p.rows),
                        "title_rows": p.sheet.title_rows, "notes": list(p.sheet.notes)} for p in members]
                      + ([{"name": "填报说明", "dataset": None, "rows": len(NOTES), "title_rows": 0, "notes": [0, 0]}]
                         if source.notes_sheet else []),
        })
    return files


def _encoding(source: SourceFile) -> str | None:
    """The text encoding a file is written in; a workbook has none of its own."""
    if source.container == "csv":
        return source.encoding
    return "utf-8" if source.container in ("jsonl", "json") else None


def _real_exports(world: World, parts: list[Part], states: dict[str, dict[str, int]],
                  placeholders: dict[str, dict[str, int]]) -> dict:
    """What the sample holds of real exports' forms, per file: the values written in the watched
    columns, the states and scopes set, the placeholders, the note rows, two names; and the register."""
    written: dict[str, dict[str, dict[str, int]]] = {}
    for p in parts:
        for column in WATCHED:
            if column in p.sheet.columns:
                per_value = written.setdefault(p.source.path, {}).setdefault(p.sheet.spelling.get(column, column), {})
                for row in p.rows:
                    value = str(row.get(column) or "")
                    per_value[value] = per_value.get(value, 0) + 1
    return {
        "written": written, "states": states, "placeholders": placeholders,
        "note_rows": {p.label: sum(p.sheet.notes) for p in parts if any(p.sheet.notes)},
        "second_names_differ": {p.source.path: n for p in parts
                                if (n := sum(names_differ(r) for i, r in enumerate(p.rows) if i not in p.faults))},
        "registry": _registry_summary(world, parts),
    }


def _registry_summary(world: World, parts: list[Part]) -> dict:
    """How many subjects the register lists, how many of them any record names, how many are natural
    persons (a 个体工商户 under its operator's name alone) and in which state."""
    [register] = [p for p in parts if p.sheet.dataset == "registry"]
    named = {str(r.get(ROLES[p.sheet.dataset]["uscc"]) or "") for p in parts if p is not register for r in p.rows}
    operators = {s.uscc for s in world.all_subjects if s.kind == "shop" and s.rep and s.name == s.rep.name}
    valid = [r for i, r in enumerate(register.rows) if i not in register.faults]
    states: dict[str, int] = {}
    for r in valid:
        states[r["登记状态"]] = states.get(r["登记状态"], 0) + 1
    return {"subjects": len(register.rows), "valid": len(valid),
            "with_records": sum(r["统一社会信用代码"] in named for r in valid),
            "natural_persons": sum(r["统一社会信用代码"] in operators for r in valid), "states": states}


def _summary(world: World, rows: int, seed: int, parts: list[Part], files: list[dict],
             revoked: list[tuple[Part, int]], exact: int, corrected: int, quality: dict,
             repair_stats: dict[str, int], objection_stats: dict[str, int]) -> dict:
    per_dataset: dict[str, int] = {}
    faults = {kind: 0 for kind in FAULT_KINDS}
    fault_rows: list[dict] = []
    for p in parts:
        per_dataset[p.sheet.dataset] = per_dataset.get(p.sheet.dataset, 0) + len(p.rows)
        for i in sorted(p.faults):
            faults[p.faults[i]] += 1
            fault_rows.append({"path": p.source.path, "sheet": p.sheet.name, "dataset": p.sheet.dataset,
                               "index": i, "row": line_of(p, i), "kind": p.faults[i]})
    penalty_records = [r for p in parts if p.sheet.dataset in PENALTY_FAMILY and p.sheet.role != "resubmission"
                       for i, r in enumerate(p.records) if i not in p.faults]
    return {
        "as_of": world.as_of.isoformat(), "seed": seed, "rows": rows,
        "files": files,
        "rows_per_dataset": per_dataset,
        "faults": faults,
        "faulty_rows": sum(faults.values()),
        "fault_rows": fault_rows,
        "duplicates": {"exact": exact, "corrected": corrected},
        "revoked": len(revoked),
        # 罚款金额（万元） above 10,000: entered in 元 by mistake (exact re-submissions included)
        "suspect_fine_unit": sum(1 for p in parts if p.sheet.dataset == "penalty" for r in p.rows
                                 if isinstance(r.get(FINE), Decimal) and r[FINE] > 10000),
        "explicit_end_earlier": sum(r.explicit_end_earlier for r in penalty_records),
        "quality": quality,
        "repairs": repair_stats,
        "objections": objection_stats,
    }

