"""Record keys and digests: stable across builds and processes, keyed, and computed from
what is published, never from the unmasked values."""
import hashlib
import hmac
import itertools
import os
import subprocess
import sys

import pytest

from publish.build import build
from publish.clock import Clock
from publish.errors import PublishError
from publish.recordkeys import canonical
from publish.signing_keys import initialise
from tests.conftest import AS_OF, rows
from tests.factories import PENALTY_HEADER, id_number, penalty, write_csv

PERSON = {"行政相对人名称": "李四", "行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": "",
          "法定代表人": "", "法定代表人证件号码": id_number("19850312", 45),
          "行政处罚决定书文号": "景市监罚〔2026〕7号"}


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    raw = tmp_path_factory.mktemp("keys") / "raw"
    write_csv(raw / "p.csv", [penalty(), penalty(**PERSON),
                              penalty(行政处罚决定书文号="景市监罚〔2026〕2号", 处罚内容="罚款人民币6万元")],
              PENALTY_HEADER)
    return raw


def keys_and_digests(out) -> dict:
    return {r["decision_no"]: (r["record_key"], r["digest"])
            for r in rows(out / "public.db", "SELECT decision_no, record_key, digest FROM penalties_records")}


def test_keys_and_digests_are_identical_across_builds_in_two_processes(raw, tmp_path, state_dir):
    build(raw, tmp_path / "here", AS_OF, progress=False, workers=1)
    subprocess.run([sys.executable, "-m", "publish", "--state", str(state_dir), "build", "--input", str(raw),
                    "--out", str(tmp_path / "there"), "--as-of", AS_OF.isoformat()],
                   check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    here, there = keys_and_digests(tmp_path / "here"), keys_and_digests(tmp_path / "there")
    assert here == there and len(here) == 3
    assert all(len(k) == 64 and len(d) == 64 for k, d in here.values())
    assert len({k for k, _ in here.values()}) == 3


def test_a_correction_keeps_its_key_and_changes_its_digest(raw, tmp_path):
    build(raw, tmp_path / "before", AS_OF, progress=False)
    corrected = tmp_path / "raw2"
    write_csv(corrected / "p.csv", [penalty(处罚内容="罚款人民币8万元")], PENALTY_HEADER)
    build(corrected, tmp_path / "after", AS_OF, progress=False)
    before, after = keys_and_digests(tmp_path / "before"), keys_and_digests(tmp_path / "after")
    number = "景市监罚〔2026〕1号"
    assert before[number][0] == after[number][0]
    assert before[number][1] != after[number][1]


def test_another_secret_gives_other_keys_and_the_same_digests(raw, tmp_path):
    other = tmp_path / "other-state"
    initialise(other, Clock.on(AS_OF))   # what `keys init` makes
    build(raw, tmp_path / "a", AS_OF, progress=False)
    build(raw, tmp_path / "b", AS_OF, progress=False, state_dir=other)
    a, b = keys_and_digests(tmp_path / "a"), keys_and_digests(tmp_path / "b")
    assert all(a[n][0] != b[n][0] and a[n][1] == b[n][1] for n in a)


def test_no_published_key_or_digest_comes_from_unmasked_values(raw, tmp_path):
    """Hash every combination of a record's raw cells (and its identity) in every way we
    could have: none of it is a published key or digest."""
    out = tmp_path / "out"
    build(raw, out, AS_OF, progress=False)
    published = {v for pair in keys_and_digests(out).values() for v in pair}
    for source in (penalty(), penalty(**PERSON)):
        values = list(source.values())
        candidates = [values, [v for v in values if v], list(source.items())]
        for n in (1, 2, 3):
            candidates += [list(c) for c in itertools.permutations(
                [source["处罚机关"], source["行政处罚决定书文号"], source["行政相对人代码_1(统一社会信用代码)"]
                 or source["行政相对人名称"], source["行政相对人名称"]], n)]
        for c in candidates:
            data = canonical(c)
            guesses = {hashlib.sha256(data).hexdigest(), hmac.new(b"", data, hashlib.sha256).hexdigest(),
                       hashlib.sha256(repr(tuple(c)).encode()).hexdigest()}
            assert not guesses & published, c
    # The natural person's name and ID never reach the database.
    person = rows(out / "public.db", "SELECT * FROM penalties_records WHERE subject_is_person = 1")[0]
    assert "李四" not in str(person) and PERSON["法定代表人证件号码"] not in str(person)


def test_a_build_without_the_record_key_secret_fails(raw, tmp_path):
    with pytest.raises(PublishError) as exc:
        build(raw, tmp_path / "out", AS_OF, progress=False, state_dir=tmp_path / "empty-state")
    assert exc.value.code == "state_missing"
    assert not (tmp_path / "out").exists()
