"""Spans: what a detector found, where (Presidio's recognizer result, reduced to what we need)."""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("id_number", "phone", "bank_card", "email", "person_name", "address", "secret")

# When two spans overlap the earlier kind wins. Declared secrets come first (the department
# said so: DOMAIN.md "Personal information and trade secrets"), then the numbers with check
# digits, then the weaker pattern and context kinds.
PRECEDENCE = {
    "secret": 0,
    "id_number": 1,
    "bank_card": 2,
    "phone": 3,
    "email": 4,
    "person_name": 5,
    "address": 6,
}

# Kinds whose span may be cut down to the part another span does not cover: masking a piece
# of an address, a secret term or an e-mail address still hides that piece. A name or a number cut in two
# would be masked wrongly, so those are dropped instead (the winning span covers them).
_SPLITTABLE = frozenset({"address", "secret", "email"})


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range [start, end) of a text holding something of one kind."""

    start: int
    end: int
    kind: str
    confidence: float = 1.0


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans sorted by start: higher-precedence kinds (then longer) win.

    A losing address or secret span keeps the parts the winners leave uncovered; any other
    losing span is dropped.
    """
    if len(spans) < 2:
        return list(spans)
    ordered = sorted(spans, key=lambda s: (PRECEDENCE.get(s.kind, 99), s.start - s.end, s.start))
    taken: list[Span] = []
    for span in ordered:
        pieces = [span]
        for won in taken:
            next_pieces = []
            for piece in pieces:
                if piece.end <= won.start or won.end <= piece.start:
                    next_pieces.append(piece)
                elif piece.kind in _SPLITTABLE:
                    if piece.start < won.start:
                        next_pieces.append(Span(piece.start, won.start, piece.kind, piece.confidence))
                    if won.end < piece.end:
                        next_pieces.append(Span(won.end, piece.end, piece.kind, piece.confidence))
            pieces = next_pieces
            if not pieces:
                break
        taken.extend(pieces)
    taken.sort(key=lambda s: s.start)
    return taken
