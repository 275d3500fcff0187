"""The state directory's Ed25519 signing keys, each with a purpose, and compact JWS over bytes.

- A key is made only by `keys init` (a purpose without a current key gets one) and
  `keys rotate`; nothing else creates one (`report issue` without a key is `keys_missing`: a
  key made silently in another directory would sign what the server cannot verify).
- Its private half is a PEM file (PKCS#8, 0600) at `<state>/keys/<purpose>/<kid>.pem`, in
  directories of 0700; everything else (purpose, status, times, the public `x`) is in the
  state store's `signing_keys` table. The key id is the RFC 7638 thumbprint of its public JWK.
- Purposes: `report` (credit reports), `token` (API tokens), `audit` (the audit log). A
  verifier accepts only keys of its own purpose; the JWS header carries `alg` (EdDSA, the only
  one accepted), `kid` and `typ` (checked).
- Status: `current` (signs; one per purpose), `rotated` (no longer signs, still published so
  what it signed still verifies), `retired` (compromised: out of the published keys, its
  private file deleted; online verification reports its signatures as from a retired key, the
  caller says `revoked`; offline, its kid is unknown: "check online").

Online (the server, with the state): `KeyRing.open(state_dir, clock)`, then `sign_jws`,
`verify_jws`, `public_jwks`, `key_status`. Offline (a JWKS in hand): `verify_jws(token,
purpose, typ, jwks)`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidSignatureError, InvalidTokenError

from .clock import Clock
from .errors import PublishError
from .state import Column, Index, Row, Store, Table, open_store
from .times import beijing_display

PURPOSES = ("report", "token", "audit")
PURPOSE_NAMES = {"report": "信用报告", "token": "接口令牌", "audit": "审计日志"}
ALGORITHM = "EdDSA"
KEYS_DIR = "keys"
CURRENT, ROTATED, RETIRED = "current", "rotated", "retired"
UNKNOWN, WRONG_PURPOSE = "unknown", "wrong_purpose"   # key_status() beside the three above
STATUS_NAMES = {CURRENT: "当前", ROTATED: "已轮换", RETIRED: "已停用"}
MAX_REASON_CHARS = 200

KEYS = Table("signing_keys", (
    Column("kid", nullable=False),
    Column("purpose", nullable=False),
    Column("status", nullable=False),
    Column("x", nullable=False),            # the public key (JWK `x`); the private half is only in its file
    Column("created_at", nullable=False),   # ISO instants from the project clock
    Column("rotated_at"),
    Column("retired_at"),
    Column("retire_reason"),
), primary_key=("kid",), indexes=(Index(("purpose", "status")),))

# Why a JWS was refused (JWSError.code). A report verifier reads jws_signature as `tampered`,
# jws_unknown_key offline as "unknown key, check online".
JWS_MALFORMED = "jws_malformed"
JWS_ALG = "jws_alg"
JWS_TYP = "jws_typ"
JWS_UNKNOWN_KEY = "jws_unknown_key"
JWS_WRONG_PURPOSE = "jws_wrong_purpose"
JWS_SIGNATURE = "jws_signature"
JWKS_INVALID = "jwks_invalid"


class JWSError(PublishError):
    """A JWS that does not verify; `code` is one of the JWS_* codes above."""


# --- JWK, thumbprints --------------------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members of an OKP key (crv, kty, x) as JSON with
    no white space, members in lexicographic order; base64url without padding."""
    if jwk.get("kty") != "OKP":
        raise ValueError("only OKP keys (Ed25519) are thumbprinted here")
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"),
                           sort_keys=True, ensure_ascii=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def _raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def okp_jwk(key: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, str]:
    """The public JWK's required members."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(_raw_public(key))}


def _public_key(jwk: Mapping[str, Any], kid: str) -> Ed25519PublicKey:
    """The key of a JWKS entry, after checking it is an Ed25519 key whose kid is its thumbprint."""
    try:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise ValueError("not an Ed25519 key")
        raw = b64url_decode(jwk["x"])
        if len(raw) != 32 or thumbprint(jwk) != kid:
            raise ValueError("x is not 32 bytes, or kid is not its thumbprint")
        return Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise JWSError(JWKS_INVALID, f"公钥集中的密钥 {kid} 无效（{exc}）") from exc


# --- keys --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyInfo:
    """A key's public facts (never its private half)."""
    kid: str
    purpose: str
    status: str
    x: str
    created_at: str
    rotated_at: str | None = None
    retired_at: str | None = None
    retire_reason: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> KeyInfo:
        return cls(**{k: v for k, v in row.items()})  # type: ignore[arg-type]

    def row(self) -> dict[str, str | None]:
        return {"kid": self.kid, "purpose": self.purpose, "status": self.status, "x": self.x,
                "created_at": self.created_at, "rotated_at": self.rotated_at, "retired_at": self.retired_at,
                "retire_reason": self.retire_reason}

    @property
    def jwk(self) -> dict[str, str]:
        """The public JWK as published: RFC 8037's members, kid, alg, use, and our `purpose`."""
        return {"kty": "OKP", "crv": "Ed25519", "x": self.x, "kid": self.kid, "alg": ALGORITHM, "use": "sig",
                "purpose": self.purpose}


@dataclass(frozen=True)
class SigningKey:
    info: KeyInfo
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def kid(self) -> str:
        return self.info.kid


@dataclass(frozen=True)
class VerifiedJWS:
    payload: bytes
    header: dict[str, Any]
    kid: str
    key_status: str | None = None   # online verification: current, rotated or retired


def check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise PublishError("unknown_purpose", f"未知的密钥用途：{purpose}（可选：{'、'.join(PURPOSES)}）")
    return purpose


def check_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text or len(text) > MAX_REASON_CHARS or any(ord(c) < 32 for c in text):
        raise PublishError("invalid_reason", f"停用原因应为 1–{MAX_REASON_CHARS} 个字符的一行文字：{reason!r}")
    return text


# --- JWS ---------------------------------------------------------------------------------------

_JWS = PyJWS(algorithms=[ALGORITHM])


def checked_header(token: str | bytes, typ: str) -> dict[str, Any]:
    try:
        header = _JWS.get_unverified_header(token)
    except (InvalidTokenError, ValueError, TypeError) as exc:
        raise JWSError(JWS_MALFORMED, f"不是有效的紧凑 JWS（{exc}）") from exc
    if header.get("alg") != ALGORITHM:
        raise JWSError(JWS_ALG, f"签名算法应为 {ALGORITHM}，而不是 {header.get('alg')!r}")
    # RFC 7515 4.1.9: typ is compared without regard to case.
    if not isinstance(header.get("typ"), str) or header["typ"].lower() != typ.lower():
        raise JWSError(JWS_TYP, f"JWS 类型（typ）应为 {typ}，而不是 {header.get('typ')!r}")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise JWSError(JWS_MALFORMED, "JWS 头部缺少密钥标识（kid）")
    return header


def verified_with(token: str | bytes, header: dict[str, Any], key: Ed25519PublicKey) -> VerifiedJWS:
    try:
        decoded = _JWS.decode_complete(token, key=key, algorithms=[ALGORITHM])
    except InvalidSignatureError as exc:
        raise JWSError(JWS_SIGNATURE, "签名不符：内容在签名后被改动过，或不是这把密钥签的") from exc
    except (InvalidTokenError, ValueError, TypeError) as exc:
        raise JWSError(JWS_MALFORMED, f"不是有效的紧凑 JWS（{exc}）") from exc
    return VerifiedJWS(payload=decoded["payload"], header=header, kid=header["kid"])


def verify_jws(token: str | bytes, purpose: str, typ: str,
               jwks: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> VerifiedJWS:
    """Offline verification against a JWKS (`{"keys": [...]}` or the list): the header's alg
    (EdDSA), typ and kid, the key's purpose and thumbprint, then the signature. A key that is
    not in the set (a retired one, say) is `jws_unknown_key`: "check online"."""
    check_purpose(purpose)
    header = checked_header(token, typ)
    kid = header["kid"]
    keys = jwks.get("keys", []) if isinstance(jwks, Mapping) else jwks
    found = [k for k in keys if isinstance(k, Mapping) and k.get("kid") == kid]
    if not found:
        raise JWSError(JWS_UNKNOWN_KEY, f"签名密钥 {kid} 不在公钥集中（它可能已停用）：请在线核验")
    jwk = found[0]
    if jwk.get("purpose") != purpose:
        raise JWSError(JWS_WRONG_PURPOSE, f"密钥 {kid} 的用途是 {jwk.get('purpose')!r}，不是 {purpose}")
    return verified_with(token, header, _public_key(jwk, kid))


# --- files -------------------------------------------------------------------------------------

def _private_dir(path: Path) -> None:
    if os.path.lexists(path) and not path.is_dir():
        raise PublishError("state_not_a_dir", f"应为目录：{path}")
    if not path.exists():
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
        os.chmod(path, 0o700)


def _write_private(path: Path, data: bytes) -> None:
    """Creates `path` (0600, never replacing a file), its bytes on disk before it returns."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class KeyRing:
    """The signing keys of one state directory. `KeyRing.open(state_dir, clock)`; close it (or
    use it as a context manager). Safe to share between threads."""

    def __init__(self, store: Store, state_dir: Path, clock: Clock | None = None):
        self.store = store
        self.state_dir = state_dir
        self.clock = clock or Clock.system()
        self._private: dict[str, Ed25519PrivateKey] = {}

    @classmethod
    def open(cls, state_dir: Path, clock: Clock | None = None, *, create: bool = False) -> KeyRing:
        """The state's keys; `keys_missing` when the state has no store (only `keys init`
        passes `create`)."""
        try:
            store = open_store(state_dir, [KEYS], create=create)
        except PublishError as exc:
            if exc.code != "state_missing":
                raise
            raise PublishError("keys_missing", f"状态目录中没有签名密钥：{state_dir}（请先运行 "
                                               f"python -m publish --state {state_dir} keys init）") from None
        return cls(store, state_dir, clock)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> KeyRing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    def key_path(self, purpose: str, kid: str) -> Path:
        return self.state_dir / KEYS_DIR / purpose / f"{kid}.pem"

    # --- reading ---------------------------------------------------------------------------
    def keys(self, purpose: str | None = None) -> list[KeyInfo]:
        """Every key (of a purpose), by purpose then age."""
        where = {"purpose": check_purpose(purpose)} if purpose else None
        rows = self.store.select(KEYS, where, order_by=("purpose", "created_at", "kid"))
        return [KeyInfo.from_row(r) for r in rows]

    def key(self, kid: str) -> KeyInfo | None:
        row = self.store.get(KEYS, {"kid": kid})
        return KeyInfo.from_row(row) if row else None

    def key_status(self, kid: str, purpose: str) -> str:
        """current, rotated, retired, unknown (no such key) or wrong_purpose."""
        check_purpose(purpose)
        info = self.key(kid)
        if info is None:
            return UNKNOWN
        return info.status if info.purpose == purpose else WRONG_PURPOSE

    def public_jwks(self, purpose: str) -> dict[str, list[dict[str, str]]]:
        """The published keys of a purpose, the current one first: current and rotated keys,
        never a retired one."""
        infos = [i for i in self.keys(purpose) if i.status != RETIRED]
        current = [i for i in infos if i.status == CURRENT]
        older = sorted((i for i in infos if i.status != CURRENT), key=lambda i: i.created_at, reverse=True)
        return {"keys": [i.jwk for i in current + older]}

    def current_key(self, purpose: str) -> SigningKey:
        rows = self.store.select(KEYS, {"purpose": check_purpose(purpose), "status": CURRENT})
        if not rows:
            raise PublishError("keys_missing", f"没有用途为 {purpose}（{PURPOSE_NAMES[purpose]}）的当前签名密钥："
                                               f"{self.state_dir}（请运行 python -m publish --state {self.state_dir} "
                                               "keys init 或 keys rotate）")
        info = KeyInfo.from_row(rows[0])
        return SigningKey(info, self._load_private(info))

    def _load_private(self, info: KeyInfo) -> Ed25519PrivateKey:
        cached = self._private.get(info.kid)
        if cached is not None:
            return cached
        path = self.key_path(info.purpose, info.kid)
        try:
            mode = path.stat().st_mode
            data = path.read_bytes()
        except FileNotFoundError:
            raise PublishError("key_file_missing", f"签名私钥文件不见了：{path}（从备份恢复状态目录，"
                                                   f"或运行 keys rotate --purpose {info.purpose}）") from None
        if stat.S_IMODE(mode) & 0o077:
            raise PublishError("key_file_insecure", f"签名私钥文件的权限过宽（{oct(stat.S_IMODE(mode))}）：{path}"
                                                    "（应为 0600：chmod 600）")
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise PublishError("key_file_unreadable", f"签名私钥文件无法读取：{path}（{exc}）") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise PublishError("key_file_unreadable", f"签名私钥文件不是 Ed25519 密钥：{path}")
        if okp_jwk(key)["x"] != info.x:
            raise PublishError("key_file_mismatch", f"签名私钥文件与状态数据库中的公钥不符：{path}")
        self._private[info.kid] = key
        return key

    # --- signing and verifying -------------------------------------------------------------
    def sign_jws(self, payload: bytes, purpose: str, typ: str) -> str:
        """A compact JWS of `payload` under the purpose's current key (`keys_missing` without one)."""
        key = self.current_key(purpose)
        return _JWS.encode(payload, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": typ})

    def verify_jws(self, token: str | bytes, purpose: str, typ: str) -> VerifiedJWS:
        """Online verification: any key of the purpose this state ever had, retired ones too
        (`key_status` then says `retired`: the caller answers `revoked`)."""
        check_purpose(purpose)
        header = checked_header(token, typ)
        info = self.key(header["kid"])
        if info is None:
            raise JWSError(JWS_UNKNOWN_KEY, f"签名密钥 {header['kid']} 不是本系统的密钥")
        if info.purpose != purpose:
            raise JWSError(JWS_WRONG_PURPOSE, f"密钥 {info.kid} 的用途是 {info.purpose}，不是 {purpose}")
        verified = verified_with(token, header, Ed25519PublicKey.from_public_bytes(b64url_decode(info.x)))
        return replace(verified, key_status=info.status)

    # --- making, rotating, retiring --------------------------------------------------------
    def _new_key_file(self, purpose: str) -> tuple[KeyInfo, Path]:
        private = Ed25519PrivateKey.generate()
        jwk = okp_jwk(private)
        kid = thumbprint(jwk)
        _private_dir(self.state_dir / KEYS_DIR)
        _private_dir(self.state_dir / KEYS_DIR / purpose)
        path = self.key_path(purpose, kid)
        _write_private(path, private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
        self._private[kid] = private
        return KeyInfo(kid=kid, purpose=purpose, status=CURRENT, x=jwk["x"], created_at=self._now()), path

    def _make_current(self, purpose: str, *, rotate: bool) -> tuple[KeyInfo | None, list[KeyInfo]]:
        """(the new key or None, the keys it replaced), in one write transaction; a key file
        whose record was not committed is removed again."""
        check_purpose(purpose)
        made: Path | None = None
        try:
            with self.store.write() as tx:
                current = [KeyInfo.from_row(r) for r in tx.select(KEYS, {"purpose": purpose, "status": CURRENT})]
                if current and not rotate:
                    return None, current
                info, made = self._new_key_file(purpose)
                now = self._now()
                for old in current:
                    tx.update(KEYS, {"kid": old.kid}, {"status": ROTATED, "rotated_at": now})
                tx.insert(KEYS, info.row())
        except BaseException:
            if made is not None:
                made.unlink(missing_ok=True)
            raise
        return info, [replace(old, status=ROTATED, rotated_at=now) for old in current]

    def ensure_current(self, purpose: str) -> tuple[KeyInfo, bool]:
        """(the purpose's current key, whether it was made now)."""
        made, current = self._make_current(purpose, rotate=False)
        return (made, True) if made is not None else (current[0], False)

    def rotate(self, purpose: str) -> tuple[KeyInfo, list[KeyInfo]]:
        """A new current key; the previous one becomes `rotated` and stays published."""
        made, replaced = self._make_current(purpose, rotate=True)
        assert made is not None
        return made, replaced

    def retire(self, kid: str, reason: str) -> tuple[KeyInfo, bool]:
        """(the retired key, whether it was the current one). The key leaves the published
        keys and its private file is deleted; its record stays (online verification names it)."""
        reason = check_reason(reason)
        with self.store.write() as tx:
            row = tx.get(KEYS, {"kid": kid})
            if row is None:
                raise PublishError("unknown_kid", f"没有这个密钥：{kid}（用 python -m publish keys list 查看）")
            info = KeyInfo.from_row(row)
            if info.status == RETIRED:
                when = beijing_display(info.retired_at)
                raise PublishError("key_already_retired", f"密钥 {kid} 已于 {when} 停用（原因：{info.retire_reason}）")
            retired = replace(info, status=RETIRED, retired_at=self._now(), retire_reason=reason)
            tx.update(KEYS, {"kid": kid}, {"status": RETIRED, "retired_at": retired.retired_at,
                                           "retire_reason": reason})
        self._private.pop(kid, None)
        self.key_path(info.purpose, kid).unlink(missing_ok=True)
        return retired, info.status == CURRENT


# --- keys init ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class InitStep:
    """One thing `keys init` looked for: what, where, and whether it made it now."""
    what: str          # record-key, or a purpose
    label: str         # 记录密钥, 签名密钥（信用报告）…
    location: str      # a path, or a kid and its file
    created: bool


def initialise(state_dir: Path, clock: Clock | None = None) -> list[InitStep]:
    """`keys init`: creates whatever the state directory lacks (the record-key secret, the
    state store, a current key of every purpose) and nothing else; idempotent."""
    from .secrets import ensure_record_key_secret, ensure_state_dir

    ensure_state_dir(state_dir)
    path, created = ensure_record_key_secret(state_dir)
    steps = [InitStep("record-key", "记录密钥", str(path), created)]
    with KeyRing.open(state_dir, clock, create=True) as ring:
        for purpose in PURPOSES:
            info, made = ring.ensure_current(purpose)
            steps.append(InitStep(purpose, f"签名密钥（{PURPOSE_NAMES[purpose]}）",
                                  f"{info.kid}  {ring.key_path(purpose, info.kid)}", made))
    return steps
