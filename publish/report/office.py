"""`ReportOffice`: what a process that issues and verifies reports holds (the command line
for one command, the server for its life): the state's signing keys, the registry, the clock.

    with ReportOffice.open(state_dir, clock) as office:
        issued = office.issue(build_dir, uscc, years=3, fields=None)     # POST /report/{uscc}
        office.lookup(no, code, client)                                  # /verify?no=&code=
        office.verify_file(data)                                         # POST /verify
        office.open_report(no, code, client)                             # /reports/{no}/{code}/…
        office.jwks()                                                    # /.well-known/jwks.json

Opening creates nothing: without `keys init` it is `keys_missing` (or `state_missing`).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..clock import Clock
from ..signing_keys import KeyRing
from .issue import DEFAULT_YEARS, ContentFunction, IssuedReport, Renderer, issue_report
from .numbers import SymbolSource
from .registry import RegisteredReport, Registry
from .signing import PURPOSE
from .verify import OpenedReport, Verification, lookup, open_report, verify_online


class ReportOffice:
    def __init__(self, state_dir: Path, ring: KeyRing, registry: Registry, clock: Clock, *, days: int,
                 renderer: Renderer | None = None):
        self.state_dir = state_dir
        self.ring = ring
        self.registry = registry
        self.clock = clock
        self.days = days
        self.renderer = renderer

    @classmethod
    def open(cls, state_dir: Path, clock: Clock | None = None, *, days: int | None = None,
             renderer: Renderer | None = None) -> ReportOffice:
        """`days`: how long a report stays valid (default: settings, PUBLISH_REPORT_DAYS)."""
        from ..settings import read_environment
        from .issue import report_days

        clock = clock or Clock.system()
        days = report_days(read_environment()) if days is None else days
        ring = KeyRing.open(state_dir, clock)
        try:
            registry = Registry.open(state_dir, clock)
        except BaseException:
            ring.close()
            raise
        return cls(state_dir, ring, registry, clock, days=days, renderer=renderer)

    def close(self) -> None:
        self.registry.close()
        self.ring.close()

    def __enter__(self) -> ReportOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def issue(self, build_dir: Path, uscc: str, *, years: int = DEFAULT_YEARS, fields: Iterable[str] | None = None,
              numbers: SymbolSource | None = None, content: ContentFunction | None = None) -> IssuedReport:
        return issue_report(self.ring, self.registry, self.state_dir, build_dir, uscc, clock=self.clock,
                            years=years, fields=fields, days=self.days, numbers=numbers, content=content,
                            render=self.renderer)

    def verify_file(self, data: bytes | str) -> Verification:
        return verify_online(data, self.ring, self.registry, now=self.clock.now())

    def lookup(self, no: str, code: str, client: str | None) -> Verification:
        return lookup(no, code, client, self.ring, self.registry, now=self.clock.now())

    def open_report(self, no: str, code: str, client: str | None) -> OpenedReport | None:
        return open_report(no, code, client, self.ring, self.registry, now=self.clock.now())

    def revoke(self, no: str, reason: str) -> RegisteredReport:
        return self.registry.revoke(no, reason)

    def reports(self, uscc: str | None = None) -> list[RegisteredReport]:
        return self.registry.reports(uscc)

    def status(self, report: RegisteredReport) -> str:
        """valid, expired or revoked (a report of a retired key is revoked), for listings."""
        from ..signing_keys import RETIRED

        if report.revoked or self.ring.key_status(report.kid, PURPOSE) == RETIRED:
            return "revoked"
        return "expired" if report.expired(self.clock.now()) else "valid"

    def jwks(self) -> dict[str, Any]:
        return self.ring.public_jwks(PURPOSE)
