"""An issued report's renderings as files beside its signed file: `report.html` and
`report.pdf` in `<state>/reports/<no>/` (0600), made by publish/report/render/ from the signed
file and the verification code.

- `file_renderer(settings)`: the office's renderer (issue.Renderer): both files at issue.
- `rendering(files, kind, signed, code, settings)`: the bytes of one of them, read from its
  file, or rendered again and stored when the file is missing (a state directory restored
  from a copy of state.db alone, a rendering that failed at issue): the registry keeps the
  signed file and whoever asks holds the code, so nothing else is needed.

Both renderings are deterministic (the same signed file and code give the same bytes), so a
file made again is the file made at issue.
"""
from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .issue import Renderer, ReportFiles
from .render import RenderSettings, render_html, render_pdf
from .signing import parse_payload, signed_file_bytes

HTML, PDF = "html", "pdf"
KINDS = (HTML, PDF)


def payload_of(signed: str) -> dict[str, Any]:
    """The payload `{report_no, iat, exp, content}` of one of our own signed files (the
    registry's, or one just signed: its signature is not checked here)."""
    segment = signed.split(".")[1]
    return parse_payload(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))).as_json()


def render(kind: str, signed: str, code: str, settings: RenderSettings) -> bytes:
    payload = payload_of(signed)
    if kind == HTML:
        return render_html(payload, code=code, settings=settings).encode("utf-8")
    if kind == PDF:
        return render_pdf(payload, code=code, signed=signed_file_bytes(signed), settings=settings)
    raise ValueError(f"no rendering called {kind!r}")


def path_of(files: ReportFiles, kind: str) -> Path:
    return {HTML: files.html, PDF: files.pdf}[kind]


def write_private(path: Path, data: bytes) -> None:
    """`data` at `path` (0600, its directory 0700), in place only once complete."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data):x}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def file_renderer(settings: RenderSettings, kinds: tuple[str, ...] = KINDS) -> Renderer:
    """The renderer a ReportOffice is opened with: writes the renderings of `kinds` at issue."""
    def write(signed: str, files: ReportFiles, code: str) -> None:
        for kind in kinds:
            write_private(path_of(files, kind), render(kind, signed, code, settings))

    return write


def rendering(files: ReportFiles, kind: str, signed: str, code: str, settings: RenderSettings,
              *, store: Callable[[Path, bytes], None] = write_private) -> bytes:
    """One rendering's bytes: its file, or made again (and stored) when it is missing."""
    path = path_of(files, kind)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render(kind, signed, code, settings)
    store(path, data)
    return data
