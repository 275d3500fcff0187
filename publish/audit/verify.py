"""Checking the chain: the first entry that was altered, removed, reordered or cut off.

The walk goes up the chain in seq order and stops at the first problem, in this order for
each entry: a gap in seq (`audit_entry_missing`: the missing seq is named), a previous-hash
link that is not the previous entry's hash (`audit_entry_out_of_order`: swapped, renumbered
or inserted), a hash that its content does not give (`audit_entry_altered`), a kept name that
its keyed hash does not match (`audit_name_altered`), a hash other than the one a signed
checkpoint recorded for that seq (`audit_checkpoint_mismatch`: the chain was rewritten and
re-hashed before it). Before the walk every checkpoint's signature is checked (`audit`
keys only; `audit_checkpoint_forged`); after it, a log shorter than its latest signed
checkpoint is `audit_entries_cut`. Only the signed payload of a checkpoint is trusted.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..clock import SHANGHAI
from ..errors import PublishError
from ..settings import AUDIT_VERIFY_PAGE
from ..signing_keys import KeyRing
from ..state import Reader, Row, gt, one_of
from .chain import GENESIS, entry_hash, hashed_fields, name_hash
from .entry import parse_instant_text
from .tables import CHECKPOINTS, ENTRIES, NAMES, row_int

CHECKPOINT_TYP = "audit-checkpoint+jws"

ENTRY_MISSING = "audit_entry_missing"
ENTRY_OUT_OF_ORDER = "audit_entry_out_of_order"
ENTRY_ALTERED = "audit_entry_altered"
NAME_ALTERED = "audit_name_altered"
CHECKPOINT_MISMATCH = "audit_checkpoint_mismatch"
CHECKPOINT_FORGED = "audit_checkpoint_forged"
ENTRIES_CUT = "audit_entries_cut"
PROBLEMS = (ENTRY_MISSING, ENTRY_OUT_OF_ORDER, ENTRY_ALTERED, NAME_ALTERED, CHECKPOINT_MISMATCH, CHECKPOINT_FORGED,
            ENTRIES_CUT)


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int                     # entries found sound, from seq 1 up
    first_bad: int | None = None     # the seq of the first bad (or missing) entry, or the checkpoint's
    problem: str | None = None       # one of PROBLEMS
    message: str = ""                # Chinese, naming the seq, the instant and what is wrong
    at: str | None = None            # the bad entry's instant (for a missing one: the next entry's)
    head: int = 0                    # the log's last seq
    checkpoint: int | None = None    # the seq the latest signed checkpoint covers
    checkpoint_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Signed:
    seq: int
    hash: str
    at: str


class _Bad(Exception):
    def __init__(self, problem: str, seq: int, at: str | None, message: str):
        super().__init__(message)
        self.problem, self.seq, self.at, self.message = problem, seq, at, message


def _when(at: object) -> str:
    """Beijing time to the second (an audit trail is read by the second)."""
    try:
        instant = parse_instant_text(str(at))
    except ValueError:
        return str(at) if at else "时间不明"
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"


def _signed_checkpoints(reader: Reader, ring: KeyRing) -> list[_Signed]:
    """Every checkpoint's signed payload, oldest first; _Bad at the first that does not verify."""
    signed: list[_Signed] = []
    for row in reader.select(CHECKPOINTS, order_by="seq"):
        where = f"覆盖到第 {row_int(row, 'seq')} 条的检查点（签于 {_when(row['at'])}）"
        try:
            payload = json.loads(ring.verify_jws(str(row["jws"]), "audit", CHECKPOINT_TYP).payload)
        except PublishError as exc:
            raise _Bad(CHECKPOINT_FORGED, row_int(row, "seq"), str(row["at"]),
                       f"{where}签名无效：{exc.message}：检查点被伪造或改动过") from None
        except ValueError:
            payload = None
        if not (isinstance(payload, dict) and payload.get("log") == "audit" and isinstance(payload.get("seq"), int)
                and isinstance(payload.get("hash"), str) and isinstance(payload.get("at"), str)):
            raise _Bad(CHECKPOINT_FORGED, row_int(row, "seq"), str(row["at"]),
                       f"{where}的签名内容不是审计日志检查点：检查点被伪造或改动过")
        signed.append(_Signed(payload["seq"], payload["hash"], payload["at"]))
    return signed


def _string_list(text: object) -> list[str] | None:
    try:
        value = json.loads(str(text))
    except ValueError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def _check_entry(row: Row, expected: int, prev: str, names: list[Row], key: bytes,
                 signed: Mapping[int, _Signed]) -> str:
    """The entry's hash when it is sound; _Bad otherwise."""
    seq, at = row_int(row, "seq"), str(row["at"])
    label = f"第 {seq} 条审计记录（{_when(at)}）"
    if seq != expected:
        before = (f"第 {expected - 1} 条之后直接是第 {seq} 条（{_when(at)}）" if expected > 1
                  else f"日志从第 {seq} 条（{_when(at)}）开始")
        raise _Bad(ENTRY_MISSING, expected, str(at),
                   f"第 {expected} 条审计记录缺失（{before}）：记录被删除了")
    if row["prev_hash"] != prev:
        raise _Bad(ENTRY_OUT_OF_ORDER, expected, str(at),
                   f"{label}所记的前一散列与第 {expected - 1} 条的散列不符：记录被调换了顺序、删除后重新编号或插入过"
                   if expected > 1 else f"{label}不是日志的第一条（它的前一散列不是起点）：记录被调换或插入过")
    usccs, hashes = _string_list(row["usccs"]), _string_list(row["name_hashes"])
    try:
        if usccs is None or hashes is None:
            raise ValueError("not a list of strings")
        digest = entry_hash(prev, hashed_fields(expected, {**row, "usccs": usccs}, hashes))
    except (ValueError, TypeError, KeyError):
        digest = ""
    if digest != row["hash"]:
        raise _Bad(ENTRY_ALTERED, expected, str(at), f"{label}的内容与其散列不符：记录写入后被改动过")
    assert hashes is not None
    for name in names:
        position = name["position"]
        if not (isinstance(position, int) and 0 <= position < len(hashes)
                and name_hash(key, str(name["salt"]), str(name["name"])) == hashes[position]):
            raise _Bad(NAME_ALTERED, expected, str(at), f"{label}所记的查询名称与其散列不符：名称被改动过")
    checkpoint = signed.get(expected)
    if checkpoint is not None and checkpoint.hash != digest:
        raise _Bad(CHECKPOINT_MISMATCH, expected, str(at), f"{label}的散列与签名检查点（签于 {_when(checkpoint.at)}）"
                                                           "所记的不符：此前的记录被改动后整段重算过散列")
    return digest


def verify_chain(reader: Reader, ring: KeyRing, key: bytes) -> VerifyReport:
    """The whole chain checked (read inside one read transaction for a consistent view)."""
    checked, last = 0, 0
    newest = reader.select(ENTRIES, order_by="-seq", limit=1)
    head = row_int(newest[0], "seq") if newest else 0
    latest: _Signed | None = None
    try:
        signed = _signed_checkpoints(reader, ring)
        latest = signed[-1] if signed else None
        by_seq = {s.seq: s for s in signed}
        prev = GENESIS
        while True:
            rows = reader.select(ENTRIES, {"seq": gt(last)}, order_by="seq", limit=AUDIT_VERIFY_PAGE)
            if not rows:
                break
            names: dict[object, list[Row]] = {}
            for name in reader.select(NAMES, {"seq": one_of(*(r["seq"] for r in rows))}):
                names.setdefault(name["seq"], []).append(name)
            for row in rows:
                prev = _check_entry(row, checked + 1, prev, names.get(row["seq"], []), key, by_seq)
                checked += 1
            last = row_int(rows[-1], "seq")
        if latest is not None and latest.seq > checked:
            raise _Bad(ENTRIES_CUT, checked + 1, latest.at,
                       f"签名检查点（签于 {_when(latest.at)}）覆盖到第 {latest.seq} 条，而日志只到第 {checked} 条："
                       f"第 {checked + 1} 条起的 {latest.seq - checked} 条记录被删掉了")
    except _Bad as bad:
        return VerifyReport(ok=False, checked=checked, first_bad=bad.seq, problem=bad.problem, message=bad.message,
                            at=bad.at, head=head, checkpoint=latest.seq if latest else None,
                            checkpoint_at=latest.at if latest else None)
    return VerifyReport(ok=True, checked=checked, head=head, checkpoint=latest.seq if latest else None,
                        checkpoint_at=latest.at if latest else None,
                        message=f"{checked} 条记录的散列链无误" + (
                            f"，签名检查点覆盖到第 {latest.seq} 条（签于 {_when(latest.at)}）" if latest else
                            "，尚无签名检查点"))
