"""Verifying credit reports (publish/report/verify.py, registry.py's throttle; `report verify`):
online and offline, by file, PDF and by number and code; every status; the lockouts, each on
its own, with the clock moved instead of sleeping. Day: AS_OF (2026-11-25), 10:00 in Beijing."""
import http.server
import json
import threading

import pytest

from publish.errors import PublishError
from publish.report import revocation
from publish.report.registry import THROTTLE, LookupLocked
from publish.report.signing import PURPOSE, TYP, canonical_payload, load_signed, signed_file_bytes
from publish.report.verify import (
    CERTIFIED,
    OFFLINE_REVOCATION,
    UNKNOWN_LOOKUP,
    RegisteredChecks,
    verify_offline,
)
from publish.report.verify import lookup as lookup_with
from publish.settings import REPORT_CLIENT_FAILURES, REPORT_NUMBER_FAILURES
from publish.signing_keys import KeyRing
from tests.report_support import (
    DAY,
    HOUR,
    MINUTE,
    NOW,
    NOW_ENV,
    SUBJECT,
    SUBJECT_NAME,
    clock,
    fresh_state,
    hand_made,
    make_build,
    office,
    pdf_with,
)
from tests.test_cli import assert_refused, clean_env, cli


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return make_build(tmp_path_factory.mktemp("report-build"))


@pytest.fixture
def state(tmp_path):
    return fresh_state(tmp_path)


@pytest.fixture
def issued(built, state):
    """A report issued now from the real content of the build."""
    with office(state) as o:
        return o.issue(built, SUBJECT)


def signed_bytes(issued) -> bytes:
    return issued.files.signed.read_bytes()


def jwks_of(state, purpose=PURPOSE):
    with KeyRing.open(state, clock()) as ring:
        return ring.public_jwks(purpose)


def checks(result) -> dict:
    return {c.check: c.ok for c in result.checks}


def lookup(state, no, code, client="198.51.100.7", delta=None):
    with office(state, delta if delta is not None else 0 * MINUTE) as o:
        return o.lookup(no, code, client)


# --- valid -------------------------------------------------------------------------------------

def test_a_fresh_report_verifies_online_offline_and_by_its_code(issued, state):
    data = signed_bytes(issued)
    with office(state) as o:
        online = o.verify_file(data)
        by_code = o.lookup(issued.report_no, issued.code, "198.51.100.7")
    offline = verify_offline(data, jwks_of(state), now=NOW)
    for result in (online, by_code, offline):
        assert result.status == "valid" and result.valid and result.report_no == issued.report_no
        summary = result.summary
        assert summary["subject"] == {"uscc": SUBJECT, "name": SUBJECT_NAME}
        assert summary["issue_day"] == "2026-11-25" and summary["period"]["years"] == 3
        assert summary["period"] == {"years": 3, "start": "2023-11-26", "end": "2026-11-25"}
        market = next(f for f in summary["fields"] if f["name"] == "市场监管")
        assert market["status"] == "found" and market["records"] == 1
        assert all(f["status"] in ("found", "clean", "no_data") for f in summary["fields"])
        assert result.as_json()["certified"] == CERTIFIED
    assert checks(online) == {"signature": True, "key": True, "key_state": True, "registry": True, "expiry": True,
                              "revocation": True}
    assert checks(by_code) == checks(online)
    # Offline: each check on its own; revocation is not known, and the answer says so.
    assert checks(offline) == {"signature": True, "key": True, "key_state": None, "expiry": True, "revocation": None}
    assert OFFLINE_REVOCATION in offline.notes
    assert json.loads(json.dumps(online.as_json(), ensure_ascii=False))["status"] == "valid"


def test_a_pdf_verifies_by_the_signed_file_it_carries_whatever_its_pages_say(issued, state):
    pdf = pdf_with(signed_bytes(issued))
    assert load_signed(pdf) == issued.report.signed
    with office(state) as o:
        assert o.verify_file(pdf).status == "valid"
    assert verify_offline(pdf, jwks_of(state), now=NOW).status == "valid"
    # Other pages (or metadata), the same signed file: still valid, and the summary is what counts.
    other = pdf_with(signed_bytes(issued), page_text="伪造的页面内容")
    assert other != pdf and verify_offline(other, jwks_of(state), now=NOW).summary["subject"]["uscc"] == SUBJECT


def test_a_pdf_without_a_signed_file_cannot_be_verified(state):
    with pytest.raises(PublishError) as caught:
        load_signed(pdf_with(None))
    assert caught.value.code == "pdf_without_signed_file"
    with pytest.raises(PublishError) as caught:
        load_signed(b"%PDF-1.7\n garbage")
    assert caught.value.code in ("pdf_unreadable", "pdf_without_signed_file")


def test_reports_signed_before_a_key_rotation_still_verify(built, state):
    with office(state) as o:
        before = o.issue(built, SUBJECT, content=hand_made)
    with KeyRing.open(state, clock()) as ring:
        ring.rotate(PURPOSE)
    with office(state, MINUTE) as o:
        after = o.issue(built, SUBJECT, content=hand_made)
        old, new = o.verify_file(signed_bytes(before)), o.verify_file(signed_bytes(after))
    assert before.report.kid != after.report.kid
    assert old.status == new.status == "valid"
    assert "已轮换" in old.check("key_state").message and new.check("key_state").message == "当前签名密钥"
    jwks = jwks_of(state)
    assert verify_offline(signed_bytes(before), jwks, now=NOW).status == "valid"
    assert verify_offline(signed_bytes(after), jwks, now=NOW + MINUTE).status == "valid"


# --- not valid ---------------------------------------------------------------------------------

def test_a_wrong_code_is_unknown_exactly_as_an_unknown_number(issued, state):
    wrong_code = "22222" + ("3" if issued.code[-1] != "3" else "4")
    wrong = lookup(state, issued.report_no, wrong_code)
    nobody = lookup(state, "20261125-2222-2222", issued.code)
    assert wrong.status == nobody.status == "unknown"
    assert wrong.summary is None and wrong.payload is None
    strip = lambda r: {k: v for k, v in r.as_json().items() if k != "report_no"}  # noqa: E731
    assert strip(wrong) == strip(nobody)
    assert wrong.as_json()["message"] == UNKNOWN_LOOKUP
    assert lookup(state, "not a number", issued.code).status == "unknown"


@pytest.mark.parametrize("part", [1, 2])   # the payload, the signature
def test_one_altered_byte_in_the_signed_file_is_tampered_and_shown_alone(issued, state, part):
    token = issued.report.signed
    segments = token.split(".")
    offset = sum(len(s) + 1 for s in segments[:part]) + len(segments[part]) // 2
    swapped = "A" if token[offset] != "A" else "B"
    altered = (token[:offset] + swapped + token[offset + 1:]).encode("ascii") + b"\n"
    with office(state) as o:
        online = o.verify_file(altered)
    offline = verify_offline(altered, jwks_of(state), now=NOW)
    for result in (online, offline):
        assert result.status == "tampered"
        assert [c.check for c in result.checks] == ["signature"] and result.checks[0].ok is False
        assert result.summary is None and result.report_no is None


@pytest.mark.parametrize("data", [b"", b"not a report", b"\xff\xfe\x00garbage", b"a.b.c"])
def test_a_file_that_is_no_signed_report_is_tampered(state, data):
    with office(state) as o:
        assert o.verify_file(data).status == "tampered"
    assert verify_offline(data, jwks_of(state), now=NOW).status == "tampered"


def test_an_altered_header_is_never_valid(issued, state):
    token = issued.report.signed
    for offset in range(0, token.index("."), 7):
        altered = token[:offset] + ("A" if token[offset] != "A" else "B") + token[offset + 1:]
        with office(state) as o:
            assert o.verify_file(altered).status in ("tampered", "unknown")
        assert verify_offline(altered, jwks_of(state), now=NOW).status in ("tampered", "unknown")


def test_an_expired_report(issued, state):
    later = 30 * DAY
    with office(state, later) as o:
        online = o.verify_file(signed_bytes(issued))
        by_code = o.lookup(issued.report_no, issued.code, "client")
    offline = verify_offline(signed_bytes(issued), jwks_of(state), now=NOW + later)
    for result in (online, by_code, offline):
        assert result.status == "expired" and result.check("expiry").ok is False and result.summary is None
        assert result.check("signature").ok is True
    with office(state, later - MINUTE) as o:
        assert o.verify_file(signed_bytes(issued)).status == "valid"


def test_a_revoked_report_shows_its_reason_sentence(issued, state):
    with office(state, HOUR) as o:
        o.revoke(issued.report_no, "content_corrected")
        online = o.verify_file(signed_bytes(issued))
        by_code = o.lookup(issued.report_no, issued.code, "client")
    sentence = revocation.reasons()["content_corrected"]
    for result in (online, by_code):
        assert result.status == "revoked" and result.summary is None
        assert result.check("revocation").ok is False and sentence in result.check("revocation").message
        assert result.revocation == {"code": "content_corrected", "sentence": sentence,
                                     "revoked_at": "2026-11-25T03:00:00+00:00"}
    offline = verify_offline(signed_bytes(issued), jwks_of(state), now=NOW + HOUR)
    assert offline.status == "valid" and offline.check("revocation").ok is None   # offline cannot know


def test_revoked_beats_expired(issued, state):
    with office(state) as o:
        o.revoke(issued.report_no, "issued_in_error")
    with office(state, 40 * DAY) as o:
        assert o.verify_file(signed_bytes(issued)).status == "revoked"


def test_an_unknown_number_signed_by_our_key_is_unknown_online(state):
    """A genuine signature over a number the registry never saw (a lost registry, a stolen key)."""
    iat = int(NOW.timestamp())
    with KeyRing.open(state, clock()) as ring:
        token = ring.sign_jws(canonical_payload("20261125-2222-2222", iat, iat + 3600, {"x": "y"}), PURPOSE, TYP)
    with office(state) as o:
        result = o.verify_file(token)
    assert result.status == "unknown" and result.check("registry").ok is False and result.summary is None


def test_a_file_that_differs_from_the_registered_one_is_tampered_online(issued, state):
    iat = int(NOW.timestamp())
    with KeyRing.open(state, clock()) as ring:
        other = ring.sign_jws(canonical_payload(issued.report_no, iat, iat + 86400, {"forged": "内容"}), PURPOSE, TYP)
    with office(state) as o:
        result = o.verify_file(other)
    assert result.status == "tampered" and result.check("signature").ok is True
    assert result.check("registry").ok is False and result.summary is None


def test_a_report_signed_with_a_retired_key(issued, state):
    with KeyRing.open(state, clock()) as ring:
        ring.retire(issued.report.kid, "compromised")
        ring.rotate(PURPOSE)
    with office(state, MINUTE) as o:
        online = o.verify_file(signed_bytes(issued))
        by_code = o.lookup(issued.report_no, issued.code, "client")
        assert o.status(o.registry.get(issued.report_no)) == "revoked"
    for result in (online, by_code):
        assert result.status == "revoked" and result.check("key_state").ok is False
        assert result.revocation["sentence"] == revocation.KEY_RETIRED
    offline = verify_offline(signed_bytes(issued), jwks_of(state), now=NOW + MINUTE)
    assert offline.status == "unknown" and offline.check("key").ok is False
    assert "请在线核验" in offline.check("key").message and offline.summary is None


def test_a_lookup_remembers_the_files_checks_but_reads_the_state_each_time(issued, state):
    """The signature and payload of a registered file are checked once (RegisteredChecks); the
    key's status, the revocation and the expiry never come from memory."""
    checks = RegisteredChecks()
    with office(state) as o:
        first = lookup_with(issued.report_no, issued.code, "c", o.ring, o.registry, now=NOW, checks=checks)
    with KeyRing.open(state, clock()) as ring:
        ring.retire(issued.report.kid, "compromised")
        ring.rotate(PURPOSE)
    with office(state, MINUTE) as o:
        retired = lookup_with(issued.report_no, issued.code, "c", o.ring, o.registry, now=NOW + MINUTE, checks=checks)
        o.revoke(issued.report_no, "issued_in_error")
        expired = lookup_with(issued.report_no, issued.code, "c", o.ring, o.registry, now=NOW + 40 * DAY, checks=checks)
    assert first.status == "valid" and first.summary is not None
    assert retired.status == "revoked" and retired.check("key_state").ok is False and retired.summary is None
    assert expired.status == "revoked" and expired.revocation["code"] == "issued_in_error"
    assert expired.check("expiry").ok is False
    assert len(checks._found) == 1          # one file, checked once


def test_a_token_key_presented_as_a_report_key(issued, state):
    with KeyRing.open(state, clock()) as ring:
        payload = canonical_payload("20261125-2222-2222", int(NOW.timestamp()), int(NOW.timestamp()) + 60,
                                    {"subject": {"uscc": SUBJECT}})
        token = ring.sign_jws(payload, "token", TYP)
        both = {"keys": ring.public_jwks(PURPOSE)["keys"] + ring.public_jwks("token")["keys"]}
    with office(state) as o:
        online = o.verify_file(token)
    offline = verify_offline(token, both, now=NOW)
    for result in (online, offline):
        assert result.status == "unknown" and result.check("key").ok is False and result.summary is None
        assert "token" in result.check("key").message


# --- the throttle ------------------------------------------------------------------------------

def wrong(issued) -> str:
    return "2222222"[:6] if issued.code != "222222" else "333333"


def test_the_sixth_wrong_code_locks_the_number_for_that_client(issued, state):
    for _ in range(REPORT_CLIENT_FAILURES):
        assert lookup(state, issued.report_no, wrong(issued), "198.51.100.7").status == "unknown"
    for code in (wrong(issued), issued.code):           # locked: even the right code
        with pytest.raises(LookupLocked) as caught:
            lookup(state, issued.report_no, code, "198.51.100.7")
        assert caught.value.code == "lookup_locked" and caught.value.retry_after == 3600
        assert caught.value.scope == "client"
    # Another client is not locked out, and the signed file still verifies.
    assert lookup(state, issued.report_no, issued.code, "203.0.113.9").status == "valid"
    with office(state) as o:
        assert o.verify_file(signed_bytes(issued)).status == "valid"


def test_guessing_in_parallel_gets_no_more_tries(issued, state):
    answers = []

    def guess(o):
        try:
            answers.append(o.lookup(issued.report_no, wrong(issued), "c").status)
        except LookupLocked:
            answers.append("locked")

    with office(state) as o:
        threads = [threading.Thread(target=guess, args=(o,)) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(answers) == ["locked"] * 15 + ["unknown"] * REPORT_CLIENT_FAILURES


def test_a_client_lock_lasts_an_hour(issued, state):
    for _ in range(REPORT_CLIENT_FAILURES):
        lookup(state, issued.report_no, wrong(issued), "c")
    with pytest.raises(LookupLocked) as caught:
        lookup(state, issued.report_no, issued.code, "c", delta=59 * MINUTE)
    assert caught.value.retry_after == 60
    assert lookup(state, issued.report_no, issued.code, "c", delta=HOUR).status == "valid"


def test_wrong_codes_are_counted_over_an_hour(issued, state):
    for _ in range(REPORT_CLIENT_FAILURES - 1):
        lookup(state, issued.report_no, wrong(issued), "c")
    for _ in range(REPORT_CLIENT_FAILURES - 1):
        lookup(state, issued.report_no, wrong(issued), "c", delta=HOUR)
    assert lookup(state, issued.report_no, issued.code, "c", delta=HOUR).status == "valid"


def test_a_right_code_forgives_the_clients_slips(issued, state):
    for _ in range(REPORT_CLIENT_FAILURES - 1):
        lookup(state, issued.report_no, wrong(issued), "c")
    assert lookup(state, issued.report_no, issued.code, "c").status == "valid"
    for _ in range(REPORT_CLIENT_FAILURES - 1):
        lookup(state, issued.report_no, wrong(issued), "c")
    assert lookup(state, issued.report_no, issued.code, "c").status == "valid"


def test_a_code_that_cannot_be_one_is_no_guess(issued, state):
    for typo in ("12345", "ABCDE", "ABCDEFG", "OOOOOO") * 3:
        assert lookup(state, issued.report_no, typo, "c").status == "unknown"
    assert lookup(state, issued.report_no, issued.code, "c").status == "valid"


def test_fifty_wrong_codes_from_all_clients_lock_code_lookups_of_the_number(issued, state):
    clients = [f"192.0.2.{i}" for i in range(REPORT_NUMBER_FAILURES)]
    for i in range(REPORT_NUMBER_FAILURES):          # each client stays under its own limit
        lookup(state, issued.report_no, wrong(issued), clients[i // (REPORT_CLIENT_FAILURES - 1)])
    with pytest.raises(LookupLocked) as caught:
        lookup(state, issued.report_no, issued.code, "a real verifier")
    assert caught.value.scope == "number" and caught.value.retry_after == 3600
    with office(state) as o:                          # the signed file and the PDF still verify
        assert o.verify_file(signed_bytes(issued)).status == "valid"
        assert o.verify_file(pdf_with(signed_bytes(issued))).status == "valid"
    assert lookup(state, issued.report_no, issued.code, "a real verifier", delta=HOUR).status == "valid"


def test_the_number_lock_is_per_number(built, state):
    with office(state) as o:
        a = o.issue(built, SUBJECT, content=hand_made)
        b = o.issue(built, SUBJECT, content=hand_made)
    for i in range(REPORT_NUMBER_FAILURES):
        lookup(state, a.report_no, wrong(a), f"client {i}")
    with pytest.raises(LookupLocked):
        lookup(state, a.report_no, a.code, "someone")
    assert lookup(state, b.report_no, b.code, "someone").status == "valid"


def test_a_number_never_issued_locks_alike(state):
    """Otherwise a lock would tell which numbers exist."""
    for _ in range(REPORT_CLIENT_FAILURES):
        assert lookup(state, "20261125-2222-2222", "333333", "c").status == "unknown"
    with pytest.raises(LookupLocked):
        lookup(state, "20261125-2222-2222", "333333", "c")


def test_the_file_urls_count_as_lookups(issued, state):
    with office(state) as o:
        opened = o.open_report(issued.report_no, issued.code.lower(), "c")
        assert opened.report.signed == issued.report.signed and opened.verification.status == "valid"
        for _ in range(REPORT_CLIENT_FAILURES - 1):
            assert o.open_report(issued.report_no, wrong(issued), "c") is None
        assert o.lookup(issued.report_no, wrong(issued), "c").status == "unknown"   # the fifth
        with pytest.raises(LookupLocked):
            o.open_report(issued.report_no, issued.code, "c")
        with pytest.raises(LookupLocked):
            o.lookup(issued.report_no, issued.code, "c")


def test_spent_throttle_rows_are_deleted(issued, state):
    for i in range(3):
        lookup(state, issued.report_no, wrong(issued), f"c{i}")
    with office(state) as o:
        assert o.registry.store.count(THROTTLE) == 4    # three clients and the number
    lookup(state, issued.report_no, wrong(issued), "later", delta=2 * HOUR)
    with office(state) as o:
        assert o.registry.store.count(THROTTLE) == 2


def test_the_client_is_kept_only_as_a_keyed_hash(issued, state):
    lookup(state, issued.report_no, wrong(issued), "198.51.100.77")
    with office(state) as o:
        clients = {r["client"] for r in o.registry.store.select(THROTTLE)}
    assert "198.51.100.77" not in clients and "*" in clients and len(clients) == 2
    assert b"198.51.100.77" not in (state / "state.db").read_bytes()


# --- the command line ----------------------------------------------------------------------------

def test_report_verify_offline_prints_the_summary_and_exits_0(issued, state, tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_of(state)), encoding="utf-8")
    env = clean_env(PUBLISH_NOW=NOW_ENV)
    for args in (["--jwks", jwks], []):                  # a JWKS file, or the state's published keys
        result = cli("--state", state, "report", "verify", issued.files.signed, *args, env=env)
        assert result.returncode == 0, result.stderr
        assert "valid" in result.stdout and SUBJECT_NAME in result.stdout and SUBJECT in result.stdout
        assert "签名摘要" in result.stdout and CERTIFIED in result.stdout and OFFLINE_REVOCATION in result.stdout
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_with(signed_bytes(issued)))
    result = cli("report", "verify", pdf, "--jwks", jwks, env=env)
    assert result.returncode == 0, result.stderr


def test_report_verify_fetches_the_jwks_from_a_url(issued, state):
    body = json.dumps(jwks_of(state)).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200 if self.path == "/.well-known/jwks.json" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
        result = cli("report", "verify", issued.files.signed, "--jwks", url, env=clean_env(PUBLISH_NOW=NOW_ENV))
        assert result.returncode == 0, result.stderr
    finally:
        server.shutdown()
        server.server_close()
    down = cli("report", "verify", issued.files.signed, "--jwks", url, env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert_refused(down, "jwks_unreachable", 2)


def test_report_verify_says_why_a_report_is_not_valid(issued, state, tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_of(state)), encoding="utf-8")
    token = issued.report.signed
    altered = tmp_path / "altered.jws"
    middle = len(token) // 2
    altered.write_bytes(signed_file_bytes(token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]))
    result = cli("report", "verify", altered, "--jwks", jwks, env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert_refused(result, "tampered", 1)
    assert "签名摘要" not in result.stdout
    later = clean_env(PUBLISH_NOW=(NOW + 31 * DAY).isoformat())
    assert_refused(cli("report", "verify", issued.files.signed, "--jwks", jwks, env=later), "expired", 1)
    with office(state) as o:
        o.revoke(issued.report_no, "subject_request")
    online = cli("--state", state, "report", "verify", "--online", issued.files.signed,
                 env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert_refused(online, "revoked", 1)
    assert revocation.reasons()["subject_request"] in online.stdout
    empty = tmp_path / "empty.json"
    empty.write_text('{"keys": []}', encoding="utf-8")
    unknown = cli("report", "verify", issued.files.signed, "--jwks", empty, env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert_refused(unknown, "unknown", 1)
    assert "请在线核验" in unknown.stdout


def test_report_verify_refuses_bad_input(issued, state, tmp_path):
    env = clean_env(PUBLISH_NOW=NOW_ENV)
    assert_refused(cli("report", "verify", tmp_path / "missing.jws", "--jwks", tmp_path / "x"), "file_missing", 2)
    assert_refused(cli("report", "verify", tmp_path, env=env), "not_a_file", 2)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert_refused(cli("report", "verify", issued.files.signed, "--jwks", bad, env=env), "jwks_invalid", 2)
    assert_refused(cli("report", "verify", issued.files.signed, "--jwks", tmp_path / "none.json", env=env),
                   "jwks_missing", 2)
    assert_refused(cli("--state", tmp_path / "nostate", "report", "verify", issued.files.signed, env=env),
                   "jwks_missing", 2)
    no_attachment = tmp_path / "plain.pdf"
    no_attachment.write_bytes(pdf_with(None))
    assert_refused(cli("--state", state, "report", "verify", no_attachment, env=env), "pdf_without_signed_file", 2)
