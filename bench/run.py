"""`make bench`: the figures the issues ask for, printed as a table.

- build: 1,000,000 penalty rows from CSV end to end (rows/s, peak RSS of the build's whole
  process tree), beside a plain `sqlite-utils insert` of the same files (no validation, no
  redaction) in the same run, and the ratio of the two;
- redaction: records/s per core on records with about 200 characters of free text.
- rich: the build end to end on 1,000,000 penalty rows whose free text is as long and varied as
  real decisions (about 600 characters a row, `publish.sample.write_rich_penalty_csv`): rows/s
  against the target of RICH_TARGET, and peak memory;
- site: requests/s, p50 and p95 of search and the profile JSON with 16 concurrent clients
  (wrk), beside stock Datasette's row JSON for the same entities, on 1,000,000 entities.
- registry: the rich build again with a city-sized register beside it (BENCH_REGISTRY subjects,
  default 500,000, most with no record): rows/s against the rich part's, and search and profile
  p95 on that build against the site part's (issue 14);
- load: the server under expensive queries (bench/load.py, `bench_load(build_dir)`) on the
  build of a sample of 20,000 penalty rows.
- report: the credit report (bench/report.py, issue 15) on the sample's build: content,
  signature, HTML and PDF per report and the whole issue (200 reports, one client, warm:
  median and p95), then `/verify.json` beside the profile JSON under wrk in the same run
  (clients from many loopback addresses, so no rate limit answers), and POST /verify of a PDF.

- api: the bank API (bench/api.py, issue 16) on the site part's build: `/api/v1/entities/{uscc}`
  p95 under 16 clients with a token, a 1,000-item `/screen`, audit appends per second
  (bench/audit.py), and the matcher's precision and recall on the labelled set
  (bench/screening.py).
- live: the live full-table CSV (bench/livecsv.py, issue 17) on the site part's build: the largest
  public table streamed whole, MB/s, the seconds to its 250,000th and 1,000,000th rows and how
  near that is to linear, the server's memory during the stream.
- release: `release` of the site part's 1,000,000-entity build (bench/release.py, issue 17):
  seconds and MB/s of CSV-equivalent data per format, the read, the scan, the whole release,
  file sizes and peak memory, beside the targets (BENCH_RELEASE_BUILD: another build).

`python bench/run.py [redaction] [build] [rich] [site] [registry] [load] [report] [api] [live] [release]`
runs a part. Environment:
BENCH_ROWS (default 1,000,000), BENCH_RICH_ROWS (default 1,000,000), BENCH_FILES (default 20:
departments deliver many files), BENCH_ENTITIES (default 1,000,000), BENCH_LOAD_ROWS (default
20,000), BENCH_DIR (default var/bench), BENCH_BUILD_RUNS (default 3: the median is reported),
BENCH_RICH_RUNS (default 1: a run takes minutes).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
FILES = int(os.environ.get("BENCH_FILES", 20))
WORK = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
ENTITIES = int(os.environ.get("BENCH_ENTITIES", 1_000_000))
AS_OF = dt.date(2026, 11, 25)
BUILD_RUNS = int(os.environ.get("BENCH_BUILD_RUNS", 3))
RICH_ROWS = int(os.environ.get("BENCH_RICH_ROWS", 1_000_000))
RICH_RUNS = int(os.environ.get("BENCH_RICH_RUNS", 1))
RICH_TARGET = 4_000  # rows/s: what an outside measurement found on such text (issue 13)
LOAD_ROWS = int(os.environ.get("BENCH_LOAD_ROWS", 20_000))
REGISTRY = int(os.environ.get("BENCH_REGISTRY", 500_000))


def peak_rss_of(command: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Runs a command; returns (seconds, peak memory in bytes of it and its children, stdout).

    Memory is the proportional set size (PSS) summed over the process tree: forked workers
    share the parent's pages, and summing their RSS would count those pages once per worker."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})}, cwd=ROOT)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                total = sum(p.memory_full_info().pss for p in [root, *root.children(recursive=True)])
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = process.communicate()
    stop.set()
    thread.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(command)}\n{err[-2000:]}")
    return seconds, peak, out


def make_input(raw: Path, rows_total: int = ROWS, rich: bool = False) -> None:
    """FILES penalty CSVs of rows_total rows in all (rich: with decisions' long free text), kept
    for the next run (a marker names what was written)."""
    from publish.sample import write_penalty_csv, write_rich_penalty_csv

    marker = raw / f".{'rich-' if rich else ''}rows-{rows_total}-files-{FILES}"
    if marker.exists():
        return
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    per_file = rows_total // FILES
    for k in range(FILES):
        rows = per_file + (rows_total - per_file * FILES if k == FILES - 1 else 0)
        path = raw / f"dept-{k:02d}" / "penalties.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        # 3% faulty rows, as departments deliver them.
        if rich:
            write_rich_penalty_csv(path, rows, seed=k, as_of=AS_OF, faulty_share=0.03)
        else:
            write_penalty_csv(path, rows, seed=k, as_of=AS_OF, faulty_share=0.03)
    marker.touch()


def _state() -> Path:
    """The benchmark's state directory, with its record-key secret."""
    state = WORK / "state"
    subprocess.run([sys.executable, "-m", "publish", "--state", str(state), "keys", "init"], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    return state


def _build_runs(raw: Path, out: Path, runs: int) -> tuple[list[tuple[float, int, dict]], dict]:
    """`runs` builds of raw into out: (seconds, peak PSS, stage timings) each, and the last report."""
    state = _state()
    done = []
    for _ in range(runs):
        seconds, peak, _ = peak_rss_of([sys.executable, "-m", "publish", "--state", str(state), "build",
                                        "--input", str(raw), "--out", str(out), "--as-of", AS_OF.isoformat()])
        report = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
        done.append((seconds, peak, report["timings"]))
    return done, report


def bench_build() -> dict:
    raw, out = WORK / "raw", WORK / "out"
    started = time.perf_counter()
    make_input(raw)
    generated = time.perf_counter() - started
    py = sys.executable
    runs, report = _build_runs(raw, out, BUILD_RUNS)
    read = sum(block["read"] for block in report["datasets"].values())
    # The median run (by time) of BUILD_RUNS: one slow run from a busy machine says little.
    seconds, peak, timings = sorted(runs, key=lambda r: r[0])[len(runs) // 2]

    plain = WORK / "plain.db"
    plain.unlink(missing_ok=True)
    files = sorted(raw.rglob("*.csv"))
    plain_seconds, plain_peak, _ = peak_rss_of(
        [str(Path(py).parent / "sqlite-utils"), "insert", str(plain), "penalties", *files[:1], "--csv"])
    for path in files[1:]:
        s, p, _ = peak_rss_of([str(Path(py).parent / "sqlite-utils"), "insert", str(plain), "penalties",
                               str(path), "--csv"])
        plain_seconds += s
        plain_peak = max(plain_peak, p)
    return {
        "rows": read, "files": len(files), "generate_s": round(generated, 1),
        "build_runs_rows_per_s": [round(read / r[0]) for r in runs],
        "build_s": round(seconds, 1), "build_rows_per_s": round(read / seconds),
        "build_stages_s": timings,
        "build_peak_pss_mib": round(peak / 2**20), "plain_insert_s": round(plain_seconds, 1),
        "plain_rows_per_s": round(read / plain_seconds), "plain_peak_pss_mib": round(plain_peak / 2**20),
        "ratio_build_to_plain": round((read / seconds) / (read / plain_seconds), 2),
        "published": report["datasets"].get("penalty", {}).get("totals"),
    }


def _free_text_chars(path: Path) -> float:
    """Characters of 违法事实, 处罚内容 and 备注 per row of one CSV."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        lengths = [len(r["违法事实"]) + len(r["处罚内容"]) + len(r["备注"]) for r in csv.DictReader(handle)]
    return sum(lengths) / max(1, len(lengths))


def bench_rich() -> dict:
    """The build on RICH_ROWS rows of the rich corpus: rows/s and peak memory."""
    raw, out = WORK / "rich-raw", WORK / "rich-out"
    started = time.perf_counter()
    make_input(raw, RICH_ROWS, rich=True)
    generated = time.perf_counter() - started
    runs, report = _build_runs(raw, out, RICH_RUNS)
    read = sum(block["read"] for block in report["datasets"].values())
    seconds, peak, timings = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    totals = report["datasets"].get("penalty", {}).get("totals", {})
    return {
        "rich_rows": read, "rich_files": FILES, "rich_generate_s": round(generated, 1),
        "rich_free_text_chars_per_row": round(_free_text_chars(sorted(raw.rglob("*.csv"))[0])),
        "rich_build_s": round(seconds, 1), "rich_build_rows_per_s": round(read / seconds),
        "rich_build_target_rows_per_s": RICH_TARGET, "rich_build_target_met": read / seconds >= RICH_TARGET,
        "rich_build_runs_rows_per_s": [round(read / r[0]) for r in runs],
        "rich_build_peak_pss_mib": round(peak / 2**20), "rich_build_stages_s": timings,
        "rich_quarantined": totals.get("quarantined"), "rich_published": totals.get("published"),
    }


def bench_registry(results: dict) -> dict:
    """Issue 14: the rich build with a city-sized register of market subjects beside it (REGISTRY
    subjects, most with no record), its throughput against the rich build's of this run, and
    search and profile p95 on that build against the site part's of this run."""
    from bench.web import bench_web
    from publish.sample import write_rich_registry_csv

    rich, raw, out = WORK / "rich-raw", WORK / "registry-raw", WORK / "registry-out"
    started = time.perf_counter()
    make_input(rich, RICH_ROWS, rich=True)
    marker = raw / f".registry-{REGISTRY}-rich-{RICH_ROWS}-files-{FILES}"
    if not marker.exists():
        # The rich part's files themselves (linked, not copied: 2 GB), and the register beside them.
        shutil.rmtree(raw, ignore_errors=True)
        for path in sorted(rich.rglob("*.csv")):
            link = raw / path.relative_to(rich)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
        per_file = RICH_ROWS // FILES
        files = [(k, per_file + (RICH_ROWS - per_file * FILES if k == FILES - 1 else 0)) for k in range(FILES)]
        (raw / "registry").mkdir(exist_ok=True)
        write_rich_registry_csv(raw / "registry" / "subjects.csv", files, REGISTRY, AS_OF)
        marker.touch()
    generated = time.perf_counter() - started
    runs, report = _build_runs(raw, out, RICH_RUNS)
    seconds, peak, timings = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    penalty_rows = report["datasets"].get("penalty", {}).get("read", 0)
    registry_rows = report["datasets"].get("registry", {}).get("read", 0)
    figures = {
        "registry_subjects": registry_rows, "registry_penalty_rows": penalty_rows,
        "registry_generate_s": round(generated, 1), "registry_build_s": round(seconds, 1),
        "registry_build_penalty_rows_per_s": round(penalty_rows / seconds),
        "registry_build_all_rows_per_s": round((penalty_rows + registry_rows) / seconds),
        "registry_build_peak_pss_mib": round(peak / 2**20), "registry_build_stages_s": timings,
    }
    if results.get("rich_build_rows_per_s"):  # target: at least 90% of the rich build's rows/s
        figures["registry_to_rich_throughput"] = round(figures["registry_build_penalty_rows_per_s"]
                                                       / results["rich_build_rows_per_s"], 2)
    web = bench_web(out)
    figures["registry_entities"] = web["entities"]
    for name in ("search", "profile"):
        for key in ("requests_per_s", "p50_ms", "p95_ms"):
            figures[f"registry_{name}_{key}"] = web[name].get(key)
        if results.get(f"web_{name}_p95_ms"):  # target: no more than 1.2× the site part's p95
            figures[f"registry_{name}_p95_to_site"] = round(web[name]["p95_ms"] / results[f"web_{name}_p95_ms"], 2)
    return figures


def _flat(prefix: str, value: object) -> dict:
    """A nested answer as flat keys (load_search_requests_per_s…)."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict = {}
    for key, inner in value.items():
        flat.update(_flat(f"{prefix}_{key}", inner))
    return flat


def bench_load_part() -> dict:
    """bench/load.py's figures on the build of a LOAD_ROWS-row sample."""
    try:
        from bench.load import bench_load  # written beside this file (issue 13); absent before
    except ImportError as error:
        return {"load_skipped": f"bench/load.py not importable: {error}"}
    raw, out = WORK / f"load-raw-{LOAD_ROWS}", WORK / f"load-out-{LOAD_ROWS}"
    py, state = sys.executable, _state()
    if not (out / "public.db").exists():
        shutil.rmtree(raw, ignore_errors=True)
        subprocess.run([py, "-m", "publish", "--state", str(state), "sample", "--out", str(raw),
                        "--rows", str(LOAD_ROWS), "--seed", "0", "--as-of", AS_OF.isoformat()],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        subprocess.run([py, "-m", "publish", "--state", str(state), "build", "--input", str(raw), "--out", str(out),
                        "--as-of", AS_OF.isoformat()], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return {"load_sample_rows": LOAD_ROWS, **_flat("load", bench_load(out))}


def bench_report_part() -> dict:
    from bench.report import bench_report

    return bench_report()


REDACTION_TARGET = 22_124   # records/s per core (issue 13: the median of three within 10% of it)


def bench_redaction() -> dict:
    """redact_record on the bench rows, three runs in one process: the median, and each."""
    import statistics

    from redaction import native
    from redaction.evaluate import throughput

    runs = [round(throughput(20000)) for _ in range(3)]
    median = statistics.median(runs)
    return {"redaction_modules": native.summary().split(":")[0],
            "redaction_records_per_s_per_core": median, "redaction_runs": runs,
            "redaction_to_target": round(median / REDACTION_TARGET, 2)}


def site_build() -> Path:
    """The site part's synthetic build of ENTITIES entities, made once (it takes minutes) and
    shared by the parts that serve it (site, api, live, release)."""
    from bench.web import make_synthetic_build

    build_dir = WORK / f"web-{ENTITIES}"
    if not (build_dir / ".complete").exists():
        make_synthetic_build(build_dir, ENTITIES)
        (build_dir / ".complete").touch()
    return build_dir


def bench_site() -> dict:
    """Search and profile JSON under 16 concurrent clients on a 1,000,000-entity build."""
    from bench.web import bench_web

    web = bench_web(site_build())
    flat = {"web_entities": web["entities"]}
    for name in ("search", "profile", "row"):
        for key in ("requests_per_s", "p50_ms", "p95_ms"):
            flat[f"web_{name}_{key}"] = web[name].get(key)
    flat["web_profile_to_row_throughput"] = web["profile_to_row_throughput"]
    return flat


def bench_api_part() -> dict:
    """The bank API (issue 16) on the site part's 1,000,000-entity build: entities p95 under
    16 clients, a 1,000-item screen, audit appends per second, and the matcher's quality."""
    from bench.api import bench_api
    from bench.audit import bench_audit
    from bench.screening import evaluate

    api = bench_api(site_build(), WORK)
    flat: dict = {}
    for key in ("requests_per_s", "p50_ms", "p95_ms", "errors", "non_2xx"):
        flat[f"api_entities_{key}"] = api["entities"].get(key)
    flat["api_entities_target_p95_ms"] = 40
    flat.update({f"api_screen_1000_{k}": v for k, v in api["screen_1000"].items()})
    flat["api_screen_1000_target_s"] = 2
    for run in bench_audit():
        flat[f"audit_appends_per_s_{run['processes']}p_{run['threads']}t_{run['per_call']}b"] = \
            run["appends_per_second"]
    quality = evaluate()
    flat["screening_pairs"] = quality["pairs"]
    flat["screening_threshold"] = quality["threshold"]
    flat["screening_precision"] = quality["precision"]
    flat["screening_recall"] = quality["recall"]
    flat["screening_score_range"] = quality["score_range"]
    for name, figures in sorted(quality["classes"].items()):
        flat[f"screening_{name}"] = f"P {figures['precision']} R {figures['recall']}"
    return flat


def bench_live_part() -> dict:
    """The live full-table CSV (issue 17) on the site part's 1,000,000-entity build."""
    from bench.livecsv import bench_livecsv

    return bench_livecsv(site_build(), ROOT / "var" / "bench")


def bench_release_part() -> dict:
    """The release of the site part's build (made here when missing), or BENCH_RELEASE_BUILD."""
    from bench.release import bench_release

    chosen = os.environ.get("BENCH_RELEASE_BUILD")
    return bench_release(Path(chosen) if chosen else site_build(), WORK)


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    parts = {"redaction": bench_redaction, "build": bench_build, "rich": bench_rich, "site": bench_site,
             "registry": lambda: bench_registry(results), "load": bench_load_part, "report": bench_report_part,
             "api": bench_api_part, "live": bench_live_part, "release": bench_release_part}
    only = set(sys.argv[1:]) or set(parts)
    unknown = only - set(parts)
    if unknown:
        raise SystemExit(f"unknown parts: {', '.join(sorted(unknown))} (parts: {', '.join(parts)})")
    results: dict = {}
    for name, run in parts.items():
        if name in only:
            results.update(run())
    width = max(len(k) for k in results)
    print("\n== make bench ==")
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    (WORK / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
