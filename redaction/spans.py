"""Spans: what a detector found, where (Presidio's recognizer result, reduced to what we need)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

KINDS = (
    "id_number", "phone", "bank_card", "email", "document_number", "bank_account", "account", "birth_date", "plate",
    "person_name", "address", "secret",
)

# When two spans overlap the earlier kind wins. Declared secrets come first (the department
# said so: DOMAIN.md "Personal information and trade secrets"), then the numbers with check
# digits, then the weaker pattern and context kinds.
PRECEDENCE = {
    "secret": 0,
    "id_number": 1,
    "bank_card": 2,
    "phone": 3,
    "email": 4,
    "document_number": 5,
    "bank_account": 6,
    "account": 7,
    "birth_date": 8,
    "plate": 9,
    "person_name": 10,
    "address": 11,
}

# Kinds whose span may be cut down to the part another span does not cover: masking a piece
# of an address, a secret term or an e-mail address still hides that piece. A name or a number cut in two
# would be masked wrongly, so those are dropped instead (the winning span covers them).
_SPLITTABLE = frozenset({"address", "secret", "email"})


class Span(NamedTuple):
    """A half-open range [start, end) of a text holding something of one kind.

    A tuple: the detectors work on plain (start, end, kind, confidence) tuples inside and
    hand out Spans (equal to those tuples) at their public edges.
    """

    start: int
    end: int
    kind: str
    confidence: float = 1.0


def resolve_overlaps(spans: Sequence[Span]) -> list[Span]:
    """Non-overlapping spans sorted by start: higher-precedence kinds (then longer) win.

    A losing address or secret span keeps the parts the winners leave uncovered; any other
    losing span is dropped.
    """
    return [s if type(s) is Span else Span._make(s) for s in resolve(spans)]


def _by_precedence(s: tuple) -> tuple:
    return (PRECEDENCE.get(s[2], 99), s[0] - s[1], s[0])


def resolve(spans: Sequence[tuple]) -> list[tuple]:
    """resolve_overlaps on (start, end, kind, confidence) tuples (Spans or plain tuples)."""
    if len(spans) < 2:
        return list(spans)
    # The common case: spans that overlap only spans of their own kind inside which they lie
    # (a name found after its role word and as the record's own name; 李四 inside 李四明).
    # The full resolution keeps the outer span of each such group (of copies of it, the
    # first given) and drops the rest: the result is those outer spans, sorted by start.
    ordered = sorted(spans, key=_start_then_longest)
    out = []
    outer_end = -1
    outer_kind = None
    for s in ordered:
        if s[0] >= s[1]:
            break  # an empty span: the full resolution decides
        if s[0] >= outer_end:
            out.append(s)
            outer_end = s[1]
            outer_kind = s[2]
        elif s[1] > outer_end or s[2] != outer_kind:
            break
    else:
        return out
    return _resolve_overlapping(spans)


def _resolve_overlapping(spans: Sequence[tuple]) -> list[tuple]:
    ordered = sorted(spans, key=_by_precedence)
    taken: list[tuple] = []
    for span in ordered:
        pieces = [span]
        for won in taken:
            next_pieces = []
            for piece in pieces:
                if piece[1] <= won[0] or won[1] <= piece[0]:
                    next_pieces.append(piece)
                elif piece[2] in _SPLITTABLE:
                    if piece[0] < won[0]:
                        next_pieces.append((piece[0], won[0], piece[2], piece[3]))
                    if won[1] < piece[1]:
                        next_pieces.append((won[1], piece[1], piece[2], piece[3]))
            pieces = next_pieces
            if not pieces:
                break
        taken.extend(pieces)
    taken.sort(key=_start)
    return taken


def _start(s: tuple) -> int:
    return s[0]


def _start_then_longest(s: tuple) -> tuple:
    return (s[0], -s[1])
