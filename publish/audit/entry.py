"""One audit entry: who asked what, when, and what they got (issue 16, "Audit log").

An entry is what the API's auth wrapper knows about one request that carried a token (valid
or not): the instant from the project's clock, the organisation and token id (None for an
invalid token), the method and route (the path, never the query string), the USCCs and names
asked about, the build answered from, the status, the bytes sent, the request id and an
outcome code. It is plain data; `chain.py` says how it is hashed, `log.py` stores it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from ..clock import UTC, Clock

# What the auth wrapper may say happened (free text is allowed: these are the known ones).
MAX_INT = 2**53 - 1
OUTCOMES = ("ok", "invalid_token", "forbidden", "rate_limited", "not_found", "bad_request", "error")


def instant_text(instant: dt.datetime) -> str:
    """The one text form of an instant in the log: UTC, microseconds, so that texts sort as
    the instants do (`since` compares them)."""
    if instant.tzinfo is None:
        raise ValueError(f"an audit instant needs a time zone: {instant!r}")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def parse_instant_text(text: str) -> dt.datetime:
    """An ISO 8601 instant with its zone (Z or an offset); ValueError otherwise."""
    instant = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"an audit instant needs a time zone: {text!r}")
    return instant


@dataclass(frozen=True)
class AuditEntry:
    at: str                      # ISO instant from the project's clock (normalised to instant_text)
    org: str | None              # None: the token did not verify
    jti: str | None
    method: str
    route: str                   # the path, without the query string
    usccs: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # names asked about: kept for the retention, then erased
    build_id: str | None = None
    status: int = 200
    bytes: int = 0
    request_id: str | None = None
    outcome: str = "ok"

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", instant_text(parse_instant_text(self.at)))
        object.__setattr__(self, "usccs", tuple(self.usccs))
        object.__setattr__(self, "names", tuple(self.names))
        for name in ("org", "jti", "build_id", "request_id"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"AuditEntry.{name} must be a str or None, not {type(value).__name__}")
        for name in ("method", "route", "outcome"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"AuditEntry.{name} must be a str")
        for name in ("usccs", "names"):
            if not all(isinstance(v, str) for v in getattr(self, name)):
                raise TypeError(f"AuditEntry.{name} must hold str values")
        for name in ("status", "bytes"):
            value = getattr(self, name)
            # I-JSON (RFC 7493), which RFC 8785 canonicalises: integers up to 2**53 - 1.
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
                raise TypeError(f"AuditEntry.{name} must be an int from 0 to 2**53 - 1, not {value!r}")
        if "?" in self.route:
            raise ValueError(f"AuditEntry.route is the path without its query string: {self.route!r}")

    @classmethod
    def now(cls, clock: Clock, **values: object) -> AuditEntry:
        """An entry stamped with the clock's instant."""
        return cls(at=instant_text(clock.now()), **values)  # type: ignore[arg-type]


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(AuditEntry))
