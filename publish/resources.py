"""Where the package's own files are: reference data, dataset definitions, templates, static
files and Datasette's metadata. They ship inside the package (the repository's top-level
`data/`, `templates/`, `static/`, `plugins/` and `metadata.yml` are links to these), so an
installed wheel finds them wherever it is run from."""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
DATASETS_DIR = PACKAGE_DIR / "datasets"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
METADATA_FILE = PACKAGE_DIR / "metadata.yml"


def data_file(name: str) -> Path:
    """A reference file of `data/` (severity.yml, regions.yml, …)."""
    return DATA_DIR / name
