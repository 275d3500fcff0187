"""Releases for journalists (issue 17): versioned bulk downloads of every public table of a
build, in CSV, XLSX, Parquet, JSON Lines and SQLite, with a data dictionary, checksums, the
changes since the previous release, a licence and attribution text.

One module per job: tables.py (what is released), formats/ (one writer per format),
package.py (datapackage.json), changes.py (CHANGES.md, deltas), index.py (index.json,
SHA256SUMS), readme.py, safety.py (the scan of every file), command.py (the command).
"""
from .command import Release, default_releases_dir, make_release

__all__ = ["Release", "default_releases_dir", "make_release"]
