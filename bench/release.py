"""Release benchmark (issue 17): `release` of the 1,000,000-entity synthetic build.

`bench_release(build_dir, work)` runs the release in a child process (so its peak memory is
its own: the peak RSS of that process and of the largest process it starts, from getrusage,
which costs nothing while it runs, unlike sampling /proc) and returns the seconds and MB/s of each
format's writer, the read, the scan, the whole release, the file sizes and peak memory, with
the issue's targets beside them. MB/s of a format = the CSV bytes of the release / the seconds
spent in that format's writer (publish/release/command.py `Release.csv_bytes`, `timings`).

`python bench/release.py BUILD_DIR [OUT_DIR]` prints the figures for any build.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The targets: MB/s of CSV-equivalent data per format, and the whole release.
TARGET_MB_PER_S = {"csv": 30, "jsonl": 30, "parquet": 50, "xlsx": 5}
TARGET_WHOLE_S = 300

CHILD = """
import datetime as dt, json, resource, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from publish.clock import Clock
from publish.release import make_release
release = make_release(Path({build!r}), Path({out!r}), Path({state!r}), Clock.on(dt.date.fromisoformat({day!r})))
print(json.dumps({{"counts": release.counts, "csv_bytes": release.csv_bytes, "scan_s": release.scan_seconds,
                  "scan_db_s": release.scan_db_seconds,
                  "whole_s": release.seconds, "cut_cells": release.cut_cells,
                  "timings": {{k: [t.seconds, t.size] for k, t in release.timings.items()}},
                  "files": {{p.name: p.stat().st_size for p in release.path.iterdir()}},
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}}))
"""


def _build_day(build_dir: Path) -> str:
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    try:
        return str(dict(conn.execute("SELECT key, value FROM build_info").fetchall())["as_of"])
    finally:
        conn.close()


def bench_release(build_dir: Path, work: Path) -> dict:
    out, state = work / "releases", work / "release-state"
    shutil.rmtree(out, ignore_errors=True)   # a release of the same build is never overwritten
    state.mkdir(parents=True, exist_ok=True)
    day = (dt.date.fromisoformat(_build_day(build_dir)) + dt.timedelta(days=1)).isoformat()
    script = CHILD.format(root=str(ROOT), build=str(build_dir), out=str(out), state=str(state), day=day)
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"release failed:\n{child.stderr[-3000:]}")
    done = json.loads(child.stdout.strip().splitlines()[-1])
    mb = done["csv_bytes"] / 1e6
    figures: dict = {"release_build": str(build_dir), "release_rows": sum(done["counts"].values()),
                     "release_csv_mb": round(mb, 1)}
    for name, (spent, size) in done["timings"].items():
        figures[f"release_{name}_s"] = round(spent, 1)
        if name != "read":
            figures[f"release_{name}_mb"] = round(size / 1e6, 1)
        figures[f"release_{name}_mb_per_s"] = round(mb / spent, 1) if spent else None
        if name in TARGET_MB_PER_S:
            figures[f"release_{name}_target_mb_per_s"] = TARGET_MB_PER_S[name]
    figures["release_scan_s"] = round(done["scan_s"], 1)
    figures["release_scan_db_s"] = round(done["scan_db_s"], 1)
    figures["release_whole_s"] = round(done["whole_s"], 1)
    figures["release_whole_target_s"] = TARGET_WHOLE_S
    figures["release_process_s"] = round(seconds, 1)
    figures["release_peak_rss_mib"] = round(done["rss_kib"] / 1024)
    figures["release_children_peak_rss_mib"] = round(done["children_rss_kib"] / 1024)
    figures["release_cut_cells"] = done["cut_cells"]
    figures["release_files_mb"] = round(sum(done["files"].values()) / 1e6, 1)
    met = [figures[f"release_{n}_mb_per_s"] >= t for n, t in TARGET_MB_PER_S.items()]
    figures["release_targets_met"] = all(met) and done["whole_s"] <= TARGET_WHOLE_S
    return figures


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python bench/release.py BUILD_DIR [WORK_DIR]")
    work = Path(argv[1]) if len(argv) > 1 else ROOT / "var" / "bench"
    print(json.dumps(bench_release(Path(argv[0]), work), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
