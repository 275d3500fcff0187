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
DEFAULT_SAMPLE_ROWS = 2000
# Worker processes of a build (the build scales per source file).
DEFAULT_BUILD_WORKERS = 2


@dataclass(frozen=True)
class Environment:
    """The variables as read once, at a command's start."""
    state: str | None
    now: str | None
    today: str | None
    log_format: str
    debug: bool = False


def read_environment(environ: dict[str, str] | None = None) -> Environment:
    env = os.environ if environ is None else environ
    return Environment(state=env.get(STATE_ENV) or None, now=env.get(NOW_ENV) or None,
                       today=env.get(TODAY_ENV) or None,
                       log_format=(env.get(LOG_FORMAT_ENV) or "text").strip().lower(),
                       debug=(env.get(DEBUG_ENV) or "").strip().lower() in ("1", "true", "yes", "on"))


def state_dir(argument: str | None, environment: Environment | None = None) -> Path:
    """The state directory: `--state`, else PUBLISH_STATE, else var/state; always absolute."""
    environment = environment or read_environment()
    return Path(argument or environment.state or DEFAULT_STATE_DIR).expanduser().resolve()
