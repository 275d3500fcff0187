"""Report benchmark (issue 15): the time of each part of a credit report, one client, warm.

`bench_render(build_dir)` makes the content of BENCH_REPORTS (default 200) distinct subjects of
a build (those with records first, then clean ones: both kinds of report), after a warm-up (the
font parsed, the template compiled, the catalogue loaded), and times, per report, the content
(`report_content`), the HTML (`render_html`) and the PDF (`render_pdf`, with a signed file of a
real one's size attached). It returns the median and p95 of each in milliseconds, and of
content + HTML + PDF together (the target: a report with its PDF within 250 ms p95, signature
included, which the issuing side measures).

`python -m bench.report [BUILD_DIR]` prints the figures; without BUILD_DIR it builds the
sample (`python -m publish sample --rows BENCH_REPORT_ROWS`, default 2,000) into
var/bench/report/ once and reuses it.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPORTS = int(os.environ.get("BENCH_REPORTS", 200))
WARM_UP = 10
SAMPLE_ROWS = int(os.environ.get("BENCH_REPORT_ROWS", 2000))
WORK = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench")) / "report"
AS_OF = dt.date(2026, 11, 25)
REPORT_NO = "20261125-K7QF-3WXM"
CODE = "H8PK3R"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95: share 0.95)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))]


def _summary(name: str, values: list[float]) -> dict[str, float]:
    return {f"{name}_ms_median": round(statistics.median(values), 2),
            f"{name}_ms_p95": round(percentile(values, 0.95), 2)}


def _timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def _subjects(conn: sqlite3.Connection, count: int) -> list[str]:
    """Entities with records first (their reports are the longest), then the others."""
    rows = conn.execute("SELECT uscc FROM entities ORDER BY (penalties_count > 0) DESC, uscc").fetchall()
    return [r[0] for r in rows[:count]]


def _signed_like(payload: dict) -> bytes:
    """A stand-in for the signed file, of a real one's size (the JWS of the canonical payload)."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    b64 = base64.urlsafe_b64encode(body).rstrip(b"=")
    return b"eyJhbGciOiJFZERTQSIsImtpZCI6ImsiLCJ0eXAiOiJjcmVkaXQtcmVwb3J0K2p3cyJ9." + b64 + b"." + b"A" * 86 + b"\n"


def bench_render(build_dir: Path, reports: int = REPORTS) -> dict:
    from publish.report import report_content
    from publish.report.render import RenderSettings, render_html, render_pdf

    settings = RenderSettings()
    iat = int(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
    conn = sqlite3.connect(f"file:{Path(build_dir) / 'public.db'}?mode=ro", uri=True)
    try:
        subjects = _subjects(conn, reports + WARM_UP)
        if len(subjects) < reports + WARM_UP:
            raise SystemExit(f"the build has {len(subjects)} entities; {reports + WARM_UP} are needed")
        times: dict[str, list[float]] = {"content": [], "html": [], "pdf": [], "total": []}
        sizes: list[int] = []
        for i, uscc in enumerate(subjects):
            content_ms, content = _timed(lambda u=uscc: report_content(conn, u, issue_day=AS_OF))
            payload = {"report_no": REPORT_NO, "iat": iat, "exp": iat + 30 * 86400, "content": content}
            signed = _signed_like(payload)
            html_ms, _ = _timed(lambda p=payload: render_html(p, code=CODE, settings=settings))
            pdf_ms, pdf = _timed(lambda p=payload, s=signed: render_pdf(p, code=CODE, signed=s, settings=settings))
            if i < WARM_UP:
                continue
            for name, value in (("content", content_ms), ("html", html_ms), ("pdf", pdf_ms),
                                ("total", content_ms + html_ms + pdf_ms)):
                times[name].append(value)
            sizes.append(len(pdf))  # type: ignore[arg-type]
    finally:
        conn.close()
    result: dict = {"reports": len(times["pdf"])}
    for name, values in times.items():
        result.update(_summary(name, values))
    result["pdf_kb_median"] = round(statistics.median(sizes) / 1024, 1)
    return result


def sample_build(work: Path = WORK, rows: int = SAMPLE_ROWS) -> Path:
    """The sample's build under `work` (made once), with its own state directory."""
    from publish.build import build
    from publish.clock import Clock
    from publish.settings import STATE_ENV
    from publish.signing_keys import initialise

    out = work / f"build-{rows}"
    if (out / "public.db").exists():
        return out
    state = work / "state"
    initialise(state, Clock.on(AS_OF))
    os.environ[STATE_ENV] = str(state)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        subprocess.run([sys.executable, "-m", "publish", "--state", str(state), "sample", "--out", str(raw),
                        "--rows", str(rows), "--as-of", AS_OF.isoformat()], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        build(raw, out, AS_OF, progress=False)
    return out


def main(argv: list[str]) -> None:
    build_dir = Path(argv[0]) if argv else sample_build()
    print(json.dumps(bench_render(build_dir), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
