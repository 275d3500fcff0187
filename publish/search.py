"""Public search over entities: the query over the index publish/search_index.py adds to
public.db at build time.

Names are matched on `textnorm.search_key` (NFKC, spaces and punctuation removed,
traditional → simplified, upper case), indexed as overlapping two-character grams in an FTS5
table. A query of n ≥ 2 characters is the phrase of its n−1 grams, which matches exactly the
names containing it: a two-character query is one token lookup (SQLite's trigram tokenizer
answers nothing under three characters). Each name's first gram is also indexed with a start
mark, so "starts with" is an ordinary phrase too. Ranking: exact, then prefix, then contains;
within each, shorter names first (rowids are assigned in that order).

Tables written (prefixed `search_`; hidden from Datasette's listings by plugins/pages.py):
- `search_entities(rowid, uscc, key, until)`: one row per entity of `entities`; `until` is
  the last day any of its records is public (NULL: one has no publicity end).
- `search_fts(grams, facets)`: contentless FTS5 over the same rowids; `facets` holds a token
  per region, department and record kind of the entity (`rg…`, `dp…`, `kd…`), so a facet
  filter is an FTS `AND`.
- `search_facts(entity, token, until)`: the same tokens with the last day each is public.
- `search_facet_values(token, facet, label, entities)`, `search_kinds(kind, label, storage,
  windowed, position)`: what tokens and kinds mean.

A window can end after the build: at request time the few entities and facts whose `until`
has passed (partial indexes on `until`) are taken out of what the index answers.
Counts stop at `CAP`: a fragment such as 有限 or 公司 matches most entities, and the page says
"1000+" instead of counting them all.
"""
from __future__ import annotations

import math
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from .kinds import ended_sql, public_today_sql
from .textnorm import as_uscc, bigrams, is_valid_uscc, search_key

CAP = 1000
PAGE_SIZE = 20
MIN_CHARS = 2
MAX_KEY = 40
CACHE_SIZE = 512
# Marks a name's first gram in the index (a private-use character: a token character for
# FTS5's unicode61 tokenizer, never in a key, which holds letters and digits only).
START = "\ue000"
FACETS = {"region": "所属地区", "dept": "数据来源单位", "kind": "信息类别"}
UNKNOWN_REGION = "其他地区"
UNKNOWN_DEPT = "未注明"
FACET_PREFIX = {"region": "rg", "dept": "dp", "kind": "kd"}


# --- Query ------------------------------------------------------------------------------------

@dataclass
class Query:
    """What the user asked, parsed: the raw text, its key, and any facet filters."""
    text: str
    filters: dict[str, str] = field(default_factory=dict)  # facet → label or kind name
    page: int = 1

    @property
    def key(self) -> str:
        return search_key(self.text)[:MAX_KEY]

    @property
    def uscc(self) -> str | None:
        return as_uscc(self.text)


def parse_query(params: dict[str, str]) -> Query:
    """A Query from request parameters (q, region, dept, kind, page)."""
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 1
    filters = {f: params[f].strip() for f in FACETS if (params.get(f) or "").strip()}
    return Query(text=(params.get("q") or "")[:200], filters=filters, page=page)


def _start_token(gram: str) -> str:
    return START + gram


def index_text(key: str) -> str:
    """What the FTS table indexes for a key: a start token (the first gram, marked), then
    the key's grams. The marked token makes "starts with" an ordinary phrase query that FTS5
    intersects with other tokens; FTS5's own ^ would read the whole doclist of a common gram
    to find the few names that start with it."""
    grams = bigrams(key)
    return " ".join([_start_token(grams[0]), *grams]) if grams else ""


def fts_phrase(key: str, initial: bool = False) -> str:
    """The FTS5 expression for names containing `key` (or, `initial`, starting with it)."""
    grams = bigrams(key)
    if initial:
        grams = [_start_token(grams[0]), *grams]
    return f"grams : \"{' '.join(grams)}\""


def _filter_tokens(conn: sqlite3.Connection, filters: dict[str, str]) -> list[str] | None:
    """Facet filters as index tokens; None if a filter names a value the build does not have."""
    tokens = []
    for facet, value in filters.items():
        if facet == "kind":
            label_sql, arg = "token = ?", "kd" + value
        else:
            label_sql, arg = "label = ?", value
        row = conn.execute(f"SELECT token FROM search_facet_values WHERE facet = ? AND {label_sql}",
                           (facet, arg)).fetchone()
        if row is None:
            return None
        tokens.append(row[0])
    return tokens


@dataclass(frozen=True)
class Stale:
    """What the index says but today no longer holds: entities with no record public today,
    and (token → entities) facts whose records all ended. Windows end after the build a few
    at a time, so these sets are small; the index answers, and these are taken out."""
    entities: frozenset[int]
    facts: dict[str, frozenset[int]]

    def excluded(self, tokens: list[str]) -> frozenset[int]:
        """Entities that do not match today: stale, or stale for one of `tokens`."""
        out = self.entities
        for token in tokens:
            out = out | self.facts.get(token, frozenset())
        return out


def stale_since_build(conn: sqlite3.Connection, today: str) -> Stale:
    """The Stale sets for `today` (two range scans on partial indexes of `until`)."""
    entities = frozenset(r[0] for r in conn.execute(
        f"SELECT rowid FROM search_entities WHERE {ended_sql('?', 'until')}", (today,)))
    facts: dict[str, set[int]] = {}
    for entity, token in conn.execute(
            f"SELECT entity, token FROM search_facts WHERE {ended_sql('?', 'until')}", (today,)):
        facts.setdefault(token, set()).add(entity)
    return Stale(entities, {t: frozenset(e) for t, e in facts.items()})


def _match(expr: str, tokens: list[str]) -> str:
    return " AND ".join([f"({expr})"] + [f"facets : {t}" for t in tokens])


def ranked_matches(conn: sqlite3.Connection, key: str, tokens: list[str], stale: Stale,
                   limit: int | None = None) -> list[int]:
    """Entities (search_entities rowids) whose name contains `key` and that carry every
    token: exact matches first, then names that start with it, then the rest (shorter names
    first in each), at most `limit`."""
    limit = CAP + 1 if limit is None else limit
    excluded = stale.excluded(tokens)

    found: list[int] = []
    seen: set[int] = set(excluded)

    def take(rows) -> bool:
        for (rowid,) in rows:
            if rowid not in seen:
                seen.add(rowid)
                found.append(rowid)
                if len(found) >= limit:
                    return True
        return False

    # Exact matches, from the key's index (few: filters are checked per row).
    exact = [r[0] for r in conn.execute(
        "SELECT rowid FROM search_entities WHERE key = ? ORDER BY rowid LIMIT ?", (key, limit))]
    for token in tokens:
        if exact:
            exact = [r[0] for r in conn.execute(
                f"SELECT entity FROM search_facts WHERE token = ? AND entity IN ({','.join('?' * len(exact))}) "
                f"ORDER BY entity", (token, *exact))]
    if take((r,) for r in exact):
        return found
    # Then names starting with the key, then the others containing it (FTS5 leaves the
    # starting ones out by their start token, whose doclist is short).
    starting = fts_phrase(key, initial=True)
    for expr in (starting, f"{fts_phrase(key)} NOT {starting}"):
        rows = conn.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid LIMIT ?",
                            (_match(expr, tokens), limit - len(found) + len(seen)))
        if take(rows):
            return found
    return found


def capped_count(conn: sqlite3.Connection, key: str, tokens: list[str], stale: Stale) -> int:
    """How many entities match today, counting no further than CAP + 1: the index counts,
    then the few stale matches are taken out."""
    match = _match(fts_phrase(key), tokens)
    excluded = stale.excluded(tokens)
    indexed = conn.execute("SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT ?)",
                           (match, CAP + 1 + len(excluded))).fetchone()[0]
    if not excluded or indexed > CAP + len(excluded):
        return indexed
    gone = sum(1 for (rowid,) in conn.execute(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (match,)) if rowid in excluded)
    return indexed - gone


def display_count(n: int) -> str:
    return f"{CAP}+" if n > CAP else str(n)


def facet_values(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return conn.execute("SELECT token, facet, label FROM search_facet_values "
                        "ORDER BY facet, entities DESC, label").fetchall()


def facet_counts(conn: sqlite3.Connection, key: str | None, matches: list[int], tokens: list[str],
                 stale: Stale, today: str) -> dict[str, list[dict]]:
    """Counts per facet value. For at most CAP matches they are exact, from the matches'
    facts public today; beyond, each value is counted (up to CAP + 1) on its own."""
    values = facet_values(conn)
    counts: dict[str, int] = {}
    if len(matches) <= CAP or key is None:
        for start in range(0, len(matches), 500):
            chunk = matches[start:start + 500]
            for token, n in conn.execute(
                    f"SELECT token, count(*) FROM search_facts WHERE entity IN ({','.join('?' * len(chunk))}) "
                    f"AND {public_today_sql('?', 'until')} GROUP BY token", (*chunk, today)):
                counts[token] = counts.get(token, 0) + n
    else:
        for token, _, _ in values:
            counts[token] = len(matches) if token in tokens else capped_count(conn, key, tokens + [token], stale)
    selected = set(tokens)
    labels = kind_labels(conn)
    facets: dict[str, list[dict]] = {f: [] for f in FACETS}
    for token, facet, label in values:
        n = counts.get(token, 0)
        if n == 0 and token not in selected:
            continue
        value = token[2:] if facet == "kind" else label
        facets[facet].append({
            "value": value,
            "label": labels.get(value, value) if facet == "kind" else label,
            "count": min(n, CAP + 1), "count_display": display_count(n),
            "selected": token in selected})
    for facet in facets:
        facets[facet].sort(key=lambda v: (-v["count"], v["label"]))
    return facets


def kind_labels(conn: sqlite3.Connection) -> dict[str, str]:
    """Kind → its label, as the build wrote them."""
    return dict(conn.execute("SELECT kind, label FROM search_kinds ORDER BY position").fetchall())


def kinds(conn: sqlite3.Connection) -> list[tuple[str, str, bool]]:
    """(kind, stored table, windowed) of the public record kinds, as the build found them."""
    return [(k, t, bool(w)) for k, t, w in conn.execute(
        "SELECT kind, storage, windowed FROM search_kinds ORDER BY position")]


def entity_summaries(conn: sqlite3.Connection, usccs: list[str], today: str) -> list[dict]:
    """Result rows: name, type, region and the counts of records public today, per kind.
    Kinds without publicity ends take the build's counts from `entities`; the others are
    counted today."""
    if not usccs:
        return []
    marks = ",".join("?" * len(usccs))
    cursor = conn.execute(f"SELECT * FROM entities WHERE uscc IN ({marks})", usccs)
    columns = [d[0] for d in cursor.description]
    rows = {r[0]: dict(zip(columns, r, strict=True)) for r in cursor}
    counts = {}
    all_kinds = kinds(conn)
    for kind, table, windowed in all_kinds:
        if not windowed and f"{kind}_count" in columns:
            counts.update({(uscc, kind): row[f"{kind}_count"] for uscc, row in rows.items()})
            continue
        window = f"AND {public_today_sql('?')}" if windowed else ""
        for uscc, n in conn.execute(
                f"SELECT uscc, count(*) FROM [{table}] WHERE uscc IN ({marks}) "
                f"AND subject_is_person = 0 {window} GROUP BY uscc",
                (*usccs, today) if windowed else tuple(usccs)):
            counts[(uscc, kind)] = n
    out = []
    for uscc in usccs:
        row = rows.get(uscc)
        if row is None:
            continue
        out.append({"uscc": uscc, "name": row["name"], "entity_type": row.get("entity_type"),
                    "region": row.get("region"), "url": f"/entity/{uscc}",
                    "counts": {k: counts.get((uscc, k)) or 0 for k, _, _ in all_kinds}})
    return out


class ResultCache:
    """A small thread-safe LRU cache for `search` (Datasette runs queries in threads)."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def search(conn: sqlite3.Connection, query: Query, today: str, cache: ResultCache | None = None) -> dict:
    """The search page's content as plain data (the JSON twin returns it as is).

    `cache`, if given, keeps the matches and facet counts of past queries (keyed by query and
    day): the database does not change while it is served, and the costly queries are the
    common fragments people type again and again.
    """
    result: dict[str, object] = {
        "q": query.text, "normalized": "", "mode": "name", "message": None,
        "total": 0, "total_display": "0", "capped": False, "page": query.page, "pages": 0,
        "page_size": PAGE_SIZE, "results": [], "facets": {f: [] for f in FACETS},
        "filters": dict(query.filters)}
    if not query.text.strip():
        result.update(mode="empty")
        return result
    uscc = query.uscc
    key: str | None = None  # the name key, when the text is not a USCC
    if uscc is not None:
        result.update(mode="uscc", normalized=uscc)
        if not is_valid_uscc(uscc):
            result.update(message="这个统一社会信用代码的校验位不正确，请核对后重新输入。", mode="invalid_uscc")
            return result
    else:
        key = query.key
        result["normalized"] = key
        if len(key) < MIN_CHARS:
            result.update(mode="too_short", message="请至少输入两个字（名称的任意部分）或完整的统一社会信用代码。")
            return result
    cache_key = (uscc or key, tuple(sorted(query.filters.items())), today)
    cached = cache.get(cache_key) if cache is not None else None
    if cached is None:
        stale = cache.get(("stale", today)) if cache is not None else None
        if stale is None:
            stale = stale_since_build(conn, today)
            if cache is not None:
                cache.put(("stale", today), stale)
        tokens = _filter_tokens(conn, query.filters)
        matches: list[int] = []
        facets = None
        if tokens is not None:  # None: a filter names a value the build does not have
            if uscc is not None:
                row = conn.execute("SELECT rowid FROM search_entities WHERE uscc = ?", (uscc,)).fetchone()
                if row and row[0] not in stale.excluded(tokens) and all(conn.execute(
                        "SELECT 1 FROM search_facts WHERE entity = ? AND token = ?", (row[0], t)).fetchone()
                        for t in tokens):
                    matches = [row[0]]
            else:
                assert key is not None, "a text that is not a USCC has its name key (set above)"
                matches = ranked_matches(conn, key, tokens, stale)
            if matches:
                facets = facet_counts(conn, key, matches, tokens, stale, today)
        cached = (matches, facets)
        if cache is not None:
            cache.put(cache_key, cached)
    matches, facets = cached
    total = len(matches)
    pages = max(1, math.ceil(min(total, CAP) / PAGE_SIZE))
    page = min(query.page, pages)
    shown = matches[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    usccs = dict(conn.execute(f"SELECT rowid, uscc FROM search_entities WHERE rowid IN ({','.join('?' * len(shown))})",
                              shown).fetchall()) if shown else {}
    result.update(total=min(total, CAP + 1), total_display=display_count(total), capped=total > CAP,
                  page=page, pages=pages if total else 0,
                  results=entity_summaries(conn, [usccs[r] for r in shown if r in usccs], today))
    if facets:
        # A copy: the caller may annotate it (links), the cache keeps the original.
        result["facets"] = {f: [dict(v) for v in values] for f, values in facets.items()}
    if not total:
        result["message"] = "没有找到符合条件的主体。"
    return result
