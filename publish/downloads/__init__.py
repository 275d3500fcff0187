"""What `/downloads` offers and how its files are sent (CONTRACT.md `/downloads`).

`catalog` reads the releases directory: the release made from the build the server serves,
the older releases (taken off), and every release's deltas, each from its `index.json`;
`files` opens a listed file without following a link; `sending` answers with it (ranges,
attachment). The plugin (publish/plugins/downloads.py) only parses the request and renders.
"""
from .catalog import Catalog, CatalogCache, ListedFile, ReleaseIndex, load_catalog
from .files import open_listed
from .sending import ByteRange, Unsatisfiable, byte_range, content_type, send_file

__all__ = ["ByteRange", "Catalog", "CatalogCache", "ListedFile", "ReleaseIndex", "Unsatisfiable", "byte_range",
           "content_type", "load_catalog", "open_listed", "send_file"]
