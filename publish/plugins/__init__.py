"""Datasette plugins: one module per job, each implementing a few of Datasette's hooks and
staying thin (it parses the request, calls a function in `publish/` or `redaction/`, and
renders).

`register_all()` registers them with Datasette's plugin manager; `publish.serve.make_datasette`
calls it, so the plugins come with the package wherever it runs (installed or from a
checkout) and a module added here needs nothing else.
"""
from __future__ import annotations

import importlib

MODULES = ("auth", "errors", "guards", "pages", "connections", "sqlfunctions", "accesslog")


def register_all() -> None:
    from datasette.plugins import pm

    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        if not pm.is_registered(module):
            pm.register(module, name=f"publish.plugins.{name}")
