"""Pure redaction: detectors turn text into spans, masks turn spans into text.

No I/O and no globals here (scan.py alone reads a database, read-only): the build, the
scanner and the tests call the same functions.

    detectors.py  text + Context -> spans (ID, phone, card, e-mail, names, addresses, secrets)
    mask.py       spans -> masked text (张*, 138****5678, ［身份证号已隐藏］…)
    policy.py     one record + its fields' roles -> the redacted record (redact_record)
    check.py      the per-record after-check the build runs before loading (check_record)
    scan.py       the independent second line of defence over texts and SQLite files
    evaluate.py   a seeded labelled corpus, precision/recall and throughput
    native.py     the hot modules compiled with mypyc, loaded only when built from these sources
"""
from . import native

native.install()  # before any submodule: compiled or from source (native.py)

# ruff: noqa: E402 (the imports below come after install())
from .check import Problem, check_record
from .detectors import Context, detect
from .mask import DEFAULT_MASKS, Masks, mask_person_name  # not `mask`: `redaction.mask` stays the module
from .policy import ROLES, Redacted, looks_like_person_name, redact_record
from .scan import Finding, find_in_text, scan_database
from .spans import Span

__all__ = [
    "Context", "DEFAULT_MASKS", "Finding", "Masks", "Problem", "ROLES", "Redacted", "Span",
    "check_record", "detect", "find_in_text", "looks_like_person_name", "mask_person_name",
    "redact_record", "scan_database",
]
