"""Screening: which published subjects a bank's list of names and USCCs refers to, with a
score that does not saturate and the evidence for it (POST /api/v1/screen, issue 16).

- queries.py: the request, checked (`parse_queries`, `requested_algorithm`, `ScreenQuery`);
- normalise.py, places.py: what names and regions are compared on;
- index.py: the tables the build adds to public.db (`build_screening_index`);
- matcher.py: the versioned scoring (`ALGORITHMS`, `DEFAULT_ALGORITHM`, `DEFAULT_THRESHOLD`);
- screener.py: candidates by index, scored, with black-list and penalty standing (`Screener`).
"""
from __future__ import annotations

from .index import build_screening_index
from .matcher import ALGORITHMS, DEFAULT_ALGORITHM, DEFAULT_THRESHOLD, Algorithm
from .queries import ScreenQuery, parse_queries, requested_algorithm
from .screener import Screener


def screen_request(screener: Screener, payload: object, *, max_items: int, today: str) -> dict:
    """A whole request answered: {algorithm, threshold, results}; raises PublishError for a
    request parse_queries refuses."""
    queries = parse_queries(payload, max_items)
    algorithm = requested_algorithm(payload)
    return {"algorithm": algorithm, "threshold": ALGORITHMS[algorithm].threshold,
            "results": screener.screen(queries, algorithm=algorithm, today=today)}


__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHM", "DEFAULT_THRESHOLD", "Algorithm", "ScreenQuery", "Screener",
           "build_screening_index", "parse_queries", "requested_algorithm", "screen_request"]
