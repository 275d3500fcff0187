"""Web benchmark: search, the profile JSON and stock Datasette's row JSON under wrk.

`bench_web(build_dir)` serves a build with `python -m publish serve` in a subprocess and runs
`wrk -t2 -c16 -d10s --latency` three times, each with a Lua script cycling through a list
of URLs:
- search: /search.json with two-character fragments (有限, 公司 among them), longer
  fragments, whole names, USCCs and normalised spellings (full width, lower case, spaces);
- profile: /entity/{uscc}.json for a sample of entities;
- row: /public/entities/{uscc}.json (stock Datasette) for the same entities.
It returns requests/s, p50 and p95 (ms) for each, and the profile-to-row throughput ratio.

A build of a million entities takes long from raw files. For development,
`python bench/web.py synth DIR [N]` writes a synthetic build directly: a small real build
gives the schema (tables, views, metadata), then N invented entities with records of every
kind are inserted into its public.db and `entities`, and `build_search_index` runs as in a
real build (the trigram `entities_fts`, unused by the pages, is left empty).
`python bench/web.py run DIR` prints the figures for any build.

Environment: BENCH_WEB_SECONDS (default 10), BENCH_WEB_CONNECTIONS (default 16).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = int(os.environ.get("BENCH_WEB_SECONDS", 10))
CONNECTIONS = int(os.environ.get("BENCH_WEB_CONNECTIONS", 16))
AS_OF = dt.date(2026, 11, 25)
SAMPLE = 2000

# The end of every wrk script here: its figures as one JSON line wrk prints (WRKJSON {...}).
WRK_DONE = r"""
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    "WRKJSON {\"requests\": %%d, \"seconds\": %%.3f, \"p50_us\": %%d, \"p95_us\": %%d, \"p99_us\": %%d, "
      .. "\"errors\": %%d, \"non_2xx\": %%d}\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors, summary.errors.status))
end
"""

LUA = r"""
local paths = {}
for line in io.lines("%(urls)s") do paths[#paths + 1] = line end
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end
function init(args)
  counter = id * 7919
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
""" + WRK_DONE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(base: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("serve did not start")


def pick_urls(build_dir: Path, n: int = SAMPLE, seed: int = 1) -> dict[str, list[str]]:
    """URL lists for the three runs, from the build's own entities."""
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    total = conn.execute("SELECT max(rowid) FROM entities").fetchone()[0] or 0
    rng = random.Random(seed)
    rowids = sorted(rng.sample(range(1, total + 1), min(n, total)))
    entities = []
    for start in range(0, len(rowids), 500):
        chunk = rowids[start:start + 500]
        entities += conn.execute(f"SELECT uscc, name FROM entities WHERE rowid IN ({','.join('?' * len(chunk))})",
                                 chunk).fetchall()
    conn.close()
    rng.shuffle(entities)
    queries: list[str] = ["有限", "公司", "有限公司", "合作社", "景德镇"]
    for i, (uscc, name) in enumerate(entities):
        core = re.sub(r"^(.*?[市县区])", "", name)
        style = i % 8
        if style == 0 and len(core) >= 2:
            queries.append(core[:2])                       # two characters
        elif style == 1 and len(core) >= 3:
            queries.append(core[:3])                       # three characters
        elif style == 2:
            queries.append(name)                           # whole name
        elif style == 3:
            queries.append(uscc)                           # a USCC
        elif style == 4:
            queries.append(uscc.lower())                   # lower-case USCC
        elif style == 5 and len(core) >= 4:
            queries.append(" ".join(core[:4]))             # spaces between characters
        elif style == 6 and len(core) >= 2:
            queries.append(core[1:3])                      # two characters from the middle
        else:
            queries.append(core[:4].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}))
    search = [f"/search.json?q={urllib.parse.quote(q)}" for q in queries if q]
    return {
        "search": search,
        "profile": [f"/entity/{uscc}.json" for uscc, _ in entities],
        "row": [f"/public/entities/{uscc}.json" for uscc, _ in entities],
    }


def run_wrk(base: str, urls: list[str], workdir: Path, name: str, headers: dict[str, str] | None = None) -> dict:
    url_file = workdir / f"{name}.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    script = workdir / f"{name}.lua"
    script.write_text(LUA % {"urls": url_file}, encoding="utf-8")
    extra = [arg for name_, value in (headers or {}).items() for arg in ("-H", f"{name_}: {value}")]
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *extra, "-s", str(script), base]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON "):])
    return {"requests_per_s": round(raw["requests"] / raw["seconds"], 1),
            "p50_ms": round(raw["p50_us"] / 1000, 1), "p95_ms": round(raw["p95_us"] / 1000, 1),
            "p99_ms": round(raw["p99_us"] / 1000, 1), "errors": raw["errors"], "non_2xx": raw["non_2xx"],
            "urls": len(urls)}


def bench_web(build_dir: Path) -> dict:
    """Serves `build_dir` and measures search, profile JSON and stock row JSON with wrk."""
    build_dir = Path(build_dir)
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    urls = pick_urls(build_dir)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # "Today" is the build's own day unless PUBLISH_TODAY says otherwise: a nightly build is
    # served the day it was made, when nothing has ended since.
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    as_of = dict(conn.execute("SELECT key, value FROM build_info").fetchall()).get("as_of") or AS_OF.isoformat()
    conn.close()
    env = {**os.environ, "PUBLISH_TODAY": os.environ.get("PUBLISH_TODAY", as_of)}
    process = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(build_dir),
                                "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results: dict = {}
    try:
        _wait_until_up(base, process)
        with tempfile.TemporaryDirectory() as tmp:
            # Warm up: the first requests open connections and fill SQLite's page cache.
            for path in urls["search"][:50] + urls["profile"][:50] + urls["row"][:50]:
                urllib.request.urlopen(base + path, timeout=30).read()
            for name in ("search", "profile", "row"):
                results[name] = run_wrk(base, urls[name], Path(tmp), name)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    results["entities"] = conn.execute("SELECT count(*) FROM entities").fetchone()[0]
    conn.close()
    row_rps = results["row"]["requests_per_s"] or 1
    results["profile_to_row_throughput"] = round(results["profile"]["requests_per_s"] / row_rps, 2)
    results["targets"] = {"profile_to_row_throughput": ">= 1.0", "profile_p95_ms": "<= 40",
                          "search_p95_ms": "<= 60"}
    return results


# --- Synthetic build --------------------------------------------------------------------------

AREAS = (("360200", "景德镇市", 30), ("360203", "景德镇市珠山区", 8), ("360202", "景德镇市昌江区", 8),
         ("360222", "浮梁县", 8), ("360281", "乐平市", 10), ("360400", "九江市", 10),
         ("360482", "共青城市", 4), ("442000", "中山市", 16), ("230800", "佳木斯市", 3),
         ("230881", "同江市", 3))
TRADE_CHARS = ("昌南鄱湖瓷都青花玲珑瑶里匡庐赣洪岩田御窑三宝河凤凰景兴恒通华金鼎鸿运新航永盛佳信晟源宏泰"
               "聚隆诚达安顺捷绿蓝天润泽陶锦程和益民广汇鑫天福禄寿喜东西南北中百千万亿星月日光明辉煌"
               "创业立德智慧博远志诚信义仁美丽春夏秋冬松竹梅兰菊荷山水林森峰云雾雨雪海江湖泉溪")
INDUSTRIES = ("陶瓷", "陶瓷文化传播", "物流", "汽车运输", "客运", "建筑工程", "房地产开发", "建材", "化工",
              "食品", "餐饮管理", "商贸", "医药连锁", "机械制造", "环保科技", "烟花爆竹", "电子科技",
              "信息技术", "农业开发", "服装", "家具", "印刷", "装饰工程", "劳务派遣", "物业管理")
SUFFIXES = (("有限公司", 60), ("有限责任公司", 12), ("股份有限公司", 5), ("合作社", 4), ("店", 15),
            ("（普通合伙）", 2), ("厂", 2))


def _weighted(rng: random.Random, options):
    return rng.choices([o[:-1] if len(o) > 2 else o[0] for o in options], [o[-1] for o in options])[0]


def synthetic_uscc(rng: random.Random, head: str, division: str) -> str:
    from redaction.checkdigits import USCC_ALPHABET, uscc_check_char

    body = "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    first17 = head + division + body
    return first17 + uscc_check_char(first17)


def make_synthetic_build(out_dir: Path, entities: int = 1_000_000, seed: int = 7) -> Path:
    """A build directory whose public.db holds `entities` invented entities and their records."""
    import sqlite_utils

    from publish.build import build
    from publish.clock import Clock
    from publish.kinds import load_kinds
    from publish.screening.index import build_screening_index
    from publish.search_index import build_search_index
    from publish.signing_keys import initialise

    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        raw, small = Path(tmp) / "raw", Path(tmp) / "small"
        subprocess.run([sys.executable, "-m", "publish", "sample", "--out", str(raw), "--rows", "300",
                        "--as-of", AS_OF.isoformat()], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        # A throwaway state directory: the synthetic build's keys are never compared.
        state = Path(tmp) / "state"
        initialise(state, Clock.on(AS_OF))
        build(raw, small, AS_OF, progress=False, state_dir=state)
        shutil.rmtree(out_dir, ignore_errors=True)
        shutil.copytree(small, out_dir)
    path = out_dir / "public.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    templates = {}
    for table in ("penalties_records", "licences_records", "blacklist_records", "redlist_records",
                  "commitments", "evaluations"):
        conn.row_factory = sqlite3.Row
        row = conn.execute(f"SELECT * FROM [{table}] WHERE subject_is_person = 0 LIMIT 1").fetchone()
        conn.row_factory = None
        templates[table] = dict(row)
        conn.execute(f"DELETE FROM [{table}]")
    conn.execute("DELETE FROM entities")
    conn.execute("DELETE FROM entities_fts")
    rng = random.Random(seed)
    rates = {"penalties_records": 0.35, "licences_records": 1.2, "blacklist_records": 0.02,
             "redlist_records": 0.02, "commitments": 0.5, "evaluations": 0.5}
    next_id = {t: 1 for t in templates}
    pending: dict[str, list] = {t: [] for t in templates}
    entity_rows = []
    start = AS_OF - dt.timedelta(days=3 * 365)

    def flush(force=False):
        for table, rows in pending.items():
            if rows and (force or len(rows) >= 20000):
                columns = list(templates[table])
                conn.executemany(f"INSERT INTO [{table}] ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})",
                                 [tuple(r[c] for c in columns) for r in rows])
                rows.clear()
        if entity_rows and (force or len(entity_rows) >= 20000):
            conn.executemany("INSERT OR IGNORE INTO entities (uscc, name, subject_class, entity_type, region_code,"
                             " region, penalties_count, licences_count, blacklist_count, redlist_count,"
                             " commitments_count, evaluations_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", entity_rows)
            entity_rows.clear()

    regions = {"360200": "江西省景德镇市", "360203": "江西省景德镇市珠山区", "360202": "江西省景德镇市昌江区",
               "360222": "江西省景德镇市浮梁县", "360281": "江西省乐平市", "360400": "江西省九江市",
               "360482": "江西省共青城市", "442000": "广东省中山市", "230800": "黑龙江省佳木斯市",
               "230881": "黑龙江省同江市"}
    for _ in range(entities):
        division, prefix = _weighted(rng, AREAS)
        suffix = _weighted(rng, SUFFIXES)
        trade = (rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS)
                 + (rng.choice(TRADE_CHARS) if rng.random() < 0.3 else ""))
        if suffix == "店":
            shop = rng.choice(("水果", "小吃", "五金", "便利", "理发", "瓷器"))
            name, head, etype = f"{prefix}{trade}{shop}店", "92", "个体工商户"
        elif suffix == "合作社":
            crop = rng.choice(("茶叶", "蔬菜", "水稻"))
            name, head, etype = f"{prefix}{trade}{crop}种植专业合作社", "93", "农民专业合作社"
        else:
            name, head, etype = f"{prefix}{trade}{rng.choice(INDUSTRIES)}{suffix}", "91", "企业"
        uscc = synthetic_uscc(rng, head, division)
        counts = {}
        for table, rate in rates.items():
            n = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
            counts[table] = n
            for _ in range(n):
                row = dict(templates[table])
                row.update(id=next_id[table], uscc=uscc, subject_name=name)
                next_id[table] += 1
                day = start + dt.timedelta(days=rng.randrange(3 * 365))
                if "decision_no" in row:
                    row["decision_no"] = f"景市监罚〔{day.year}〕{next_id[table]}号"
                if "decision_date" in row:
                    row["decision_date"] = day.isoformat()
                if table in ("penalties_records", "blacklist_records", "redlist_records"):
                    row["publicity_end"] = (AS_OF + dt.timedelta(days=rng.randrange(0, 900))).isoformat()
                if "objection_status" in row:
                    row["objection_status"] = "处理中" if rng.random() < 0.03 else None
                pending[table].append(row)
        entity_rows.append((uscc, name, "法人及非法人组织", etype, division, regions[division],
                            counts["penalties_records"], counts["licences_records"], counts["blacklist_records"],
                            counts["redlist_records"], counts["commitments"], counts["evaluations"]))
        flush()
    flush(force=True)
    conn.commit()
    conn.close()
    db = sqlite_utils.Database(path)
    build_search_index(db, [k for k in load_kinds() if k.tier == "public"])
    build_screening_index(db.conn)   # what POST /api/v1/screen reads (publish/screening/index.py)
    db.conn.commit()
    db.execute("VACUUM")
    db.conn.close()
    return out_dir


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "synth":
        started = time.perf_counter()
        make_synthetic_build(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 1_000_000)
        print(f"synthetic build written in {time.perf_counter() - started:.0f}s: {argv[1]}")
    elif len(argv) >= 2 and argv[0] == "run":
        print(json.dumps(bench_web(Path(argv[1])), ensure_ascii=False, indent=2))
    else:
        raise SystemExit("usage: python bench/web.py synth DIR [N] | run DIR")


if __name__ == "__main__":
    main(sys.argv[1:])
