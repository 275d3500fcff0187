"""Screening a batch of queries against a built public.db.

Candidates come from index lookups only: the exact USCC in `entities`, and the name's core
and its one-character deletions in `screening_keys` (index.py). Each is scored by the
requested algorithm (matcher.py); the best (at most 5, above the floor) are answered with
whether the subject is on a black list and how many penalty decisions are in their publicity window
on the caller's `today`. The views use publish_today(), which a connection of ours does not
have, so the stored tables (publish/kinds.py) are read with `today` as a parameter.

One read-only SQLite connection per thread: a Screener may be shared by a server's threads.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from ..errors import PublishError
from ..kinds import load_kinds, public_today_sql
from ..textnorm import is_valid_uscc
from .index import query_area, variant_keys
from .matcher import ALGORITHMS, Algorithm, Candidate, Probe
from .normalise import query_uscc, region_code, split_name
from .queries import ScreenQuery

# Candidates read per index key. A core many names share (宏泰陶瓷 in every county), or a
# deletion many share (泰陶瓷), says little by itself: the first so many are scored.
PER_EXACT_KEY = 40
PER_NEAR_KEY = 12
# Beside those of the place a query names: the same core elsewhere (answered, scored down
# for its place), and no near names elsewhere (a near name in another place is no match).
PER_EXACT_ELSEWHERE = 20
PER_NEAR_ELSEWHERE = 0


class Screener:
    """Screens queries against the public database at `public_db`."""

    def __init__(self, public_db: Path):
        self.public_db = Path(public_db)
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.public_db}?mode=ro", uri=True, check_same_thread=False)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"entities", "screening_subjects", "screening_keys"} <= tables:
                conn.close()
                raise PublishError("screening_index_missing",
                                   f"{self.public_db} 没有筛查索引（screening_subjects、screening_keys）："
                                   "请用当前版本重新构建（python -m publish build）")
            self._local.conn = conn
            self._local.tables = tables
            self._local.standing_sql = None
        return conn

    def screen(self, queries: Iterable[ScreenQuery], *, algorithm: str, today: str) -> list[dict]:
        """One answer per query, in order: {key, candidates (best first), matched}."""
        algo = ALGORITHMS[algorithm]
        conn = self._conn()
        return [self._answer(conn, algo, q, today) for q in queries]

    def _answer(self, conn: sqlite3.Connection, algo: Algorithm, query: ScreenQuery, today: str) -> dict:
        code = query_uscc(query.uscc) if query.uscc else None
        probe = Probe(uscc=code, uscc_valid=is_valid_uscc(code),
                      parts=split_name(query.name) if query.name else None,
                      region=query.region, region_code=region_code(query.region) if query.region else None)
        scored = []
        for cand in self._candidates(conn, probe):
            score, evidence = algo.score(probe, cand)
            if score >= algo.floor:
                scored.append((score, cand, evidence))
        scored.sort(key=lambda s: (-s[0], s[1].uscc))
        best = scored[:algo.max_candidates]
        candidates = [{"uscc": c.uscc, "name": c.name, "region": c.region, "score": score,
                       "evidence": evidence, **self._standing(conn, c.uscc, today)}
                      for score, c, evidence in best]
        return {"key": query.key, "candidates": candidates,
                "matched": bool(best) and best[0][0] >= algo.threshold}

    def _candidates(self, conn: sqlite3.Connection, probe: Probe) -> list[Candidate]:
        rows: list[tuple] = []
        if probe.parts is not None:
            lookups, params = _name_lookups(probe)
            rows = conn.execute(f"""
                SELECT uscc, name, region_code, region FROM screening_subjects
                WHERE id IN ({" UNION ".join(lookups)})""", params).fetchall()
        if probe.uscc and probe.uscc not in {r[0] for r in rows}:
            rows += conn.execute("SELECT uscc, name, region_code, region FROM entities WHERE uscc = ?",
                                 (probe.uscc,)).fetchall()
        return [Candidate.of(uscc, name or "", code, region) for uscc, name, code, region in rows]

    def _standing(self, conn: sqlite3.Connection, uscc: str, today: str) -> dict:
        """Whether the subject is on a public black list today, and its penalty decisions in window."""
        sql = self._local.standing_sql
        if sql is None:
            tables = self._local.tables
            black_lists = [k.storage for k in load_kinds() if k.lists_offenders and k.storage in tables]
            penalties_tables = [k.storage for k in load_kinds() if k.penalises and k.storage in tables]
            black = " OR ".join(f"EXISTS (SELECT 1 FROM [{t}] WHERE uscc = :uscc AND {public_today_sql(':today')})"
                                for t in black_lists) or "0"
            counted = " + ".join(f"(SELECT COUNT(*) FROM [{t}] WHERE uscc = :uscc AND "
                                   f"{public_today_sql(':today')})" for t in penalties_tables) or "0"
            sql = self._local.standing_sql = f"SELECT {black}, {counted}"
        blacklisted, penalties_in_window = conn.execute(sql, {"uscc": uscc, "today": today}).fetchone()
        return {"blacklisted": bool(blacklisted), "penalties_in_window": penalties_in_window}

    def close(self) -> None:
        """Closes this thread's connection (others close with their threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _name_lookups(probe: Probe) -> tuple[list[str], list]:
    """The index reads for a query's name: per key (the core's, then its deletions') the
    subjects of the place the query names (by `region`, else by its name's own place), then
    those elsewhere, each read capped (PER_…)."""
    assert probe.parts is not None
    area = query_area(probe.region_code or (probe.parts.places[-1:] or (None,))[0])
    lookups: list[str] = []
    params: list = []
    for i, key in enumerate(variant_keys(probe.parts.core)):
        exact = i == 0
        if area is not None:
            lookups.append("SELECT * FROM (SELECT subject FROM screening_keys WHERE key = ? AND area = ? "
                           f"LIMIT {PER_EXACT_KEY if exact else PER_NEAR_KEY})")
            params += [key, area]
            limit = PER_EXACT_ELSEWHERE if exact else PER_NEAR_ELSEWHERE
        else:
            limit = PER_EXACT_KEY if exact else PER_NEAR_KEY
        if limit:
            lookups.append(f"SELECT * FROM (SELECT subject FROM screening_keys WHERE key = ? LIMIT {limit})")
            params.append(key)
    return lookups, params
