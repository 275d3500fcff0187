"""The hot modules of the package, compiled to C with mypyc, and the guard that never lets a
compiled module run code its source no longer says.

Why compiled: redaction is the build's inner loop (every text of every row goes through the
detectors), and its cost is Python's per-operation overhead on short strings, not any one
slow algorithm: the profile (README, issue 13) spreads it over name finding, number
classification, span resolution and the record policy. mypyc (part of mypy, which already
checks these modules' types) compiles the same source, unchanged, to a C extension: about
1.8× the records per second. The sources stay the reference: every test runs on what is
loaded, and tests/redaction/test_native.py compares the two on the evaluation corpus.

How a module is chosen at import (`install`, called by the package's __init__ before any
submodule is imported):
- the compiled group is used only when it was built from exactly the sources on disk (their
  SHA-256, recorded at build time in MANIFEST) and the extension files are exactly the
  group's: a stale extension after an edit or a checkout, or one left from a module compiled
  no more, is never loaded; the sources are, and a warning says how to rebuild;
- all modules of the group or none: compiled modules call each other inside the group's
  shared library, so one source module beside compiled ones would not be what they call;
- PUBLISH_REDACTION_PURE=1 forces the sources (to debug, or to compare).

`python -m redaction.compile` compiles the group in place (compile.py; the Makefile's `native`
target).
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

PACKAGE = __package__ or "redaction"
HERE = Path(__file__).resolve().parent
# The modules compiled together, leaves first (those that import nothing else of the group):
# what the build runs for every row (check.py searches with scan.py's finders), and the scan
# of the outputs and releases.
COMPILED = ("checkdigits", "spans", "names", "mask", "particulars", "person_names", "detectors", "policy", "scan",
            "check")
GROUP = "_native"                     # the group's shared library: redaction/_native__mypyc.*.so
MANIFEST = HERE / "_native.json"      # the sources' digests the extensions were built from
PURE_ENV = "PUBLISH_REDACTION_PURE"

# Set by install(): "compiled", "pure" (asked for), "stale" (sources changed), "absent".
state = "absent"


def frozen_reduce(obj: object) -> tuple:
    """pickle's recipe for a frozen dataclass of the group: its class called with its fields.
    (Compiled, such a class is unpickled by setting its fields one by one, which a frozen
    class refuses; the scan's and the build's worker processes send these across.)"""
    return type(obj), tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))  # type: ignore[arg-type]


def digests() -> dict[str, str]:
    """The SHA-256 of each group module's source."""
    return {name: hashlib.sha256((HERE / f"{name}.py").read_bytes()).hexdigest() for name in COMPILED}


def extensions() -> list[Path]:
    """Every extension file beside the sources (the package has no others than the group's:
    one left from an earlier group, say of a module compiled no more, counts too)."""
    return sorted({p for suffix in importlib.machinery.EXTENSION_SUFFIXES for p in HERE.glob(f"*{suffix}")})


def _expected() -> set[str]:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return {f"{name}{suffix}" for name in (*COMPILED, GROUP + "__mypyc")}


def _current() -> bool:
    """True when the compiled group exists and was built from the sources on disk."""
    try:
        recorded = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("python") != sys.implementation.cache_tag:
        return False
    return recorded.get("sources") == digests() and {p.name for p in extensions()} == _expected()


class _SourcesFirst(importlib.abc.MetaPathFinder):
    """Finds the package's modules as their .py sources, ahead of any extension beside them."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 (importlib's protocol)
        package, _, name = fullname.rpartition(".")
        source = HERE / f"{name}.py"
        if package != PACKAGE or not source.is_file():
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def install() -> str:
    """Decides, once, whether the group's modules load compiled or from their sources."""
    global state
    if any(isinstance(f, _SourcesFirst) for f in sys.meta_path) or state == "compiled":
        return state
    if os.environ.get(PURE_ENV) == "1":
        state = "pure"
    elif _current():
        state = "compiled"
        return state
    elif extensions():
        state = "stale"
        warnings.warn("redaction: the compiled modules were built from other sources; running the Python "
                      "sources instead (rebuild with `make native`)", RuntimeWarning, stacklevel=2)
    else:
        state = "absent"
    sys.meta_path.insert(0, _SourcesFirst())
    return state


def loaded() -> dict[str, bool]:
    """Each group module that is imported: True when it runs compiled."""
    found = {}
    for name in COMPILED:
        module = sys.modules.get(f"{PACKAGE}.{name}")
        if module is not None:
            found[name] = not str(getattr(module, "__file__", "")).endswith(".py")
    return found


def summary() -> str:
    """One line: how the group was loaded and each module's form (bench/run.py prints it)."""
    return f"{state}: " + ", ".join(f"{n}={'C' if c else 'py'}" for n, c in loaded().items())
