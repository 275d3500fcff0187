"""Report benchmark (issue 15): the time of each part of a credit report, one client, warm;
and verification on the web beside the profile JSON, in the same run.

`bench_render(build_dir)` issues BENCH_REPORTS (default 200) reports of distinct subjects of a
build (those with records first, then clean ones: both kinds of report), after a warm-up (the
font parsed, the template compiled, the catalogue loaded), and times, per report, the content
(`report_content`), the signature (`sign_report`, with a real state's key), the HTML
(`render_html`) and the PDF (`render_pdf`, the real signed file attached), then the whole
`ReportOffice.issue` as `POST /report/{uscc}` runs it (content, signature, the registry's write
transaction, report.jws, report.html and report.pdf written). It returns the median and p95 of
each in milliseconds, and of content + signature + HTML + PDF together (the target: a report
with its PDF within 250 ms p95).

`bench_verify(build_dir)` serves the build (`python -m publish serve`, a fresh state directory
holding BENCH_VERIFY_REPORTS issued reports) and runs wrk (as bench/web.py: 2 threads, 16
connections, BENCH_WEB_SECONDS) on `/verify.json?no=&code=` over those reports and on the profile
JSON `/entity/{uscc}.json`, in turn twice (verify, profile, profile, verify: load from elsewhere
on the machine that drifts during the run falls on both), with the server's CPU per answer
beside requests/s and latency. The server trusts 127.0.0.1 as a proxy
(PUBLISH_TRUSTED_PROXIES) and wrk's script sends every request with an X-Forwarded-For from
127.1.0.0/16, a new loopback address each time, so that, with the default limits (30
verifications per client per minute), no rate limit answers: the figures are the look-ups' own
(each one checked and counted in a write transaction of the state store). Both runs carry the
header. It also times, one at a time, POST /verify of a report's PDF (read and checked in the
file checker's child process).

`python -m bench.report [BUILD_DIR]` prints the figures; without BUILD_DIR it builds the
sample (`python -m publish sample --rows BENCH_REPORT_ROWS`, default 2,000) into
var/bench/report/ once and reuses it. `python bench/run.py report` is the same part of
`make bench`.
"""
from __future__ import annotations

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

from bench.web import WRK_DONE  # noqa: E402  (the path above first)

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


NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
VERIFY_REPORTS = int(os.environ.get("BENCH_VERIFY_REPORTS", 100))
FILE_CHECKS = 50


def bench_render(build_dir: Path, reports: int = REPORTS) -> dict:
    """Each stage of a report, then the whole issue, per report (see the module's docstring)."""
    from publish.clock import Clock
    from publish.report import report_content
    from publish.report.office import ReportOffice
    from publish.report.render import RenderSettings, render_html, render_pdf
    from publish.report.renderings import file_renderer
    from publish.report.signing import sign_report, signed_file_bytes
    from publish.signing_keys import initialise

    settings = RenderSettings()
    iat = int(NOW.timestamp())
    build_dir = Path(build_dir)
    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        initialise(state, Clock.at(NOW))
        office = ReportOffice.open(state, Clock.at(NOW), renderer=file_renderer(settings))
        try:
            subjects = _subjects(conn, reports + WARM_UP)
            if len(subjects) < reports + WARM_UP:
                raise SystemExit(f"the build has {len(subjects)} entities; {reports + WARM_UP} are needed")
            times: dict[str, list[float]] = {"content": [], "signature": [], "html": [], "pdf": [], "total": [],
                                             "issue": []}
            sizes: list[int] = []
            for i, uscc in enumerate(subjects):
                content_ms, content = _timed(lambda u=uscc: report_content(conn, u, issue_day=AS_OF))
                sign_ms, token = _timed(lambda c=content: sign_report(office.ring, REPORT_NO, iat, iat + 30 * 86400, c))
                payload = {"report_no": REPORT_NO, "iat": iat, "exp": iat + 30 * 86400, "content": content}
                html_ms, _ = _timed(lambda p=payload: render_html(p, code=CODE, settings=settings))
                pdf_ms, pdf = _timed(lambda p=payload, t=token: render_pdf(p, code=CODE, signed=signed_file_bytes(t),
                                                                           settings=settings))
                issue_ms, _ = _timed(lambda u=uscc: office.issue(build_dir, u))
                if i < WARM_UP:
                    continue
                for name, value in (("content", content_ms), ("signature", sign_ms), ("html", html_ms),
                                    ("pdf", pdf_ms), ("total", content_ms + sign_ms + html_ms + pdf_ms),
                                    ("issue", issue_ms)):
                    times[name].append(value)
                sizes.append(len(pdf))  # type: ignore[arg-type]
        finally:
            office.close()
            conn.close()
    result: dict = {"reports": len(times["pdf"])}
    for name, values in times.items():
        result.update(_summary(name, values))
    result["pdf_kb_median"] = round(statistics.median(sizes) / 1024, 1)
    result["target_total_ms_p95"] = 250
    return result


# wrk's script for bench_verify: the paths in turn, each request from another loopback address
# (X-Forwarded-For, believed from 127.0.0.1 only: PUBLISH_TRUSTED_PROXIES).
VERIFY_LUA = r"""
local paths = {}
for line in io.lines("%(urls)s") do paths[#paths + 1] = line end
local counter = 0
local thread_id = 0
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  counter = id * 32768
end
function request()
  counter = counter + 1
  local n = counter %% 65536
  local headers = {["X-Forwarded-For"] = string.format("127.1.%%d.%%d", math.floor(n / 256), n %% 256)}
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
""" + WRK_DONE


def _wrk(base: str, urls: list[str], workdir: Path, name: str) -> dict:
    from bench.web import CONNECTIONS, SECONDS

    url_file = workdir / f"{name}.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    script = workdir / f"{name}.lua"
    script.write_text(VERIFY_LUA % {"urls": url_file}, encoding="utf-8")
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    raw = json.loads(next(x for x in out.splitlines() if x.startswith("WRKJSON "))[len("WRKJSON "):])
    return {"requests_per_s": round(raw["requests"] / raw["seconds"], 1), "p50_ms": round(raw["p50_us"] / 1000, 1),
            "p95_ms": round(raw["p95_us"] / 1000, 1), "errors": raw["errors"], "non_2xx": raw["non_2xx"],
            "urls": len(urls)}


def _issue_for_verification(build_dir: Path, state: Path, count: int) -> list[tuple[str, str]]:
    """`count` reports issued into `state` (signed files only: look-ups never render)."""
    from publish.clock import Clock
    from publish.report.office import ReportOffice

    conn = sqlite3.connect(f"file:{build_dir / 'public.db'}?mode=ro", uri=True)
    subjects = _subjects(conn, count)
    conn.close()
    with ReportOffice.open(state, Clock.at(NOW)) as office:
        return [(issued.report_no, issued.code) for issued in (office.issue(build_dir, u) for u in subjects)]


def _file_checks(base: str, pdf: bytes, count: int = FILE_CHECKS) -> dict:
    """POST /verify of one PDF, `count` times one after the other: the file checker's cost."""
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(base)
    times = []
    for n in range(count + 3):
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        started = time.perf_counter()
        conn.request("POST", "/verify.json", body=pdf, headers={"Content-Type": "application/pdf",
                                                                  "X-Forwarded-For": f"127.2.0.{n % 250 + 1}"})
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        if response.status != 200 or body.get("status") != "valid":
            raise RuntimeError(f"POST /verify answered {response.status}: {body}")
        if n >= 3:   # the first start the checker's child process
            times.append((time.perf_counter() - started) * 1000)
    return {"file_check_ms_median": round(statistics.median(times), 1),
            "file_check_ms_p95": round(percentile(times, 0.95), 1), "file_checks": len(times)}


def bench_verify(build_dir: Path, reports: int = VERIFY_REPORTS) -> dict:
    """/verify.json beside the profile JSON under wrk, in the same run (module's docstring)."""
    import shutil
    import urllib.request

    import psutil

    from bench.web import SECONDS, _free_port, _wait_until_up, pick_urls
    from publish.clock import Clock
    from publish.signing_keys import initialise

    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    build_dir = Path(build_dir)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        state = work / "state"
        initialise(state, Clock.at(NOW))
        issued = _issue_for_verification(build_dir, state, reports)
        verify_urls = [f"/verify.json?no={no}&code={code}" for no, code in issued]
        profile_urls = pick_urls(build_dir)["profile"]
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PUBLISH_NOW": NOW.isoformat(), "PUBLISH_TRUSTED_PROXIES": "127.0.0.1",
               "PUBLISH_BASE_URL": base}
        for name in ("PUBLISH_TODAY", "PUBLISH_VERIFY_LIMIT"):
            env.pop(name, None)
        process = subprocess.Popen([sys.executable, "-m", "publish", "--state", str(state), "serve", "--build",
                                    str(build_dir), "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        results: dict = {"verify_reports": len(issued)}
        try:
            _wait_until_up(base, process)
            for n, path in enumerate(verify_urls[:20] + profile_urls[:50]):   # warm: connections, caches
                request = urllib.request.Request(base + path, headers={"X-Forwarded-For": f"127.3.0.{n % 250 + 1}"})
                urllib.request.urlopen(request, timeout=30).read()
            server = psutil.Process(process.pid)
            runs: dict[str, list[dict]] = {"verify": [], "profile": []}
            # A B B A: load from elsewhere on the machine that drifts during the run falls on both.
            for name in ("verify", "profile", "profile", "verify"):
                before = server.cpu_times()
                run = _wrk(base, verify_urls if name == "verify" else profile_urls, work, name)
                after = server.cpu_times()
                run["cpu_s"] = (after.user - before.user) + (after.system - before.system)
                runs[name].append(run)
            for name, done in runs.items():
                answered = sum(r["requests_per_s"] for r in done) * SECONDS
                results[name] = {
                    "requests_per_s": round(sum(r["requests_per_s"] for r in done) / len(done), 1),
                    "runs_requests_per_s": [r["requests_per_s"] for r in done],
                    "p50_ms": round(statistics.mean(r["p50_ms"] for r in done), 1),
                    "p95_ms": round(statistics.mean(r["p95_ms"] for r in done), 1),
                    "errors": sum(r["errors"] for r in done), "non_2xx": sum(r["non_2xx"] for r in done),
                    # The server's own CPU per answer: a figure a busy machine disturbs less than req/s.
                    "server_cpu_ms_per_request": round(sum(r["cpu_s"] for r in done) * 1000 / max(answered, 1), 3),
                    "urls": done[0]["urls"]}
            no, code = issued[0]
            pdf = urllib.request.urlopen(urllib.request.Request(
                f"{base}/reports/{no}/{code}/report.pdf", headers={"X-Forwarded-For": "127.4.0.1"}), timeout=60).read()
            results.update(_file_checks(base, pdf))
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    profile_rps = results["profile"]["requests_per_s"] or 1
    results["verify_to_profile_throughput"] = round(results["verify"]["requests_per_s"] / profile_rps, 2)
    results["target_verify_to_profile_throughput"] = ">= 1.0"
    return results


def bench_report(build_dir: Path | None = None) -> dict:
    """Both parts, flat, for bench/run.py."""
    build_dir = Path(build_dir) if build_dir else sample_build()
    figures = {f"report_{k}": v for k, v in bench_render(build_dir).items()}
    for key, value in bench_verify(build_dir).items():
        if isinstance(value, dict):
            figures.update({f"report_{key}_{k}": v for k, v in value.items()})
        else:
            figures[f"report_{key}"] = value
    return figures


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
    print(json.dumps(bench_report(build_dir), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
