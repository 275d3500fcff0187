"""Datasette plugins, registered through the `datasette` entry point (pyproject.toml).

Each module implements a few of Datasette's hooks and stays thin: it parses the request,
calls a function in `publish/` or `redaction/`, and renders.
"""
