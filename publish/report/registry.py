"""The registry of issued reports, in the state store, and the throttle on guessing codes.

`reports`: one row per issued report: its number (the primary key: two issuers that draw the
same number get a ConflictError and draw again), the keyed hash of its verification code,
the subject, issue and expiry instants, the signing key's id, the whole signed file (HTML and
PDF are rendered from it), and its revocation (instant and reason code).

`report_lookup_failures`: wrong codes per (number, client) and per number for all clients
(client `*`), each counted over a window from the project clock. `REPORT_CLIENT_FAILURES`
wrong codes lock that client out of the number, `REPORT_NUMBER_FAILURES` from all clients lock
code look-ups of the number, each for `REPORT_LOCK_SECONDS` (settings.py); checking a signed
file never consults them. Well-formed numbers that were never issued are counted like any
other, so a lock says nothing about whether a number exists. Rows whose window and lock have
passed are deleted by the next write.

Codes and clients are stored only as HMAC-SHA-256 under keys derived (HKDF) from the state
directory's record-key secret: no new secret, and `keys init` stays the only command that
makes one. The client is whatever the caller names (the web layer: the client address as
publish/limits.py resolves it); only its keyed hash is kept.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..clock import Clock
from ..errors import PublishError
from ..secrets import load_record_key_secret
from ..settings import (
    REPORT_CLIENT_FAILURES,
    REPORT_FAILURE_WINDOW_SECONDS,
    REPORT_LOCK_SECONDS,
    REPORT_NUMBER_FAILURES,
)
from ..state import Column, Index, Reader, Row, Store, Table, Transaction, lt, open_store
from ..times import beijing_display
from . import revocation
from .numbers import normalise_report_no

REPORTS = Table("reports", (
    Column("no", nullable=False),
    Column("code_hash", nullable=False),     # HMAC of number and code, hex
    Column("uscc", nullable=False),
    Column("subject_name"),
    Column("issued_at", nullable=False),     # ISO instants (UTC) of the signed iat and exp
    Column("expires_at", nullable=False),
    Column("kid", nullable=False),
    Column("build_id"),
    Column("signed", nullable=False),        # the whole signed file: the compact JWS
    Column("revoked_at"),
    Column("revoke_reason"),                 # a code of data/report_revocation_reasons.yml
), primary_key=("no",), indexes=(Index(("uscc", "issued_at")), Index(("issued_at",))))

ALL_CLIENTS = "*"
THROTTLE = Table("report_lookup_failures", (
    Column("no", nullable=False),
    Column("client", nullable=False),                             # keyed hash, or * for all clients
    Column("window_start", "integer", nullable=False, default=0),  # epoch seconds
    Column("failures", "integer", nullable=False, default=0),
    Column("locked_until", "integer", nullable=False, default=0),
    Column("until", "integer", nullable=False, default=0),         # the row may go after this
), primary_key=("no", "client"), indexes=(Index(("until",)),))

TABLES = (REPORTS, THROTTLE)
_CODE_INFO = b"publish credit-report verification code v1"
_CLIENT_INFO = b"publish credit-report lookup client v1"


def derive_key(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat(timespec="seconds")


def from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


@dataclass(frozen=True)
class RegisteredReport:
    no: str
    uscc: str
    subject_name: str | None
    issued_at: str
    expires_at: str
    kid: str
    build_id: str | None
    signed: str
    revoked_at: str | None
    revoke_reason: str | None

    @classmethod
    def from_row(cls, row: Row) -> RegisteredReport:
        return cls(**{k: v for k, v in row.items() if k != "code_hash"})  # type: ignore[arg-type]

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def revocation_sentence(self) -> str:
        return revocation.sentence(self.revoke_reason)

    def expired(self, now: dt.datetime) -> bool:
        return now >= dt.datetime.fromisoformat(self.expires_at)

    def as_json(self) -> dict[str, str | None]:
        """For listings: everything but the signed file (and never the code: only its hash is kept)."""
        return {"report_no": self.no, "uscc": self.uscc, "subject_name": self.subject_name,
                "issued_at": self.issued_at, "expires_at": self.expires_at, "kid": self.kid,
                "build_id": self.build_id, "revoked_at": self.revoked_at, "revoke_reason": self.revoke_reason}


@dataclass(frozen=True)
class Locked:
    """A look-up refused: the number is locked for this client or for everyone."""
    retry_after: int        # seconds (HTTP Retry-After)
    scope: str              # client or number


class LookupLocked(PublishError):
    """Too many wrong codes for this number (the web layer answers 429 with Retry-After)."""

    def __init__(self, locked: Locked):
        who = "您" if locked.scope == "client" else "所有用户"
        minutes = math.ceil(locked.retry_after / 60)
        super().__init__("lookup_locked", f"该报告编号的核验码错误次数过多，{who}暂时不能用核验码查询它，"
                                          f"请 {minutes} 分钟后再试（核验签名文件或 PDF 不受影响）")
        self.retry_after = locked.retry_after
        self.scope = locked.scope


class Registry:
    """Issued reports and the guessing throttle of one state directory. `Registry.open(state_dir,
    clock)`; close it (or use it as a context manager)."""

    def __init__(self, store: Store, secret: bytes, clock: Clock | None = None):
        self.store = store
        self.clock = clock or Clock.system()
        self._code_key = derive_key(secret, _CODE_INFO)
        self._client_key = derive_key(secret, _CLIENT_INFO)

    @classmethod
    def open(cls, state_dir: Path, clock: Clock | None = None) -> Registry:
        """`state_missing` when `keys init` never ran there (nothing is created)."""
        secret = load_record_key_secret(state_dir)
        return cls(open_store(state_dir, TABLES), secret, clock)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- hashes ------------------------------------------------------------------------
    def code_hash(self, no: str, code: str) -> str:
        return hmac.new(self._code_key, f"{no}\n{code}".encode("ascii"), hashlib.sha256).hexdigest()

    def client_hash(self, client: str | None) -> str:
        return hmac.new(self._client_key, (client or "").encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    # --- reports -----------------------------------------------------------------------
    def insert(self, tx: Transaction, report: RegisteredReport, code: str) -> None:
        """Inside the caller's transaction; ConflictError when the number is taken."""
        tx.insert(REPORTS, _row(report, self.code_hash(report.no, code)))

    def get(self, no: str) -> RegisteredReport | None:
        number = normalise_report_no(no)
        row = self.store.get(REPORTS, {"no": number}) if number else None
        return RegisteredReport.from_row(row) if row else None

    def reports(self, uscc: str | None = None) -> list[RegisteredReport]:
        """Every report (of a subject), newest first."""
        rows = self.store.select(REPORTS, {"uscc": uscc} if uscc else None, order_by=("-issued_at", "no"))
        return [RegisteredReport.from_row(r) for r in rows]

    def revoke(self, no: str, reason: str) -> RegisteredReport:
        reason = revocation.check_reason(reason)
        number = normalise_report_no(no)
        with self.store.write() as tx:
            row = tx.get(REPORTS, {"no": number}) if number else None
            if row is None:
                raise PublishError("unknown_report", f"没有这个报告编号：{no}（用 python -m publish report list 查看）")
            if row["revoked_at"]:
                when, why = beijing_display(str(row["revoked_at"])), str(row["revoke_reason"])
                raise PublishError("report_already_revoked", f"报告 {number} 已于 {when} 撤销（原因：{why}）")
            values = {"revoked_at": iso(self.clock.now()), "revoke_reason": reason}
            tx.update(REPORTS, {"no": number}, values)
        return RegisteredReport.from_row({**row, **values})

    # --- look-ups by number and code, and the throttle ------------------------------------
    def attempt(self, no: str, code: str | None, client: str | None) -> RegisteredReport | None:
        """One look-up of the (normalised) number `no` with a code, checked and counted in one
        write transaction, so that clients guessing in parallel get no more tries than one
        guessing in turn: `LookupLocked` when the number is locked for this client or for all;
        the report when the code is right (the client's earlier slips forgiven); else None, a
        wrong code counted (a code that cannot be one, `None`, is no guess and is not).

        A right code from a client with no slips to forgive changes nothing, so it is answered
        from a read (WAL: it never waits for the write lock, nor takes it); anything else is
        checked again, and counted, in the write transaction."""
        now = int(self.clock.now().timestamp())
        who = self.client_hash(client)
        if code is not None:
            with self.store.read() as reader:
                locked = self._locked(reader, no, who, now)
                if locked is not None:
                    raise LookupLocked(locked)
                row = reader.get(REPORTS, {"no": no})
                mine = reader.get(THROTTLE, {"no": no, "client": who}) if row is not None else None
            if (row is not None and not (mine and mine["failures"])
                    and hmac.compare_digest(self.code_hash(no, code), str(row["code_hash"]))):
                return RegisteredReport.from_row(row)
        with self.store.write() as tx:
            locked = self._locked(tx, no, who, now)
            if locked is not None:
                raise LookupLocked(locked)
            if code is None:
                return None
            row = tx.get(REPORTS, {"no": no})
            expected = str(row["code_hash"]) if row else "0" * 64   # the same work for an unknown number
            if row is not None and hmac.compare_digest(self.code_hash(no, code), expected):
                tx.update(THROTTLE, {"no": no, "client": who}, {"failures": 0})
                return RegisteredReport.from_row(row)
            self._count_failure(tx, no, who, now)
        return None

    def lock(self, no: str, client: str | None) -> Locked | None:
        """Whether code look-ups of `no` are locked now for this client (or for everyone)."""
        with self.store.read() as reader:
            return self._locked(reader, no, self.client_hash(client), int(self.clock.now().timestamp()))

    @staticmethod
    def _locked(reader: Reader, no: str, who: str, now: int) -> Locked | None:
        locked: Locked | None = None
        for key, scope in ((who, "client"), (ALL_CLIENTS, "number")):
            row = reader.get(THROTTLE, {"no": no, "client": key})
            until = int(row["locked_until"] or 0) if row else 0
            if until > now and (locked is None or until - now > locked.retry_after):
                locked = Locked(until - now, scope)
        return locked

    @staticmethod
    def _count_failure(tx: Transaction, no: str, who: str, now: int) -> None:
        """One wrong code for `no`, from this client and from all; a count that reaches its
        limit locks, and starts again after the lock."""
        tx.delete(THROTTLE, {"until": lt(now)})
        for key, limit in ((who, REPORT_CLIENT_FAILURES), (ALL_CLIENTS, REPORT_NUMBER_FAILURES)):
            where = {"no": no, "client": key}
            row = tx.get(THROTTLE, where) or {"window_start": 0, "failures": 0, "locked_until": 0}
            start, failures = int(row["window_start"] or 0), int(row["failures"] or 0)
            until = int(row["locked_until"] or 0)
            if now >= start + REPORT_FAILURE_WINDOW_SECONDS:
                start, failures = now, 0
            failures += 1
            if failures >= limit:
                until, start, failures = now + REPORT_LOCK_SECONDS, now, 0
            tx.put(THROTTLE, {**where, "window_start": start, "failures": failures, "locked_until": until,
                              "until": max(start + REPORT_FAILURE_WINDOW_SECONDS, until)})


def _row(report: RegisteredReport, code_hash: str) -> dict[str, str | None]:
    return {"no": report.no, "code_hash": code_hash, "uscc": report.uscc, "subject_name": report.subject_name,
            "issued_at": report.issued_at, "expires_at": report.expires_at, "kid": report.kid,
            "build_id": report.build_id, "signed": report.signed, "revoked_at": report.revoked_at,
            "revoke_reason": report.revoke_reason}
