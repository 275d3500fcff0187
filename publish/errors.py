"""Errors people read: a stable English code beside a Chinese sentence."""
from __future__ import annotations


class PublishError(Exception):
    """A failure reported to the operator; the CLI prints it without a traceback."""

    def __init__(self, code: str, message: str):
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
