"""How a candidate is scored against a query, and why: one versioned algorithm.

A score lies in [0, 1) and never saturates: an exact USCC with the exact normalised name
(0.97) ranks above the exact USCC alone (0.88), which ranks above the exact normalised name
alone (0.84), which ranks above similar names, graded by their similarity. What tells two
subjects apart pulls a score below the threshold: a USCC given that is not the
candidate's, or a region given (or a place the name starts with) that neither contains nor
lies in the candidate's. Each part of the score is named in the evidence.

Versions are pinned (issue 16): a caller names one, or gets DEFAULT_ALGORITHM; a change to
any weight or to normalisation is a new version, added beside the old one.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from .normalise import NameParts, split_name
from .places import agree


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entity as the matcher sees it. `places`: where it is, its USCC's division and the
    most specific place its name starts with (江西省景德镇市… says 景德镇市)."""
    uscc: str
    name: str
    region_code: str | None
    region: str | None
    parts: NameParts
    places: tuple[str, ...]

    @classmethod
    def of(cls, uscc: str, name: str, region_code: str | None, region: str | None) -> Candidate:
        parts = split_name(name)
        return cls(uscc, name, region_code, region, parts,
                   ((region_code,) if region_code else ()) + parts.places[-1:])


@dataclass(frozen=True, slots=True)
class Probe:
    """A query as the matcher sees it: its folded USCC, name parts and region."""
    uscc: str | None
    parts: NameParts | None
    region: str | None        # the caller's text
    region_code: str | None   # the division it names, if known
    uscc_valid: bool = True   # its check character is right (GB 32100-2015)


@dataclass(frozen=True)
class Algorithm:
    """The weights of one version. Name-only scores are `name_weight` × the name's score;
    an exact USCC scores `uscc_alone`, or `uscc_with_name` + `name_bonus` × the name's score."""
    version: str
    threshold: float = 0.55
    floor: float = 0.30
    max_candidates: int = 5
    uscc_alone: float = 0.88
    uscc_with_name: float = 0.80
    name_bonus: float = 0.17
    name_weight: float = 0.84
    core_exact: float = 0.98      # same core, places or legal form written differently
    similar_weight: float = 0.95  # a similar name's score per unit of similarity
    whole_share: float = 0.15     # share of the whole names' similarity in a similar name's
    similar_floor: float = 0.5   # below this similarity a name counts against, not for
    region_bonus: float = 0.20    # share of what is left to 1 that a region match adds
    mismatch_factor: float = 0.5  # a given USCC or region that differs
    place_factor: float = 0.6     # a place in the name that differs

    def name_score(self, query: NameParts, cand: NameParts) -> tuple[float, dict]:
        """How well two names agree, in [0, 1], and the evidence saying how."""
        if query.key == cand.key:
            return 1.0, {"match": "name_normalised_exact"}
        if query.body == cand.body:
            return self.core_exact, {"match": "name_normalised_exact"}
        similarity = Levenshtein.normalized_similarity(query.body, cand.body)
        # The whole names' similarity ranks apart cores equally close: 乐平市聚利食品 is
        # nearer 乐平市聚隆食品 than 景德镇市坤利食品.
        whole = Levenshtein.normalized_similarity(query.key, cand.key)
        blended = (1 - self.whole_share) * similarity + self.whole_share * whole
        return self.similar_weight * blended, {"match": "name_similar", "similarity": round(similarity, 3)}

    def score(self, probe: Probe, cand: Candidate) -> tuple[float, list[dict]]:
        """The candidate's score for the query and its evidence, positive first."""
        evidence: list[dict] = []
        negative: list[dict] = []
        name = None
        if probe.parts is not None:
            name, name_evidence = self.name_score(probe.parts, cand.parts)
        uscc_exact = probe.uscc is not None and probe.uscc == cand.uscc
        if uscc_exact:
            evidence.append({"match": "uscc_exact"})
            score = self.uscc_alone if name is None else self.uscc_with_name + self.name_bonus * name
        else:
            score = self.name_weight * (name or 0.0)
        if name is not None:
            if name_evidence.get("similarity", 1.0) >= self.similar_floor:
                evidence.append(name_evidence)
            else:  # beside an exact USCC: a former name, or a wrong one
                negative.append({**name_evidence, "match": "name_mismatch"})
        if probe.uscc is not None and not uscc_exact:
            if probe.uscc_valid:
                negative.append({"match": "uscc_mismatch"})
                score *= self.mismatch_factor
            else:  # a mistyped code tells nothing apart: said, and not weighed
                negative.append({"match": "uscc_invalid"})
        if probe.region:
            if self._region_agrees(probe, cand):
                evidence.append({"match": "region_match"})
                score += (1.0 - score) * self.region_bonus
            else:
                negative.append({"match": "region_mismatch"})
                score *= self.mismatch_factor
        # The USCC is the subject's; a place in a name is only a hint, weighed without one.
        if not uscc_exact and probe.parts and probe.parts.places and not _places_agree(
                probe.parts.places[-1:], cand.places):
            negative.append({"match": "region_mismatch", "source": "name"})
            score *= self.place_factor
        return round(min(max(score, 0.0), 1.0), 4), evidence + negative

    def _region_agrees(self, probe: Probe, cand: Candidate) -> bool:
        if probe.region_code is not None:
            return any(agree(probe.region_code, p) for p in cand.places)
        # A place the table does not know: compared as written.
        region = probe.region or ""
        return bool(cand.region) and (region in (cand.region or "") or (cand.region or "") in region)


def _places_agree(query: tuple[str, ...], entity: tuple[str, ...]) -> bool:
    """Each place the query names agrees with one of the entity's."""
    return not entity or all(any(agree(q, e) for e in entity) for q in query)


ALGORITHMS: dict[str, Algorithm] = {"2026-12.1": Algorithm("2026-12.1")}
DEFAULT_ALGORITHM = "2026-12.1"
DEFAULT_THRESHOLD = ALGORITHMS[DEFAULT_ALGORITHM].threshold
