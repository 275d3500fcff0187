"""Datasette plugins: one module per job, each implementing a few of Datasette's hooks and
staying thin (it parses the request, calls a function in `publish/` or `redaction/`, and
renders).

`register_all()` registers them with Datasette's plugin manager; `publish.serve.make_datasette`
calls it, so the plugins come with the package wherever it runs (installed or from a
checkout) and a module added here needs nothing else.

The order of MODULES is the order of the ASGI wrappers, outermost first (pluggy calls the
last registered first, and Datasette wraps the app in the order the hooks answer): security
headers on every answer, then authentication and who may see /authorized, then the bank API
(publish/api/, a Starlette app answering /api/ itself), then which methods a route takes,
then the live full-table CSV streams (plugins/livecsv.py: they send their own ASGI
messages), then `/public.db`'s redirect to the release's copy (plugins/downloads.py, behind the
guard of /authorized), then the report routes' body caps (plugins/reports.py: a body too large
is refused before anything reads it), then arbitrary SQL's limits (a refusal costs as little as
it can; an admitted request goes on through the same wrappers in the SQL worker), then the
windows, then the parameters' checks, closest to Datasette. The access log (`trylast`) is outside them all.
"""
from __future__ import annotations

import importlib

MODULES = ("headers", "auth", "api", "methods", "livecsv", "downloads", "reports", "sqllimits", "guards", "parameters",
           "errors", "pages", "connections", "sqlfunctions", "accesslog")


def register_all() -> None:
    from datasette.plugins import pm

    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        if not pm.is_registered(module):
            pm.register(module, name=f"publish.plugins.{name}")
    from .auth import disable_cookie_actor
    from .errors import disable_default_handler

    disable_cookie_actor(pm)
    disable_default_handler(pm)
