"""Search support added to public.db at build time (owned by the public-site work)."""
from __future__ import annotations


def build_search_index(db) -> None:
    """Adds what public search needs to the finished public database (sqlite_utils.Database)."""
    return None
