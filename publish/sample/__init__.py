"""Synthetic raw files as departments deliver them: `python -m publish sample`.

`generate_sample(out_dir, as_of, rows, seed)` writes one realistic delivery of every dataset the
build reads (DOMAIN.md), in every container and encoding the contract names (CSV, XLSX, XLS, JSON
Lines, JSON arrays and platforms' wrapped answers), with the personal data, header spellings, field
codes, 2016 codes, scope columns, placeholders, note rows, duplicates and faults real files carry,
the market regulators' black list, the national commitment template and the city's register of
market subjects (most of them with no record at all), and beside them its truth file
(`.publish-sample-truth.json`, truth.py): every personal value it planted, where and in which
form, for the test that the sample's own build publishes none of them. `write_penalty_csv(...)`
writes one large current-layout penalty CSV quickly, for the benchmark, and
`write_rich_penalty_csv(...)` one whose free text is as long and varied as real decisions'.

Deterministic: the same seed and as-of day give byte-identical files. Every random choice comes
from a `random.Random` seeded with a string (hashed with SHA-512, so no PYTHONHASHSEED effect),
nothing iterates a set, nothing reads the clock, and XLSX files get fixed timestamps derived from
the as-of day (see `writers._save_xlsx`).

The modules, in the order they build on each other: `names` (invented words), `formats` (how
values are written), `codes` (numbers with check characters), `delivery` (columns, field codes and the
files of a sample), `world` (departments, people, subjects), `text` (free text), `decisions`
(penalties and licences, the 2016 codes), `entries` (the other datasets, the register), `faults`,
`plan` (sizes), `exports` (platform columns, a second name column, placeholders), `links` (rows
pointing at rows; states and scopes), `writers` (CSV, JSONL, JSON, XLSX, XLS), `outdir` (the
output directory and its marker),
`truth` (the planted values, located in the finished rows), `generate` (`generate_sample`),
`bulk` (`write_penalty_csv`) and `rich` (`write_rich_penalty_csv`).
"""
from __future__ import annotations

from .bulk import write_penalty_csv
from .delivery import EVENT_DATES, HEADER_SPELLINGS, PENALTY_COLUMNS
from .faults import FAULT_KINDS, ROLES
from .formats import capital_yuan
from .generate import generate_sample
from .rich import write_rich_penalty_csv, write_rich_registry_csv

__all__ = [
    "EVENT_DATES",
    "FAULT_KINDS",
    "HEADER_SPELLINGS",
    "PENALTY_COLUMNS",
    "ROLES",
    "capital_yuan",
    "generate_sample",
    "write_penalty_csv",
    "write_rich_penalty_csv",
    "write_rich_registry_csv",
]
