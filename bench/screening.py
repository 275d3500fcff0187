"""Screening quality and speed (issue 16).

- `evaluate(pairs_path, threshold)`: the labelled set (tests/data/screening_pairs.jsonl) put
  into a real SQLite file laid out like public.db's `entities` (plus the screening index and
  empty black-list and penalty tables), with distractors beside each subject (the same trade
  name in another city, a name one character off) and a few thousand unrelated subjects; each
  query screened, a pair predicted a match when its entity is a candidate scoring at least
  `threshold`. Precision and recall overall and per class.
- `time_screen(public_db, n)`: p50 and p95 of screening a batch of `n` queries (exact names,
  names written differently, USCCs) drawn from the database's own entities.
- `make_entities_db(path, n)`: a database of `n` invented entities (the tables screening reads).

    .venv/bin/python bench/screening.py [quality] [speed]     # BENCH_ENTITIES (default 1,000,000)
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publish.entities import region_name, regions  # noqa: E402
from publish.sample.codes import make_uscc  # noqa: E402
from publish.sample.names import (  # noqa: E402
    GIVEN_NAME_CHARS,
    INDUSTRIES,
    REGISTRATION_AREAS,
    SHOP_KINDS,
    SURNAMES,
    TRADE_NAMES,
    TRADE_SYLLABLES,
)
from publish.screening import DEFAULT_ALGORITHM, DEFAULT_THRESHOLD, Screener, ScreenQuery  # noqa: E402
from publish.screening.index import build_screening_index  # noqa: E402
from publish.textnorm import t2s_table  # noqa: E402

PAIRS = ROOT / "tests" / "data" / "screening_pairs.jsonl"
WORK = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
ENTITIES = int(os.environ.get("BENCH_ENTITIES", 1_000_000))
TODAY = "2026-11-25"
# Unrelated subjects beside the set's (BENCH_SCREEN_UNRELATED: more make candidates compete).
UNRELATED = int(os.environ.get("BENCH_SCREEN_UNRELATED", 5_000))
_PREFIX = {"360200": "景德镇市", "360203": "景德镇市珠山区", "360202": "景德镇市昌江区", "360222": "浮梁县",
           "360281": "乐平市", "360400": "九江市", "360482": "共青城市", "442000": "中山市",
           "230800": "佳木斯市", "230881": "同江市"}


def create_tables(conn: sqlite3.Connection) -> None:
    """The tables of public.db screening reads, with the columns it reads."""
    conn.executescript("""
        CREATE TABLE entities (uscc TEXT PRIMARY KEY, name TEXT, region_code TEXT, region TEXT);
        CREATE TABLE blacklist_records (id INTEGER PRIMARY KEY, uscc TEXT, publicity_end TEXT);
        CREATE TABLE penalties_records (id INTEGER PRIMARY KEY, uscc TEXT, publicity_end TEXT);
        CREATE INDEX blacklist_records_uscc ON blacklist_records(uscc);
        CREATE INDEX penalties_records_uscc ON penalties_records(uscc);
    """)


class Inventor:
    """Invented subjects in the sample generator's vocabulary (publish/sample/names.py)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.provinces, self.divisions = regions()
        self.areas = [a[0] for a in REGISTRATION_AREAS]
        self.weights = [a[2] for a in REGISTRATION_AREAS]
        self.companies = [i for i in INDUSTRIES if "合作社" not in i[1]]

    def region(self, code: str) -> str | None:
        return region_name(code, self.provinces, self.divisions)

    def trade(self) -> str:
        rng = self.rng
        return rng.choice(TRADE_NAMES) if rng.random() < 0.3 else "".join(rng.sample(TRADE_SYLLABLES, 2))

    def name(self, code: str) -> tuple[str, str]:
        """(name, USCC head) of a new subject registered in `code`."""
        rng = self.rng
        if rng.random() < 0.35:
            given = "".join(rng.sample(sorted(GIVEN_NAME_CHARS), rng.choice((1, 2))))
            prefix = _PREFIX[code].removeprefix("景德镇市") if rng.random() < 0.7 else ""
            return prefix + rng.choice(sorted(SURNAMES)) + given + rng.choice(SHOP_KINDS)[0], "92"
        industry, forms, _, _ = rng.choice(self.companies)
        return _PREFIX[code] + self.trade() + industry + rng.choice(forms), "91"

    def entity(self, code: str | None = None, name: str | None = None, head: str = "91") -> tuple:
        code = code or self.rng.choices(self.areas, self.weights)[0]
        if name is None:
            name, head = self.name(code)
        return make_uscc(self.rng, head, code), name, code, self.region(code)


def distractors(inventor: Inventor, entity: dict) -> list[tuple]:
    """Subjects a screening of `entity` must tell apart from it: the same trade name in
    another city, a name one character off."""
    rng = inventor.rng
    name, out = entity["name"], []
    own = entity["uscc"][2:8]
    prefix = _PREFIX.get(own, "")
    body = name.removeprefix(prefix) if prefix and name.startswith(prefix) else None
    if body and rng.random() < 0.6:
        other = rng.choice([c for c in _PREFIX if c[:4] != own[:4]])
        out.append(inventor.entity(other, _PREFIX[other] + body))
    if rng.random() < 0.4 and len(name) > 6:
        i = rng.randrange(len(prefix), min(len(prefix) + 2, len(name)))
        out.append(inventor.entity(own, name[:i] + rng.choice(TRADE_SYLLABLES) + name[i + 1:]))
    return out


def build_pairs_db(pairs: list[dict], path: Path, seed: int = 16) -> None:
    """The set's entities, distractors and unrelated subjects in a public.db-like file."""
    inventor = Inventor(seed)
    rows: dict[str, tuple] = {}
    for p in pairs:
        e = p["entity"]
        rows[e["uscc"]] = (e["uscc"], e["name"], e["uscc"][2:8], e["region"])
    names = {r[1] for r in rows.values()}
    extra = [d for p in pairs for d in distractors(inventor, p["entity"])]
    extra += [inventor.entity() for _ in range(UNRELATED)]
    for row in extra:
        if row[0] not in rows and row[1] not in names:
            rows[row[0]] = row
            names.add(row[1])
    conn = sqlite3.connect(path)
    create_tables(conn)
    conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)", sorted(rows.values()))
    conn.commit()
    build_screening_index(conn)
    conn.close()


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def evaluate(pairs_path: Path = PAIRS, threshold: float = DEFAULT_THRESHOLD,
             algorithm: str = DEFAULT_ALGORITHM) -> dict:
    """Precision and recall at `threshold`, overall and per class, with the pairs got wrong."""
    pairs = [json.loads(line) for line in Path(pairs_path).read_text(encoding="utf-8").splitlines() if line]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "public.db"
        build_pairs_db(pairs, db)
        screener = Screener(db)
        queries = [ScreenQuery(key=p["id"], **p["query"]) for p in pairs]
        answers = screener.screen(queries, algorithm=algorithm, today=TODAY)
        screener.close()
    counts: dict[str, dict[str, int]] = {}
    wrong, scores = [], []
    pair_scores: dict[bool, list[float]] = {True: [], False: []}
    for pair, answer in zip(pairs, answers, strict=True):
        found = [c for c in answer["candidates"] if c["uscc"] == pair["entity"]["uscc"]]
        score = found[0]["score"] if found else 0.0
        scores.extend(c["score"] for c in answer["candidates"])
        pair_scores[pair["match"]].append(score)
        predicted = score >= threshold
        outcome = {(True, True): "tp", (False, True): "fp", (True, False): "fn", (False, False): "tn"}[
            (pair["match"], predicted)]
        for group in ("overall", pair["class"]):
            counts.setdefault(group, {"tp": 0, "fp": 0, "fn": 0, "tn": 0})[outcome] += 1
        if outcome in ("fp", "fn"):
            wrong.append({"id": pair["id"], "outcome": outcome, "score": score, "query": pair["query"],
                          "entity": pair["entity"]["name"]})
    result = {"threshold": threshold, "algorithm": algorithm, "pairs": len(pairs),
              "score_range": [min(scores), max(scores)],
              "lowest_positive": min(pair_scores[True]), "highest_negative": max(pair_scores[False]),
              "classes": {}, "wrong": wrong}
    for group, c in counts.items():
        figures = {"precision": _ratio(c["tp"], c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0,
                   "recall": _ratio(c["tp"], c["tp"] + c["fn"]), **c}
        if group == "overall":
            result.update(figures)
        else:
            result["classes"][group] = figures
    return result


def make_entities_db(path: Path, n: int, seed: int = 7) -> None:
    """A public.db-like file of `n` invented entities, black-listed and penalised ones among
    them, with the screening index."""
    inventor = Inventor(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    create_tables(conn)
    seen: set[str] = set()
    batch: list[tuple] = []
    made = 0
    while made < n:
        row = inventor.entity()
        if row[0] in seen:
            continue
        seen.add(row[0])
        batch.append(row)
        made += 1
        if len(batch) == 50_000 or made == n:
            conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)", batch)
            conn.executemany("INSERT INTO penalties_records (uscc, publicity_end) VALUES (?, ?)",
                             [(r[0], "2027-06-30") for r in batch[::20]])
            conn.executemany("INSERT INTO blacklist_records (uscc, publicity_end) VALUES (?, NULL)",
                             [(r[0],) for r in batch[::200]])
            batch = []
    conn.commit()
    build_screening_index(conn)
    conn.close()


def sample_queries(public_db: Path, n: int, seed: int = 3) -> list[ScreenQuery]:
    """`n` queries as a bank sends them: exact names, traditional, one character off, USCCs."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{public_db}?mode=ro", uri=True)
    top = conn.execute("SELECT MAX(rowid) FROM entities").fetchone()[0]
    picks = [conn.execute("SELECT uscc, name FROM entities WHERE rowid = ?", (rng.randint(1, top),)).fetchone()
             for _ in range(n)]
    conn.close()
    trad = {ord(v): chr(k) for k, v in t2s_table().items()}
    queries = []
    for i, (uscc, name) in enumerate(p for p in picks if p):
        how = i % 4
        if how == 1:
            name = name.translate(trad)
        elif how == 2:
            j = rng.randrange(len(name))
            name = name[:j] + rng.choice(TRADE_SYLLABLES) + name[j + 1:]
        queries.append(ScreenQuery(key=str(i), name=name, uscc=uscc if how == 3 else None))
    return queries


def time_screen(public_db: Path, n: int = 1000, runs: int = 11) -> dict:
    """Seconds to screen one batch of `n` queries: the first (cold) run, then p50 and p95."""
    queries = sample_queries(public_db, n)
    screener = Screener(public_db)
    times, cpu = [], []
    for _ in range(runs + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        answers = screener.screen(queries, algorithm=DEFAULT_ALGORITHM, today=TODAY)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    screener.close()
    cold, warm = times[0], sorted(times[1:])
    # CPU seconds beside wall-clock ones: on a shared machine the wall clock counts others' work.
    return {"batch": len(queries), "runs": runs, "cold_s": round(cold, 3),
            "p50_s": round(statistics.median(warm), 3),
            "p95_s": round(warm[min(len(warm) - 1, round(0.95 * (len(warm) - 1)))], 3),
            "cpu_p50_s": round(statistics.median(cpu[1:]), 3),
            "matched": sum(a["matched"] for a in answers)}


def main(parts: list[str]) -> None:
    if not parts or "quality" in parts:
        result = evaluate(PAIRS, DEFAULT_THRESHOLD)
        print(f"screening quality ({result['pairs']} pairs, algorithm {result['algorithm']}, "
              f"threshold {result['threshold']}, candidate scores {result['score_range']}, "
              f"lowest positive {result['lowest_positive']}, highest negative {result['highest_negative']}):")
        print(f"  {'overall':<22} precision {result['precision']:.4f}  recall {result['recall']:.4f}")
        for cls, f in result["classes"].items():
            recall = "  —   " if f["recall"] is None else f"{f['recall']:.4f}"
            print(f"  {cls:<22} precision {f['precision']:.4f}  recall {recall}  "
                  f"(tp {f['tp']} fp {f['fp']} fn {f['fn']} tn {f['tn']})")
        for w in result["wrong"][:20]:
            print("  wrong:", w)
    if not parts or "speed" in parts:
        WORK.mkdir(parents=True, exist_ok=True)
        db = WORK / f"screening-{ENTITIES}.db"
        if not db.exists():
            start = time.perf_counter()
            make_entities_db(db.with_suffix(".tmp"), ENTITIES)
            db.with_suffix(".tmp").rename(db)
            print(f"made {db} ({ENTITIES:,} entities) in {time.perf_counter() - start:.0f} s")
        print("screening speed:", time_screen(db, 1000))


if __name__ == "__main__":
    main(sys.argv[1:])
