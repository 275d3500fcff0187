"""Issuing credit reports (publish/report/: numbers, signing, registry, issue; the command line's
`report issue`, `report list`, `report revoke`). Real state directories and keys, a real build;
the day is AS_OF (2026-11-25), 10:00 in Beijing, unless a test moves its clock."""
import base64
import json
import random
import re
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest
import rfc8785

from publish.errors import PublishError
from publish.report import numbers
from publish.report.issue import report_days
from publish.report.numbers import ALPHABET, new_code, new_report_no, normalise_code, normalise_report_no
from publish.report.registry import REPORTS, Registry
from publish.report.signing import TYP, PayloadError, canonical_payload
from publish.settings import DEFAULT_REPORT_DAYS, read_environment
from publish.signing_keys import KeyRing
from publish.state import STATE_DB, open_store
from tests.conftest import AS_OF
from tests.factories import id_number, uscc
from tests.report_support import (
    DAY,
    NOW,
    NOW_ENV,
    SUBJECT,
    SUBJECT_NAME,
    clock,
    fresh_state,
    hand_made,
    make_build,
    office,
)
from tests.test_cli import ROOT, assert_refused, clean_env, cli


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return make_build(tmp_path_factory.mktemp("report-build"))


@pytest.fixture
def state(tmp_path):
    return fresh_state(tmp_path)


NUMBER = r"\d{8}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}"


def segments(token: str) -> tuple[dict, bytes]:
    header, payload, _ = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(header))), base64.urlsafe_b64decode(pad(payload))


# --- numbers and codes ---------------------------------------------------------------------------

def test_the_alphabet_has_31_symbols_none_of_them_0_o_1_i_l():
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("0O1IL") & set(ALPHABET)


def test_a_number_is_the_issue_day_and_8_symbols_never_sequential():
    drawn = [new_report_no(AS_OF) for _ in range(300)]
    assert all(re.fullmatch(NUMBER, n) and n.startswith("20261125-") for n in drawn)
    assert len(set(drawn)) == 300
    codes = [new_code() for _ in range(300)]
    assert all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes) and len(set(codes)) > 290


def test_a_seeded_source_draws_the_same_numbers_and_the_code_never_follows_it():
    assert new_report_no(AS_OF, random.Random(7)) == new_report_no(AS_OF, random.Random(7))
    assert new_report_no(AS_OF, random.Random(7)) != new_report_no(AS_OF, random.Random(8))


def test_the_code_comes_from_secrets(monkeypatch):
    drawn = []
    monkeypatch.setattr(numbers.secrets, "choice", lambda seq: drawn.append(seq) or "K")
    assert new_code() == "KKKKKK" and drawn == [ALPHABET] * 6


@pytest.mark.parametrize("typed, written", [
    ("20261124-K7QF-3WXM", "20261124-K7QF-3WXM"),
    ("20261124k7qf3wxm", "20261124-K7QF-3WXM"),
    (" 20261124 K7QF 3WXM ", "20261124-K7QF-3WXM"),
    ("２０２６１１２４－Ｋ７ＱＦ－３ＷＸＭ", "20261124-K7QF-3WXM"),
    ("20261124-K7QF-3WXO", None),        # O is not a symbol
    ("20261124-K7QF-3WX", None),
    ("20261131-K7QF-3WXM", None),        # no such day
    ("", None), (None, None), ("x" * 100, None),
])
def test_numbers_are_read_as_people_type_them(typed, written):
    assert normalise_report_no(typed) == written


def test_codes_are_read_as_people_type_them():
    assert normalise_code(" k7q-f3w ") == "K7QF3W"
    assert normalise_code("K7QF3") is None and normalise_code("K7QF3O") is None


# --- the signed payload --------------------------------------------------------------------------

def test_the_payload_is_canonical_json_with_integer_times():
    payload = canonical_payload("20261125-K7QF-3WXM", 1_800_000_000, 1_800_000_100, {"b": "5.00", "a": ["中"]})
    assert payload == b'{"content":{"a":["\xe4\xb8\xad"],"b":"5.00"},"exp":1800000100,"iat":1800000000,' \
                      b'"report_no":"20261125-K7QF-3WXM"}'


@pytest.mark.parametrize("content", [{"fine": 3.5}, {"nested": [{"x": 1.0}]}, {"big": 2**60}, {1: "x"}])
def test_a_content_with_a_float_or_what_json_cannot_say_once_is_refused(content):
    with pytest.raises(PayloadError):
        canonical_payload("20261125-K7QF-3WXM", 1, 2, content)


# --- issuing -------------------------------------------------------------------------------------

def test_a_fresh_report_is_signed_registered_and_written(built, state):
    with office(state) as o:
        issued = o.issue(built, SUBJECT)
        row = o.registry.store.get(REPORTS, {"no": issued.report_no})
    out = issued.as_json()
    assert re.fullmatch(NUMBER, out["report_no"]) and out["report_no"].startswith("20261125-")
    assert set(out) >= {"report_no", "code", "path", "pdf", "html", "expires"}
    assert out["path"] == str(state / "reports" / out["report_no"] / "report.jws")
    assert out["pdf"].endswith("report.pdf") and out["html"].endswith("report.html")
    signed = issued.files.signed.read_text("ascii")
    assert signed.endswith("\n") and signed.strip() == row["signed"]
    assert stat.S_IMODE(issued.files.signed.stat().st_mode) == 0o600
    header, payload = segments(row["signed"])
    assert header == {"alg": "EdDSA", "typ": TYP, "kid": row["kid"]}
    data = json.loads(payload)
    assert rfc8785.dumps(data) == payload                     # canonical
    assert set(data) == {"report_no", "iat", "exp", "content"} and data["report_no"] == issued.report_no
    assert data["iat"] == int(NOW.timestamp()) and data["exp"] - data["iat"] == DEFAULT_REPORT_DAYS * 86400
    assert data["content"]["subject"]["uscc"] == SUBJECT and data["content"]["issue_day"] == AS_OF.isoformat()
    assert out["expires"] == "2026-12-25T02:00:00+00:00"
    assert row["uscc"] == SUBJECT and row["subject_name"] == SUBJECT_NAME and row["revoked_at"] is None
    # Only the code's keyed hash is kept: the code is nowhere in the state store.
    assert row["code_hash"] != issued.code and len(row["code_hash"]) == 64
    assert issued.code.encode() not in (state / STATE_DB).read_bytes()


def test_the_expiry_is_configurable(built, state, monkeypatch):
    with office(state, days=7) as o:
        issued = o.issue(built, SUBJECT, content=hand_made)
    assert issued.report.expires_at == "2026-12-02T02:00:00+00:00"
    monkeypatch.setenv("PUBLISH_REPORT_DAYS", "90")
    assert report_days(read_environment()) == 90
    for bad in ("0", "abc", "400"):
        monkeypatch.setenv("PUBLISH_REPORT_DAYS", bad)
        with pytest.raises(PublishError) as caught:
            report_days(read_environment())
        assert caught.value.code == "invalid_report_days"


def test_a_number_already_taken_is_drawn_again(built, state):
    with office(state) as o:
        first = o.issue(built, SUBJECT, content=hand_made, numbers=random.Random(7))
        second = o.issue(built, SUBJECT, content=hand_made, numbers=random.Random(7))
        rows = o.registry.store.select(REPORTS)
    seeded = random.Random(7)
    expected = [new_report_no(AS_OF, seeded) for _ in range(2)]
    assert [first.report_no, second.report_no] == expected
    assert len(rows) == 2


def test_a_source_that_only_draws_taken_numbers_gives_up_clearly(built, state):
    class Stuck:
        def choice(self, seq):
            return seq[0]
    with office(state) as o:
        o.issue(built, SUBJECT, content=hand_made, numbers=Stuck())
        with pytest.raises(PublishError) as caught:
            o.issue(built, SUBJECT, content=hand_made, numbers=Stuck())
        assert caught.value.code == "report_no_exhausted"
        assert len(o.reports()) == 1


TWO_ISSUERS = textwrap.dedent("""
    import datetime as dt, json, random, sys, time
    from pathlib import Path
    from publish.clock import SHANGHAI, Clock
    from publish.report.office import ReportOffice
    state, build, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    with ReportOffice.open(state, Clock.at(dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))) as office:
        print("ready", flush=True)
        while not go.exists():
            time.sleep(0.002)
        issued = office.issue(build, sys.argv[4], numbers=random.Random(7))
    print(json.dumps({"no": issued.report_no, "code": issued.code}))
""")


def test_two_processes_issuing_at_once_with_colliding_numbers_both_succeed(built, state, tmp_path):
    go = tmp_path / "go"
    env = clean_env()
    procs = [subprocess.Popen([sys.executable, "-c", TWO_ISSUERS, str(state), str(built), str(go), SUBJECT],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
             for _ in range(2)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    seeded = random.Random(7)
    assert sorted(r["no"] for r in results) == sorted(new_report_no(AS_OF, seeded) for _ in range(2))
    with office(state) as o:
        rows = o.registry.store.select(REPORTS)
        assert len(rows) == 2 and {r["no"] for r in rows} == {r["no"] for r in results}
        for r in results:   # each process's code opens its own report
            assert o.lookup(r["no"], r["code"], "client").status == "valid"


def test_the_registry_survives_a_restart(built, state):
    with office(state) as o:
        issued = o.issue(built, SUBJECT)
    listed = cli("--state", state, "report", "list", env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert listed.returncode == 0, listed.stderr
    assert issued.report_no in listed.stdout and SUBJECT in listed.stdout and "\tvalid\t" in listed.stdout
    online = cli("--state", state, "report", "verify", "--online", issued.files.signed,
                 env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert online.returncode == 0, online.stderr
    with office(state, DAY) as o:
        assert o.lookup(issued.report_no, issued.code, "client").status == "valid"


def test_a_stale_build_refuses_to_issue(tmp_path, state):
    build_dir = make_build(tmp_path, as_of=AS_OF)
    with office(state, DAY) as o:                     # the build is yesterday's: fine
        assert o.issue(build_dir, SUBJECT, content=hand_made).report_no.startswith("20261126-")
    with office(state, 2 * DAY) as o:                 # older than yesterday
        with pytest.raises(PublishError) as caught:
            o.issue(build_dir, SUBJECT, content=hand_made)
        assert caught.value.code == "build_stale" and "2026-11-25" in caught.value.message
        assert len(o.reports()) == 1
    result = cli("--state", state, "report", "issue", SUBJECT, "--build", build_dir,
                 env=clean_env(PUBLISH_NOW=(NOW + 2 * DAY).isoformat()))
    assert_refused(result, "build_stale", 2)


def test_a_build_without_its_date_is_stale_too(tmp_path, state):
    build_dir = make_build(tmp_path)
    db = build_dir.resolve() / "public.db"
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM build_info WHERE key = 'as_of'")
    conn.commit()
    conn.close()
    with office(state) as o, pytest.raises(PublishError) as caught:
        o.issue(build_dir, SUBJECT, content=hand_made)
    assert caught.value.code == "build_stale"


def test_the_renderer_hook_is_given_the_signed_file_the_paths_and_the_code(built, state):
    seen = []

    def render(token, files, code):
        seen.append((token, files, code))
        files.html.write_text("<html></html>", encoding="utf-8")

    with office(state, renderer=render) as o:
        issued = o.issue(built, SUBJECT, content=hand_made)
    assert seen == [(issued.report.signed, issued.files, issued.code)]
    assert issued.as_json()["rendered"] == {"html": True, "pdf": False}


# --- the command line ----------------------------------------------------------------------------

def test_report_issue_prints_one_json_object(built, state):
    result = cli("--state", state, "report", "issue", SUBJECT, "--build", built, "--years", "2",
                 "--fields", "market,tax", env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"report_no", "code", "path", "pdf", "html", "expires"} <= set(out)
    assert out["code"] in result.stderr and "只显示这一次" in result.stderr
    with office(state) as o:
        report = o.registry.get(out["report_no"])
        content = json.loads(segments(report.signed)[1])["content"]
    assert [f["code"] for f in content["fields"]] == ["market", "tax"] and content["period"]["years"] == 2
    assert (state / "reports" / out["report_no"] / "report.jws").is_file()
    # The renderings beside it: the printable page and the PDF carrying the signed file.
    assert out["rendered"] == {"html": True, "pdf": True}
    from publish.report.render import extract_signed

    with open(out["pdf"], "rb") as fh:
        assert extract_signed(fh.read()) == (state / "reports" / out["report_no"] / "report.jws").read_bytes()
    assert out["report_no"] in open(out["html"], encoding="utf-8").read()


def test_report_issue_builds_on_var_build_by_default(built, state, tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "build").symlink_to(built.resolve())
    result = cli("--state", state, "report", "issue", SUBJECT, env=clean_env(PUBLISH_NOW=NOW_ENV), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    missing = cli("--state", state, "report", "issue", SUBJECT, env=clean_env(PUBLISH_NOW=NOW_ENV), cwd=state)
    assert_refused(missing, "build_missing", 2)


def test_report_issue_without_keys_fails_clearly_and_makes_none(built, tmp_path):
    empty = tmp_path / "nothing"
    result = cli("--state", empty, "report", "issue", SUBJECT, "--build", built, env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert_refused(result, "keys_missing", 2)
    assert "keys init" in result.stderr
    assert not empty.exists() or not any(empty.iterdir())


def test_report_issue_without_a_current_report_key_fails_clearly(built, state):
    with KeyRing.open(state, clock()) as ring:
        ring.retire(ring.current_key("report").kid, "compromised")
    result = cli("--state", state, "report", "issue", SUBJECT, "--build", built, env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert_refused(result, "keys_missing", 2)
    with open_store(state, [REPORTS]) as store:
        assert store.count(REPORTS) == 0
    assert not (state / "reports").exists()


@pytest.mark.parametrize("subject, code", [("91360200000000001Y", "invalid_uscc"),
                                           (id_number(), "natural_person"),
                                           (uscc(999), "unknown_subject")])
def test_report_issue_refuses_what_the_content_refuses(built, state, subject, code):
    result = cli("--state", state, "report", "issue", subject, "--build", built, env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert_refused(result, code, 2)


def test_report_issue_refuses_bad_options(built, state):
    env = clean_env(PUBLISH_NOW=NOW_ENV)
    assert_refused(cli("--state", state, "report", "issue", SUBJECT, "--build", built, "--years", "0", env=env),
                   "bad_argument", 2)
    assert_refused(cli("--state", state, "report", "issue", SUBJECT, "--build", built, "--fields", ",", env=env),
                   "bad_argument", 2)
    assert_refused(cli("--state", state, "report", "issue", SUBJECT, "--build", built, "--years", "9", env=env),
                   "period_too_long", 2)
    assert_refused(cli("--state", state, "report", "issue", SUBJECT, "--build", built, "--fields", "nope", env=env),
                   "unknown_field", 2)
    assert_refused(cli("--state", state, "report", "issue", SUBJECT, "--build", built,
                       env=clean_env(PUBLISH_NOW=NOW_ENV, PUBLISH_REPORT_DAYS="x")), "invalid_report_days", 2)


def test_report_list_and_revoke(built, state):
    env = clean_env(PUBLISH_NOW=NOW_ENV)
    with office(state) as o:
        a = o.issue(built, SUBJECT, content=hand_made)
        b = o.issue(built, SUBJECT, content=lambda conn, u, **kw: {**hand_made(conn, u, **kw),
                                                                      "subject": {"uscc": "OTHER", "name": "别家"}})
    listed = cli("--state", state, "report", "list", "--uscc", SUBJECT.lower(), env=env)
    assert listed.returncode == 0 and a.report_no in listed.stdout and b.report_no not in listed.stdout
    assert a.code not in listed.stdout and b.code not in listed.stdout
    bad = cli("--state", state, "report", "revoke", a.report_no, "--reason", "because", env=env)
    assert_refused(bad, "invalid_revoke_reason", 2)
    assert "issued_in_error" in bad.stderr
    assert_refused(cli("--state", state, "report", "revoke", "20261125-2222-2222", "--reason", "superseded", env=env),
                   "unknown_report", 2)
    done = cli("--state", state, "report", "revoke", a.report_no.lower().replace("-", ""), "--reason", "superseded",
               env=env)
    assert done.returncode == 0, done.stderr
    assert a.report_no in done.stdout and "本报告已被新出具的报告替代" in done.stdout
    again = cli("--state", state, "report", "revoke", a.report_no, "--reason", "superseded", env=env)
    assert_refused(again, "report_already_revoked", 2)
    listed = cli("--state", state, "report", "list", env=env)
    line = next(x for x in listed.stdout.splitlines() if x.startswith(a.report_no))
    assert "\trevoked\t" in line and "superseded" in line
    later = cli("--state", state, "report", "list", env=clean_env(PUBLISH_NOW=(NOW + 40 * DAY).isoformat()))
    assert "\texpired\t" in next(x for x in later.stdout.splitlines() if x.startswith(b.report_no))


def test_report_commands_on_a_state_without_keys_are_clear(tmp_path):
    for args in (["list"], ["revoke", "20261125-2222-2222", "--reason", "superseded"]):
        assert_refused(cli("--state", tmp_path / "none", "report", *args), "keys_missing", 2)


def test_registry_open_needs_keys_init(tmp_path):
    with pytest.raises(PublishError) as caught:
        Registry.open(tmp_path / "none")
    assert caught.value.code == "state_missing" and not (tmp_path / "none").exists()
