"""Signing keys and JWS (publish/signing_keys.py): real files, real Ed25519, the clock fixed.
The command line's side of keys is at the end."""
import base64
import datetime as dt
import json
import logging
import os
import stat
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.api_jws import PyJWS

from publish import __main__ as cli_main
from publish.clock import SHANGHAI, Clock
from publish.errors import PublishError
from publish.logs import HANDLER_NAME
from publish.signing_keys import (
    ALGORITHM,
    KEYS,
    PURPOSES,
    KeyRing,
    b64url,
    initialise,
    okp_jwk,
    thumbprint,
    verify_jws,
)
from publish.state import STATE_DB, open_store
from tests.test_cli import ROOT, assert_refused, clean_env, cli

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
NOW_ENV = NOW.isoformat()
TYP = "test-report+jws"

# RFC 8037, Appendix A.1 (the private key), A.2 (its public key), A.3 (its thumbprint), A.4
# (the JWS of "Example of Ed25519 signing" under it).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_JWS = ("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
               "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")


def clock() -> Clock:
    return Clock.at(NOW)


@pytest.fixture
def state(tmp_path):
    path = tmp_path / "state"
    initialise(path, clock())
    return path


@pytest.fixture
def ring(state):
    with KeyRing.open(state, clock()) as r:
        yield r


def refused(code: str, call, *args, **kw) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call(*args, **kw)
    assert caught.value.code == code, caught.value
    return caught.value


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def segments(token: str) -> list[str]:
    return token.split(".")


def b64json(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


# --- thumbprints, RFC 8037 -------------------------------------------------------------------

def test_kid_is_the_rfc_7638_thumbprint_of_rfc_8037s_example_key():
    assert thumbprint({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}) == RFC8037_KID
    # member order and extra members do not change it
    assert thumbprint({"x": RFC8037_X, "kid": "whatever", "crv": "Ed25519", "kty": "OKP", "use": "sig"}) == RFC8037_KID
    private = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC8037_D + "="))
    assert okp_jwk(private) == {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}


def test_pyjwt_reproduces_rfc_8037s_signature_and_our_verifier_wants_kid_and_typ():
    private = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC8037_D + "="))
    assert PyJWS().decode(RFC8037_JWS, private.public_key(), algorithms=[ALGORITHM]) == b"Example of Ed25519 signing"
    jwks = {"keys": [{**okp_jwk(private), "kid": RFC8037_KID, "purpose": "report"}]}
    refused("jws_typ", verify_jws, RFC8037_JWS, "report", TYP, jwks)   # no typ in its header


# --- keys init: files, modes, idempotence -----------------------------------------------------

def test_init_makes_a_private_file_per_purpose_in_private_directories(state):
    assert mode(state) == 0o700 and mode(state / "keys") == 0o700
    assert mode(state / "record-key.secret") == 0o600 and mode(state / STATE_DB) == 0o600
    with KeyRing.open(state, clock()) as ring:
        kids = set()
        for purpose in PURPOSES:
            assert mode(state / "keys" / purpose) == 0o700
            key = ring.current_key(purpose)
            path = state / "keys" / purpose / f"{key.kid}.pem"
            assert mode(path) == 0o600 and path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            assert thumbprint(okp_jwk(loaded)) == key.kid == key.info.kid                  # kid = thumbprint
            assert key.info.status == "current" and key.info.purpose == purpose
            assert dt.datetime.fromisoformat(key.info.created_at) == NOW                  # the project clock
            kids.add(key.kid)
        assert len(kids) == 3


def test_private_material_is_only_in_the_key_files(state):
    with KeyRing.open(state, clock()) as ring:
        privates = [ring.current_key(p).private_key for p in PURPOSES]
    stored = b"".join(p.read_bytes() for p in state.iterdir() if p.name.startswith(STATE_DB))
    for private in privates:
        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        assert raw not in stored and b64url(raw).encode() not in stored and raw.hex().encode() not in stored
        assert okp_jwk(private)["x"].encode() in stored   # the public half is


def snapshot(state) -> dict:
    return {str(p.relative_to(state)): p.read_bytes() for p in sorted(state.rglob("*"))
            if p.is_file() and not p.name.startswith(STATE_DB)}


def test_init_twice_creates_nothing_new(state):
    before = snapshot(state)
    steps = initialise(state, Clock.at(NOW + dt.timedelta(days=3)))
    assert [s.what for s in steps] == ["record-key", *PURPOSES]
    assert not any(s.created for s in steps)
    assert snapshot(state) == before
    with KeyRing.open(state) as ring:
        assert len(ring.keys()) == 3


def test_two_inits_at_once_make_one_key_per_purpose(tmp_path):
    state = tmp_path / "fresh"
    env = clean_env(PUBLISH_NOW=NOW_ENV)
    procs = [subprocess.Popen([sys.executable, "-m", "publish", "--state", str(state), "keys", "init"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    with KeyRing.open(state) as ring:
        keys = ring.keys()
    assert sorted(k.purpose for k in keys) == sorted(PURPOSES) and {k.status for k in keys} == {"current"}
    assert sorted(p.name for p in (state / "keys").rglob("*.pem")) == sorted(f"{k.kid}.pem" for k in keys)


def test_without_init_there_are_no_keys_and_nothing_is_made(tmp_path):
    refused("keys_missing", KeyRing.open, tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "old").mkdir()   # a state of the groundwork issue: the record-key secret only
    (tmp_path / "old" / "record-key.secret").write_text("00" * 32)
    error = refused("keys_missing", KeyRing.open, tmp_path / "old")
    assert "keys init" in error.message and str(tmp_path / "old") in error.message
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == ["record-key.secret"]


# --- signing and verifying ------------------------------------------------------------------

def test_a_signed_payload_verifies_offline_and_online(ring):
    payload = "报告 №1".encode() + bytes(range(256))     # arbitrary bytes
    token = ring.sign_jws(payload, "report", TYP)
    header = json.loads(base64.urlsafe_b64decode(segments(token)[0] + "=="))
    current = ring.current_key("report")
    assert header == {"alg": "EdDSA", "kid": current.kid, "typ": TYP}
    offline = verify_jws(token, "report", TYP, ring.public_jwks("report"))
    assert offline.payload == payload and offline.kid == current.kid and offline.key_status is None
    assert verify_jws(token, "report", TYP, ring.public_jwks("report")["keys"]).payload == payload  # a bare list
    online = ring.verify_jws(token, "report", TYP)
    assert online.payload == payload and online.key_status == "current"
    assert verify_jws(token, "report", TYP.upper(), ring.public_jwks("report")).payload == payload  # typ: any case


def test_the_jwks_is_public_and_per_purpose(ring):
    jwks = ring.public_jwks("report")
    assert json.loads(json.dumps(jwks)) == jwks
    [jwk] = jwks["keys"]
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use", "purpose"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"], jwk["purpose"]) == ("OKP", "Ed25519", "EdDSA", "sig",
                                                                                  "report")
    assert jwk["kid"] == thumbprint(jwk) == ring.current_key("report").kid
    assert jwk["kid"] != ring.public_jwks("token")["keys"][0]["kid"]


def test_an_altered_byte_fails(ring):
    token = ring.sign_jws(b'{"report_no": "R-0001", "uscc": "91350100M000100Y43"}', "report", TYP)
    jwks = ring.public_jwks("report")
    head, body, sig = segments(token)
    middle = len(body) // 2
    flipped = body[:middle] + ("A" if body[middle] != "A" else "B") + body[middle + 1:]
    assert refused("jws_signature", verify_jws, f"{head}.{flipped}.{sig}", "report", TYP, jwks)
    assert refused("jws_signature", ring.verify_jws, f"{head}.{flipped}.{sig}", "report", TYP)
    other_body = b64url(b'{"report_no": "R-0001", "uscc": "91350100M000100Y44"}')
    refused("jws_signature", verify_jws, f"{head}.{other_body}.{sig}", "report", TYP, jwks)
    sig_flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    refused("jws_signature", verify_jws, f"{head}.{body}.{sig_flipped}", "report", TYP, jwks)
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    refused("jws_signature", verify_jws, f"{b64json({**header, 'x5u': 'http://evil'})}.{body}.{sig}", "report",
            TYP, jwks)


def test_typ_mismatch_fails(ring):
    token = ring.sign_jws(b"x", "report", TYP)
    refused("jws_typ", verify_jws, token, "report", "other+jws", ring.public_jwks("report"))
    refused("jws_typ", ring.verify_jws, token, "report", "other+jws")
    head, body, sig = segments(token)
    no_typ = b64json({"alg": "EdDSA", "kid": ring.current_key("report").kid})
    refused("jws_typ", verify_jws, f"{no_typ}.{body}.{sig}", "report", TYP, ring.public_jwks("report"))


def test_only_eddsa_is_accepted(ring):
    kid = ring.current_key("report").kid
    jwks = ring.public_jwks("report")
    hs256 = PyJWS().encode(b"x", "a-secret-long-enough-for-hmac-sha256!", algorithm="HS256",
                           headers={"kid": kid, "typ": TYP})
    refused("jws_alg", verify_jws, hs256, "report", TYP, jwks)
    none = f"{b64json({'alg': 'none', 'kid': kid, 'typ': TYP})}.{b64url(b'x')}."
    refused("jws_alg", verify_jws, none, "report", TYP, jwks)
    refused("jws_alg", ring.verify_jws, none, "report", TYP)


def test_malformed_tokens_are_refused(ring):
    jwks = ring.public_jwks("report")
    for token in ("", "abc", "a.b", "a.b.c.d", "!!!.e30.AA", f"{b64url(b'[1]')}.e30.AA"):
        refused("jws_malformed", verify_jws, token, "report", TYP, jwks)
    no_kid = f"{b64json({'alg': 'EdDSA', 'typ': TYP})}.{b64url(b'x')}.AA"
    refused("jws_malformed", verify_jws, no_kid, "report", TYP, jwks)


def test_a_key_of_another_purpose_cannot_verify(ring):
    token = ring.sign_jws(b"bank token", "token", TYP)
    token_kid = ring.current_key("token").kid
    refused("jws_wrong_purpose", verify_jws, token, "report", TYP, ring.public_jwks("token"))
    refused("jws_unknown_key", verify_jws, token, "report", TYP, ring.public_jwks("report"))
    mixed = {"keys": ring.public_jwks("report")["keys"] + ring.public_jwks("token")["keys"]}
    refused("jws_wrong_purpose", verify_jws, token, "report", TYP, mixed)
    refused("jws_wrong_purpose", ring.verify_jws, token, "report", TYP)
    assert ring.key_status(token_kid, "report") == "wrong_purpose"
    assert ring.key_status(token_kid, "token") == "current"
    assert verify_jws(token, "token", TYP, ring.public_jwks("token")).payload == b"bank token"
    # a JWKS entry without a purpose is not trusted for any
    unmarked = {"keys": [{k: v for k, v in jwk.items() if k != "purpose"} for jwk in ring.public_jwks("token")["keys"]]}
    refused("jws_wrong_purpose", verify_jws, token, "token", TYP, unmarked)


def test_a_forged_signature_under_our_kid_and_a_forged_jwks_fail(ring):
    kid = ring.current_key("report").kid
    forger = Ed25519PrivateKey.generate()
    forged = PyJWS().encode(b"forged", forger, algorithm="EdDSA", headers={"kid": kid, "typ": TYP})
    refused("jws_signature", verify_jws, forged, "report", TYP, ring.public_jwks("report"))
    refused("jws_signature", ring.verify_jws, forged, "report", TYP)
    # a JWKS that puts the forger's key under our kid: the kid is not its thumbprint
    fake = {"keys": [{**ring.public_jwks("report")["keys"][0], "x": okp_jwk(forger)["x"]}]}
    refused("jwks_invalid", verify_jws, forged, "report", TYP, fake)
    refused("jws_unknown_key", ring.verify_jws,
            PyJWS().encode(b"x", forger, algorithm="EdDSA", headers={"kid": thumbprint(okp_jwk(forger)), "typ": TYP}),
            "report", TYP)


def test_unknown_purposes_are_refused_everywhere(ring):
    for call, args in ((ring.current_key, ("x",)), (ring.public_jwks, ("x",)), (ring.rotate, ("x",)),
                       (ring.sign_jws, (b"", "x", TYP)), (ring.key_status, ("kid", "x")),
                       (verify_jws, ("a.b.c", "x", TYP, {"keys": []}))):
        refused("unknown_purpose", call, *args)


# --- rotate, retire ---------------------------------------------------------------------------

def test_rotate_makes_a_new_current_key_and_keeps_the_old_public_key(ring, state):
    old = ring.current_key("report")
    signed_before = ring.sign_jws(b"before", "report", TYP)
    ring.clock = Clock.at(NOW + dt.timedelta(days=30))
    made, replaced = ring.rotate("report")
    assert [r.kid for r in replaced] == [old.kid] and replaced[0].status == "rotated"
    assert ring.current_key("report").kid == made.kid != old.kid
    assert ring.key_status(old.kid, "report") == "rotated" and ring.key_status(made.kid, "report") == "current"
    assert dt.datetime.fromisoformat(ring.key(old.kid).rotated_at) == NOW + dt.timedelta(days=30)
    jwks = ring.public_jwks("report")
    assert [k["kid"] for k in jwks["keys"]] == [made.kid, old.kid]     # the current key first
    assert verify_jws(signed_before, "report", TYP, jwks).payload == b"before"
    assert ring.verify_jws(signed_before, "report", TYP).key_status == "rotated"
    after = ring.sign_jws(b"after", "report", TYP)
    assert verify_jws(after, "report", TYP, jwks).kid == made.kid
    assert (state / "keys" / "report" / f"{made.kid}.pem").exists()
    assert ring.current_key("token").info.status == "current"          # other purposes untouched
    assert len(ring.public_jwks("token")["keys"]) == 1


def test_retire_takes_the_key_out_of_the_jwks(ring, state):
    old = ring.current_key("report")
    signed = ring.sign_jws(b"signed by a key that leaked", "report", TYP)
    made, _ = ring.rotate("report")
    retired, was_current = ring.retire(old.kid, "compromised")
    assert not was_current and retired.status == "retired" and retired.retire_reason == "compromised"
    assert dt.datetime.fromisoformat(retired.retired_at) == NOW
    assert ring.key_status(old.kid, "report") == "retired"
    jwks = ring.public_jwks("report")
    assert [k["kid"] for k in jwks["keys"]] == [made.kid]
    error = refused("jws_unknown_key", verify_jws, signed, "report", TYP, jwks)   # offline: "check online"
    assert "在线核验" in error.message
    assert ring.verify_jws(signed, "report", TYP).key_status == "retired"        # online: revoked, says the caller
    assert not (state / "keys" / "report" / f"{old.kid}.pem").exists()           # it never signs again
    assert [k.kid for k in ring.keys("report") if k.status == "retired"] == [old.kid]  # its record stays
    refused("key_already_retired", ring.retire, old.kid, "again")
    refused("unknown_kid", ring.retire, "no-such-kid", "x")
    refused("invalid_reason", ring.retire, made.kid, "  ")
    refused("invalid_reason", ring.retire, made.kid, "x" * 201)
    assert ring.key_status("no-such-kid", "report") == "unknown"


def test_retiring_the_current_key_stops_signing_until_a_new_key_is_made(ring, state):
    current = ring.current_key("token")
    retired, was_current = ring.retire(current.kid, "leaked in a log")
    assert was_current
    error = refused("keys_missing", ring.sign_jws, b"x", "token", TYP)
    assert "keys init" in error.message
    assert ring.public_jwks("token") == {"keys": []}
    steps = {s.what: s for s in initialise(state, clock())}
    assert steps["token"].created and not steps["report"].created                # init makes what is missing
    with KeyRing.open(state, clock()) as fresh:
        assert fresh.current_key("token").kid != current.kid


def test_a_failed_rotation_leaves_no_key_file(ring, state, monkeypatch):
    before = sorted((state / "keys" / "report").iterdir())
    monkeypatch.setattr(type(ring.store), "_transaction", _failing_commit(type(ring.store)._transaction))
    with pytest.raises(RuntimeError):
        ring.rotate("report")
    monkeypatch.undo()
    assert sorted((state / "keys" / "report").iterdir()) == before
    assert len(ring.keys("report")) == 1


def _failing_commit(transaction):
    """The store's transaction, failing at its commit (after the key file was written)."""
    from contextlib import contextmanager

    @contextmanager
    def failing(self, begin, writable):
        with transaction(self, begin, writable) as ops:
            yield ops
            raise RuntimeError("commit failed")
    return failing


# --- the key files ------------------------------------------------------------------------------

def test_a_key_file_others_can_read_is_refused(state):
    with KeyRing.open(state, clock()) as ring:
        path = ring.key_path("report", ring.current_key("report").kid)
    os.chmod(path, 0o644)
    with KeyRing.open(state, clock()) as ring:
        error = refused("key_file_insecure", ring.sign_jws, b"x", "report", TYP)
    assert "chmod 600" in error.message


def test_a_missing_or_swapped_key_file_is_a_clear_error(state):
    with KeyRing.open(state, clock()) as ring:
        report = ring.key_path("report", ring.current_key("report").kid)
        token = ring.key_path("token", ring.current_key("token").kid)
    report_bytes = report.read_bytes()
    report.unlink()
    with KeyRing.open(state, clock()) as ring:
        refused("key_file_missing", ring.current_key, "report")
    report.write_bytes(token.read_bytes())
    os.chmod(report, 0o600)
    with KeyRing.open(state, clock()) as ring:
        refused("key_file_mismatch", ring.current_key, "report")
    report.write_bytes(b"not a key")
    with KeyRing.open(state, clock()) as ring:
        refused("key_file_unreadable", ring.current_key, "report")
    report.write_bytes(report_bytes)
    with KeyRing.open(state, clock()) as ring:
        assert ring.sign_jws(b"x", "report", TYP)


def test_the_metadata_lives_in_the_state_store(state):
    with open_store(state, [KEYS]) as store:
        rows = store.select(KEYS)
    assert sorted(r["purpose"] for r in rows) == sorted(PURPOSES)
    assert {r["status"] for r in rows} == {"current"}


# --- the command line -----------------------------------------------------------------------------

def run(*args, state, **env):
    return cli("--state", state, *args, env=clean_env(PUBLISH_NOW=NOW_ENV, **env))


def test_cli_keys_init_prints_the_state_and_what_it_made_then_nothing(tmp_path):
    first = cli("--state", "st", "keys", "init", cwd=tmp_path, env=clean_env(PUBLISH_NOW=NOW_ENV))
    assert first.returncode == 0, first.stderr
    state = (tmp_path / "st").resolve()
    assert first.stdout.splitlines()[0] == f"状态目录 (state)：{state}"
    assert first.stdout.count("已创建 (created)") == 4
    for label in ("记录密钥", "签名密钥（信用报告）", "签名密钥（接口令牌）", "签名密钥（审计日志）"):
        assert label in first.stdout
    assert str(state / "keys" / "report") in first.stdout
    again = run("keys", "init", state=state)
    assert again.returncode == 0 and again.stdout.count("已存在，未改动 (exists)") == 4
    assert "已创建" not in again.stdout and "nothing to do" in again.stdout


def test_cli_keys_list_shows_kid_purpose_status_and_created_never_secrets(state):
    listed = run("keys", "list", state=state)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == f"状态目录 (state)：{state}"
    assert "kid\tpurpose\tstatus\tcreated\tnote" in lines
    with KeyRing.open(state) as ring:
        for purpose in PURPOSES:
            kid = ring.current_key(purpose).kid
            assert f"{kid}\t{purpose}\tcurrent\t2026-11-25 10:00（北京时间）\t" in lines
        privates = [ring.current_key(p).private_key for p in PURPOSES]
    secret = (state / "record-key.secret").read_text().strip()
    output = listed.stdout + listed.stderr
    assert secret not in output and "PRIVATE KEY" not in output
    for private in privates:
        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        assert b64url(raw) not in output and raw.hex() not in output


def test_cli_keys_rotate_and_retire(state):
    # (A kid is a base64url thumbprint: one in 64 starts with "-", so kids go after "--".)
    with KeyRing.open(state) as ring:
        old = ring.current_key("report").kid
    rotated = run("keys", "rotate", "--purpose", "report", state=state)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.splitlines()[0] == f"状态目录 (state)：{state}"
    assert "已轮换 (rotated)" in rotated.stdout and old in rotated.stdout
    with KeyRing.open(state) as ring:
        new = ring.current_key("report").kid
        assert new != old and new in rotated.stdout and ring.key_status(old, "report") == "rotated"
    retired = run("keys", "retire", "--reason", "泄露 compromised", "--", old, state=state)
    assert retired.returncode == 0, retired.stderr
    assert retired.stdout.splitlines()[0] == f"状态目录 (state)：{state}"
    assert "已停用 (retired)" in retired.stdout and "revoked" in retired.stdout and not retired.stderr
    listed = run("keys", "list", state=state).stdout
    assert f"{old}\treport\tretired\t" in listed and "原因：泄露 compromised" in listed
    assert f"{new}\treport\tcurrent\t" in listed
    with KeyRing.open(state) as ring:
        current = ring.current_key("audit").kid
    last = run("keys", "retire", "--reason", "compromised", "--", current, state=state)
    assert last.returncode == 0 and "现在没有当前密钥" in last.stderr and "keys rotate --purpose audit" in last.stderr


def test_cli_keys_commands_in_process_use_the_project_clock(state, monkeypatch, capsys):
    monkeypatch.setenv("PUBLISH_NOW", "2027-01-02T03:04:05+08:00")
    try:
        assert cli_main.main(["--state", str(state), "keys", "rotate", "--purpose", "token"]) == 0
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
            root.removeHandler(handler)
            handler.close()
    assert f"状态目录 (state)：{state}" in capsys.readouterr().out
    with KeyRing.open(state) as ring:
        info = ring.current_key("token").info
    assert dt.datetime.fromisoformat(info.created_at) == dt.datetime(2027, 1, 2, 3, 4, 5, tzinfo=SHANGHAI)


KEY_ERRORS = [
    # (arguments, code, what the message says)
    (["keys", "rotate"], "bad_argument", "缺少必需的参数：--purpose"),
    (["keys", "rotate", "--purpose", "bogus"], "unknown_purpose", "未知的密钥用途"),
    (["keys", "rotate", "--purpose"], "bad_argument", "需要一个值"),
    (["keys", "retire", "--reason", "x"], "bad_argument", "缺少必需的参数：KID"),
    (["keys", "retire", "some-kid"], "bad_argument", "缺少必需的参数：--reason"),
    (["keys", "retire", "no-such-kid", "--reason", "x"], "unknown_kid", "没有这个密钥"),
    (["keys", "retire", "--reason", "x", "--", "-starts-with-a-dash"], "unknown_kid", "-starts-with-a-dash"),
    (["keys", "retire", "{report}", "--reason", " "], "invalid_reason", "停用原因"),
    (["keys", "frobnicate"], "bad_argument", "未知命令"),
]


@pytest.mark.parametrize("args, code, says", KEY_ERRORS, ids=[" ".join(a) for a, _, _ in KEY_ERRORS])
def test_cli_keys_errors_are_clear(args, code, says, state):
    with KeyRing.open(state) as ring:
        report = ring.current_key("report").kid
    result = run(*[a.format(report=report) for a in args], state=state)
    assert_refused(result, code, exit_code=2)
    assert says in result.stderr


def test_cli_keys_without_init_is_keys_missing_and_makes_nothing(tmp_path):
    state = tmp_path / "empty"
    for args in (["keys", "rotate", "--purpose", "report"], ["keys", "retire", "abc", "--reason", "x"]):
        result = run(*args, state=state)
        assert_refused(result, "keys_missing", exit_code=2)
        assert "keys init" in result.stderr
    assert not state.exists()
    listed = run("keys", "list", state=state)
    assert listed.returncode == 0 and "签名密钥\t缺失 (missing)" in listed.stdout and not state.exists()


def test_cli_retiring_a_retired_key_is_refused(state):
    with KeyRing.open(state, clock()) as ring:
        kid = ring.current_key("audit").kid
        ring.retire(kid, "compromised")
    result = run("keys", "retire", "--reason", "again", "--", kid, state=state)
    assert_refused(result, "key_already_retired", exit_code=2)
    assert "2026-11-25 10:00（北京时间）" in result.stderr
