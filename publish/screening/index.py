"""The screening index, added to the finished public.db at build time (after the search index).

Exact USCCs are looked up in `entities` (its primary key). Names are found by their core
(normalise.split_name) and by the core's deletion neighbourhood: each core of four or more
characters is indexed with every one-character deletion too, so a query one character off
(wrong, missing or extra: 宏太陶瓷 for 宏泰陶瓷 meets it on 宏陶瓷) is one index probe per
variant. The bigram index of search (search_fts) cannot find those: one wrong character in a
four-character core leaves only its most common gram (陶瓷) intact.

Tables (prefixed `screening_`, hidden like `search_` ones):
- `screening_subjects(id, uscc)`: one row per named entity, numbered.
- `screening_keys(key, subject)`: a 33-bit hash of each core and deletion → subject id. A
  collision only adds a candidate, which scoring drops; and hashes under 10¹⁰ are not read
  as account numbers by `scan` (redaction/scan.py), which reads every table of public.db.
"""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator

from .normalise import split_name

# Shorter cores get no deletions: one deletion of a three-character core is a two-character
# fragment that many unrelated names share.
MIN_FUZZY = 4
_BATCH = 50_000


KEY_BITS = 33


def key_hash(text: str) -> int:
    """A stable hash of a core or deletion, of KEY_BITS bits."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - KEY_BITS)


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
    conn.execute("CREATE TABLE screening_subjects (id INTEGER PRIMARY KEY, uscc TEXT NOT NULL)")
    conn.execute("""CREATE TABLE screening_keys (
        key INTEGER NOT NULL, subject INTEGER NOT NULL, PRIMARY KEY (key, subject)) WITHOUT ROWID""")
    subjects = ((uscc, split_name(name).core) for uscc, name in
                conn.execute("SELECT uscc, name FROM entities WHERE name IS NOT NULL AND name != '' ORDER BY uscc"))
    for batch in _batches(subjects):
        rows = list(enumerate(batch, start=_next_id(conn)))
        conn.executemany("INSERT INTO screening_subjects VALUES (?, ?)", [(i, uscc) for i, (uscc, _) in rows])
        conn.executemany("INSERT OR IGNORE INTO screening_keys VALUES (?, ?)",
                         sorted((k, i) for i, (_, core) in rows for k in variant_keys(core)))
    split_name.cache_clear()
    conn.commit()


def _next_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM screening_subjects").fetchone()[0]


def _batches(items: Iterable[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
