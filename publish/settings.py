"""Every environment variable the project reads, and every default, in one place.

Commands take these as arguments first; the variables are for tests and deployments.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Where state that outlives a build lives (the record-key secret, signing keys, issued
# reports, tokens, the audit log): CONTRACT.md "Command line".
STATE_ENV = "PUBLISH_STATE"
DEFAULT_STATE_DIR = Path("var") / "state"
# How long a state-store transaction waits for another process's write (publish/state/).
STATE_BUSY_TIMEOUT_SECONDS = 10.0
# Fixes "now" (an ISO instant) for every command but `build`, in tests (CONTRACT.md "Time").
NOW_ENV = "PUBLISH_NOW"
# Fixes "today" (YYYY-MM-DD) for `serve`, in tests.
TODAY_ENV = "PUBLISH_TODAY"
# `json` makes the access log and the build log JSON lines.
LOG_FORMAT_ENV = "PUBLISH_LOG_FORMAT"
LOG_FORMATS = ("text", "json")
# `1` makes a command print the traceback of an unexpected error (internal_error).
DEBUG_ENV = "PUBLISH_DEBUG"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
# Absolute links on served pages (Datasette's next_url, facet toggles, the JSON alternate) are
# made from this origin, never from the request's Host header (a cached page must not carry a
# stranger's host). Also `plugins: site: base_url:` in metadata.yml.
BASE_URL_ENV = "PUBLISH_BASE_URL"
DEFAULT_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
# Who issues the credit report (printed on its face, publish/report/render/): the city and its
# credit office, `plugins: site: city:` and `office:` in metadata.yml (the sample imitates
# 景德镇市, publish/sample/world.py).
DEFAULT_CITY = "景德镇市"
DEFAULT_OFFICE = "景德镇市社会信用体系建设领导小组办公室"
# The report's PDF font: the first of these TrueType files that exists (Debian's
# fonts-wqy-zenhei; ReportLab embeds TrueType outlines, not the CFF of Noto CJK), or the file
# PUBLISH_REPORT_FONT names (a .ttf, or a .ttc with `#N` for its N-th face).
REPORT_FONT_ENV = "PUBLISH_REPORT_FONT"
REPORT_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0",)
# Reverse proxies whose X-Forwarded-For entry names the client (addresses or networks,
# separated by commas). Empty: the socket's peer is the client, whatever headers say.
TRUSTED_PROXIES_ENV = "PUBLISH_TRUSTED_PROXIES"
DEFAULT_TRUSTED_PROXIES = ""

# Rows of a Datasette table page unless `_size` asks for more (a larger page is a heavy read:
# publish/limits.py).
DEFAULT_PAGE_SIZE = 50

# The largest cell a build keeps (Excel's own limit); a longer cell quarantines its row.
MAX_CELL_CHARS = 32_767

# Arbitrary SQL (publish/limits.py): its own threads, how many such requests at once in the
# server and per client, the largest answer, and what Retry-After says when refused.
DEFAULT_SQL_THREADS = 2
DEFAULT_SQL_MAX_CONCURRENT = 4
DEFAULT_SQL_MAX_PER_CLIENT = 2
DEFAULT_SQL_MAX_RESULT_BYTES = 8 * 1024 * 1024
DEFAULT_SQL_RETRY_AFTER_SECONDS = 2
# How long a client that ignored Retry-After waits for its next refusal.
DEFAULT_SQL_REPEAT_REFUSAL_DELAY_SECONDS = 0.5
# The SQL threads' scheduling priority, below the pages' (Linux nice values: 0 is normal):
# on a busy machine the CPU goes to search and profiles first.
SQL_THREAD_NICENESS = 10
# Each overrides one of the SQL limits (a positive integer), e.g. for a benchmark.
SQL_LIMIT_ENVS = {
    "threads": "PUBLISH_SQL_THREADS",
    "max_concurrent": "PUBLISH_SQL_MAX_CONCURRENT",
    "max_per_client": "PUBLISH_SQL_MAX_PER_CLIENT",
    "max_result_bytes": "PUBLISH_SQL_MAX_RESULT_BYTES",
}
DEFAULT_SAMPLE_ROWS = 2000
# The build `report issue` reads unless `--build` names another (the one `make run` serves).
DEFAULT_BUILD_DIR = Path("var") / "build"

# The credit report (publish/report/): how many days an issued report stays valid (its `exp`),
# at most a year; PUBLISH_REPORT_DAYS overrides the default for `report issue` and the server.
REPORT_DAYS_ENV = "PUBLISH_REPORT_DAYS"
DEFAULT_REPORT_DAYS = 30
MAX_REPORT_DAYS = 366
# Guessing verification codes (publish/report/registry.py): this many wrong codes for one
# report number from one client lock that client out of the number; this many from all
# clients together lock code look-ups of the number (checking the signed file still works).
# A lock lasts REPORT_LOCK_SECONDS; failures are counted over REPORT_FAILURE_WINDOW_SECONDS.
REPORT_CLIENT_FAILURES = 5
REPORT_NUMBER_FAILURES = 50
REPORT_LOCK_SECONDS = 3600
REPORT_FAILURE_WINDOW_SECONDS = 3600
# New report numbers tried when the one drawn is already taken (31^8 a day: a retry is rare).
REPORT_NO_ATTEMPTS = 8
# The credit report on the web (publish/plugins/reports.py). Reports one client may issue per
# REPORT_ISSUE_WINDOW_SECONDS, and verifications (look-ups by number and code, files checked,
# the report file URLs) per VERIFY_WINDOW_SECONDS; the variables override the counts (a
# benchmark raises them). Counted in memory per server process.
REPORT_ISSUE_LIMIT = 10
REPORT_ISSUE_WINDOW_SECONDS = 600
REPORT_ISSUE_LIMIT_ENV = "PUBLISH_REPORT_ISSUE_LIMIT"
VERIFY_LIMIT = 30
VERIFY_WINDOW_SECONDS = 60
VERIFY_LIMIT_ENV = "PUBLISH_VERIFY_LIMIT"
# POST /verify: the largest file (the signed file or the PDF) and the largest request body
# (the file and the form's other fields); a larger one is refused with 413 before it is read.
VERIFY_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
VERIFY_BODY_MAX_BYTES = VERIFY_UPLOAD_MAX_BYTES + 64 * 1024
# POST /report/{uscc}: the form (years, fields, the CSRF token) is small.
FORM_BODY_MAX_BYTES = 64 * 1024
# A presented file is read and checked in a child process (publish/filecheck.py): this many
# at once, each with an address-space limit and a time limit (the child is killed past it);
# a request waits at most FILE_CHECK_WAIT_SECONDS for a free one (then 503).
FILE_CHECK_WORKERS = 2
FILE_CHECK_MEMORY_BYTES = 512 * 1024 * 1024
FILE_CHECK_TIMEOUT_SECONDS = 10.0
FILE_CHECK_WAIT_SECONDS = 10.0
# Worker processes of a build (the build scales per source file).
DEFAULT_BUILD_WORKERS = 2

# The bank and guarantor API (publish/api/, issue 16): per-token quotas (requests per 5 minutes,
# screening items per hour; metadata.yml `plugins: api:` sets them per organisation, and these
# variables raise every organisation's, e.g. for a benchmark), the largest screening batch, and
# how many invalid tokens one client may present per minute before it gets 429 (and is no
# longer logged entry by entry: `Bearer x` in a loop cannot flood the audit log).
API_REQUEST_LIMIT_ENV = "PUBLISH_API_REQUEST_LIMIT"
API_SCREEN_LIMIT_ENV = "PUBLISH_API_SCREEN_LIMIT"
API_DEFAULT_REQUESTS = 600
API_REQUEST_WINDOW_SECONDS = 300
API_DEFAULT_SCREEN_ITEMS = 20_000
API_SCREEN_WINDOW_SECONDS = 3600
API_MAX_SCREEN_ITEMS = 1000
API_INVALID_TOKEN_LIMIT = 30
API_INVALID_TOKEN_LIMIT_ENV = "PUBLISH_API_INVALID_TOKEN_LIMIT"
API_INVALID_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Environment:
    """The variables as read once, at a command's start."""
    state: str | None
    now: str | None
    today: str | None
    log_format: str
    debug: bool = False
    base_url: str | None = None
    trusted_proxies: str | None = None
    sql_limits: tuple[tuple[str, str], ...] = ()   # (limit name, value) from SQL_LIMIT_ENVS
    report_days: str | None = None
    report_issue_limit: str | None = None
    verify_limit: str | None = None
    api_request_limit: str | None = None
    api_screen_limit: str | None = None
    api_invalid_token_limit: str | None = None


def read_environment(environ: dict[str, str] | None = None) -> Environment:
    env = os.environ if environ is None else environ
    return Environment(state=env.get(STATE_ENV) or None, now=env.get(NOW_ENV) or None,
                       today=env.get(TODAY_ENV) or None,
                       log_format=(env.get(LOG_FORMAT_ENV) or "text").strip().lower(),
                       debug=(env.get(DEBUG_ENV) or "").strip().lower() in ("1", "true", "yes", "on"),
                       base_url=env.get(BASE_URL_ENV) or None,
                       trusted_proxies=env.get(TRUSTED_PROXIES_ENV) or None,
                       sql_limits=tuple((name, env[var]) for name, var in SQL_LIMIT_ENVS.items() if env.get(var)),
                       report_days=env.get(REPORT_DAYS_ENV) or None,
                       report_issue_limit=env.get(REPORT_ISSUE_LIMIT_ENV) or None,
                       verify_limit=env.get(VERIFY_LIMIT_ENV) or None,
                       api_request_limit=env.get(API_REQUEST_LIMIT_ENV) or None,
                       api_screen_limit=env.get(API_SCREEN_LIMIT_ENV) or None,
                       api_invalid_token_limit=env.get(API_INVALID_TOKEN_LIMIT_ENV) or None)


def state_dir(argument: str | None, environment: Environment | None = None) -> Path:
    """The state directory: `--state`, else PUBLISH_STATE, else var/state; always absolute."""
    environment = environment or read_environment()
    return Path(argument or environment.state or DEFAULT_STATE_DIR).expanduser().resolve()

# --- Reading department files (publish/read/): caps that keep one hostile file one file's
# problem. Each is a default an operator may raise; the README lists them.
# Excel's own limit on a cell; a longer cell quarantines its row (`oversized_field`).
MAX_CELL_CHARS = 32_767
# A physical line of a CSV or JSON Lines file (bytes); a longer line is one quarantined record.
MAX_LINE_BYTES = 16 << 20
# csv's own per-field limit (characters), set above MAX_CELL_CHARS so an over-long field is
# read, counted and quarantined instead of stopping the file (csv's default is 131,072).
CSV_FIELD_LIMIT = 16 << 20
# Physical lines one CSV record may span (quoted line breaks); past it the record is bad and
# the lines after its first are read again, so a stray quote costs one record.
CSV_MAX_RECORD_LINES = 200
# JSON Lines: nesting deeper than this is not a record (`malformed_json`).
JSON_MAX_DEPTH = 32
# XLSX parts, by their expanded size in the zip directory (ZipInfo.file_size), checked before
# any part is read: a sheet's XML, the shared strings, any other XML part.
XLSX_SHEET_MAX_BYTES = 256 << 20
XLSX_SHARED_STRINGS_MAX_BYTES = 64 << 20
XLSX_OTHER_PART_MAX_BYTES = 64 << 20
XLSX_MAX_PARTS = 10_000
# The spreadsheet reader runs in a child process with this address-space limit: whatever a
# workbook makes the reader allocate, the build's own processes never pay for it.
SPREADSHEET_READER_MEMORY_BYTES = 768 << 20
# JSON (an array of objects, or an API answer holding them under rows / data / list): read
# element by element, never whole. One element (a record) at most this many characters; a
# longer one is read past without being held and quarantined (`malformed_json`).
JSON_MAX_RECORD_CHARS = 16 << 20
# The header of a JSON or JSON Lines file: the keys of its first objects, in the order first
# seen (exports drop a null field from the objects that lack a value).
JSON_HEADER_OBJECTS = 1000
# XLS (BIFF8) is not compressed: a larger file is refused before the reader opens it.
XLS_MAX_BYTES = 128 << 20

# --- The audit log of authorized access (publish/audit/, issue 16).
# A signed checkpoint of the chain's head every this many entries (and when a log that
# appended is closed); PUBLISH_AUDIT_CHECKPOINT_EVERY overrides it (a positive integer).
AUDIT_CHECKPOINT_EVERY = 1000
AUDIT_CHECKPOINT_EVERY_ENV = "PUBLISH_AUDIT_CHECKPOINT_EVERY"
# Names asked about are kept this many years after their request, then erased (the chain
# keeps only their keyed hashes); PUBLISH_AUDIT_NAME_RETENTION_YEARS overrides it.
AUDIT_NAME_RETENTION_YEARS = 5
AUDIT_NAME_RETENTION_ENV = "PUBLISH_AUDIT_NAME_RETENTION_YEARS"
# verify() reads the chain in pages of this many entries.
AUDIT_VERIFY_PAGE = 500
