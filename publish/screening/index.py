"""The screening index, added to the finished public.db at build time (after the search index).

Exact USCCs are looked up in `entities` (its primary key). Names are found by their core
(normalise.split_name) and by the core's deletion neighbourhood: each core of four or more
characters is indexed with every one-character deletion too, so a query one character off
(wrong, missing or extra: 宏太陶瓷 for 宏泰陶瓷 meets it on 宏陶瓷) is one index probe per
variant. The bigram index of search (search_fts) cannot find those: one wrong character in a
four-character core leaves only its most common gram (陶瓷) intact.

Tables (prefixed `screening_`, hidden like `search_` ones):
- `screening_subjects(id, uscc, name, region_code, region)`: one row per named entity,
  numbered, with what scoring reads of it (a candidate costs one lookup, not three).
- `screening_keys(key, area, subject)`: a 32-bit hash (CRC-32) of each core and deletion, the
  subject's prefecture (the first four digits of its division code, 3602 for 景德镇市 and its
  counties) and its id. A collision only adds a candidate, which scoring drops; and hashes
  under 10¹⁰ are not read as account numbers by `scan` (redaction/scan.py), which reads every
  table of public.db. The area lets a query that names a place read the subjects there first
  when a core or deletion is shared by many (泰陶瓷: every X泰陶瓷 of the province).
"""
from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator

from .normalise import split_name

# Shorter cores get no deletions: one deletion of a three-character core is a two-character
# fragment that many unrelated names share.
MIN_FUZZY = 4
_BATCH = 50_000


def key_hash(text: str) -> int:
    """A stable 32-bit hash of a core or deletion (CRC-32: fast, and two strings that differ
    in one character never collide)."""
    return zlib.crc32(text.encode("utf-8"))


def variants(core: str) -> set[str]:
    """The core and, for cores of MIN_FUZZY or more characters, each one-character deletion."""
    out = {core}
    if len(core) >= MIN_FUZZY:
        out.update(core[:i] + core[i + 1:] for i in range(len(core)))
    return out


def variant_keys(core: str) -> list[int]:
    """The keys of a core's variants, the core's own first."""
    return [key_hash(core)] + [key_hash(v) for v in variants(core) - {core}]


def build_screening_index(conn: sqlite3.Connection) -> None:
    """(Re)creates the screening tables from `entities` in the database `conn` is open on."""
    conn.execute("DROP TABLE IF EXISTS screening_keys")
    conn.execute("DROP TABLE IF EXISTS screening_subjects")
    conn.execute("""CREATE TABLE screening_subjects (
        id INTEGER PRIMARY KEY, uscc TEXT NOT NULL, name TEXT NOT NULL, region_code TEXT, region TEXT)""")
    conn.execute("""CREATE TABLE screening_keys (
        key INTEGER NOT NULL, area INTEGER NOT NULL, subject INTEGER NOT NULL,
        PRIMARY KEY (key, area, subject)) WITHOUT ROWID""")
    subjects = conn.execute("SELECT uscc, name, region_code, region FROM entities "
                            "WHERE name IS NOT NULL AND name != '' ORDER BY uscc")
    # Keys are gathered unsorted, then inserted in key order in one statement: SQLite sorts
    # millions of rows faster than B-tree inserts in hash order.
    conn.execute("CREATE TEMP TABLE screening_keys_unsorted (key INTEGER, area INTEGER, subject INTEGER)")
    for batch in _batches(subjects):
        rows = list(enumerate(batch, start=_next_id(conn)))
        conn.executemany("INSERT INTO screening_subjects VALUES (?, ?, ?, ?, ?)", [(i, *row) for i, row in rows])
        keys = []
        for i, (uscc, name, code, _) in rows:
            area = area_of(code or uscc[2:8])
            keys += [(k, area, i) for k in variant_keys(split_name(name).core)]
        conn.executemany("INSERT INTO screening_keys_unsorted VALUES (?, ?, ?)", keys)
    conn.execute("INSERT OR IGNORE INTO screening_keys SELECT * FROM screening_keys_unsorted ORDER BY 1, 2, 3")
    conn.execute("DROP TABLE screening_keys_unsorted")
    split_name.cache_clear()
    conn.commit()


def area_of(code: str | None) -> int:
    """The prefecture of a division code as an integer (360203 → 3602); 0 when unknown."""
    return int(code[:4]) if code and code[:4].isdigit() else 0


def query_area(code: str | None) -> int | None:
    """The area a query's place narrows to: none for a province (360000) or no place."""
    return area_of(code) if code and code[2:4] != "00" else None


def _next_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM screening_subjects").fetchone()[0]


def _batches(items: Iterable[tuple]) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for item in items:
        batch.append(item)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
