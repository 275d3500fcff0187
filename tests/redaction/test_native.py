"""The compiled modules (redaction/native.py) answer what their sources answer, and a compiled
module built from other sources is never loaded. (Pure functions: no clock is involved.)

`make test` builds the extensions first and sets PUBLISH_REQUIRE_NATIVE=1, so there these
tests run on compiled code; run by hand without `make native`, the comparison is skipped.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from redaction import native

ROOT = Path(__file__).resolve().parents[2]

# Everything the build takes from the group, on the three corpora and the bench's records,
# digested: one line of output per process.
DIGEST = r"""
import hashlib, json, sys
from redaction import native
from redaction.detectors import detect
from redaction.evaluate import PENALTY_ROLES, generate_corpus, penalty_records
from redaction.mask import mask
from redaction.name_corpus import generate_name_corpus
from redaction.particulars_corpus import generate_particulars_corpus
from redaction.policy import redact_record

out = hashlib.sha256()
count = 0
for values, person in penalty_records(3000, seed=7):
    r = redact_record(values, PENALTY_ROLES, person)
    out.update(json.dumps([r.values, r.personal_values, r.secrets, r.dropped], ensure_ascii=False,
                          default=str).encode())
    count += 1
for corpus in (generate_corpus(1500, seed=3), generate_name_corpus(1500, seed=3),
               generate_particulars_corpus(1500, seed=3)):
    for example in corpus:
        spans = detect(example.text, example.context)
        out.update(json.dumps([[tuple(s) for s in spans], mask(example.text, spans)],
                              ensure_ascii=False).encode())
        count += 1
print(json.dumps({"state": native.state, "loaded": native.loaded(), "count": count, "digest": out.hexdigest()}))
"""


def _run(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    environment.update(env)
    environment["PYTHONPATH"] = str(cwd)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=600)


def _compiled_here() -> bool:
    if native.state == "compiled":
        return True
    if os.environ.get("PUBLISH_REQUIRE_NATIVE") == "1":
        pytest.fail(f"the compiled modules are not loaded ({native.state}): run `make native`")
    pytest.skip("the compiled modules are not built here (`make native`)")


def test_the_compiled_modules_answer_what_the_sources_answer():
    _compiled_here()
    compiled = _run(DIGEST, ROOT)
    pure = _run(DIGEST, ROOT, **{native.PURE_ENV: "1"})
    assert compiled.returncode == 0, compiled.stderr
    assert pure.returncode == 0, pure.stderr
    c, p = json.loads(compiled.stdout), json.loads(pure.stdout)
    assert c["state"] == "compiled" and all(c["loaded"].values()) and set(c["loaded"]) == set(native.COMPILED)
    assert p["state"] == "pure" and not any(p["loaded"].values())
    assert c["count"] == p["count"] == 3000 + 4500
    assert c["digest"] == p["digest"]


STATUS = "from redaction import native, policy; print(native.summary())"


@pytest.fixture
def package_copy(tmp_path):
    """A copy of the package with its extensions, as a checkout that was compiled."""
    _compiled_here()
    shutil.copytree(ROOT / "redaction", tmp_path / "redaction", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_a_copy_built_from_these_sources_loads_compiled(package_copy):
    result = _run(STATUS, package_copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("compiled:") and "=py" not in result.stdout
    assert "RuntimeWarning" not in result.stderr


def test_an_edited_source_makes_the_whole_group_load_from_source(package_copy):
    # A source edited after the build (a checkout, a fix): its extension, and every other of
    # the group (they call one another inside the shared library), must not run.
    source = package_copy / "redaction" / "person_names.py"
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    result = _run(STATUS, package_copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("stale:") and "=C" not in result.stdout
    assert "make native" in result.stderr


def test_a_missing_manifest_or_extension_loads_from_source(package_copy):
    (package_copy / "redaction" / "_native.json").unlink()
    assert _run(STATUS, package_copy).stdout.startswith("stale:")
    # (Rebuilt manifest, but one module's extension gone: still not the group.)
    manifest = {"python": sys.implementation.cache_tag, "sources": native.digests()}
    (package_copy / "redaction" / "_native.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _run(STATUS, package_copy).stdout.startswith("compiled:")
    next((package_copy / "redaction").glob("spans.*.so")).unlink()
    assert _run(STATUS, package_copy).stdout.startswith("stale:")


def test_the_pure_switch_loads_every_module_from_source(package_copy):
    result = _run(STATUS, package_copy, **{native.PURE_ENV: "1"})
    assert result.stdout.startswith("pure:") and "=C" not in result.stdout


def test_an_extension_left_from_a_module_compiled_no_more_is_never_loaded(package_copy):
    # (An extension of memo.py, say from a group that once held it, would shadow its source.)
    assert "memo" not in native.COMPILED
    package = package_copy / "redaction"
    stray = next(package.glob("spans.*.so"))
    shutil.copy(stray, package / stray.name.replace("spans", "memo", 1))
    result = _run(STATUS + "; import redaction.memo as m; print(m.__file__)", package_copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("stale:") and result.stdout.strip().endswith("memo.py")


def test_every_dataclass_of_the_group_crosses_to_a_worker_process():
    # The scan's and the build's workers send these back pickled; compiled, a frozen dataclass
    # refuses to be unpickled field by field (native.frozen_reduce rebuilds it instead). A
    # dataclass added to the group fails here until it has an example.
    import dataclasses
    import importlib
    import pickle

    from redaction.check import Problem
    from redaction.detectors import Context
    from redaction.mask import DEFAULT_MASKS
    from redaction.scan import Finding

    examples = {"Problem": Problem("facts", "phone", "phone_in_output", "电话号码"),
                "Context": Context(("张三",), ("秘方",), ("张三水果店",), ("110101199003071234",)),
                "Masks": DEFAULT_MASKS,
                "Finding": Finding("penalties", "facts", 7, "phone", "138****"),}
    found = {cls.__name__ for name in native.COMPILED
             for cls in vars(importlib.import_module(f"redaction.{name}")).values()
             if isinstance(cls, type) and cls.__module__ == f"redaction.{name}" and dataclasses.is_dataclass(cls)}
    assert found == set(examples)
    for example in examples.values():
        assert pickle.loads(pickle.dumps(example)) == example
