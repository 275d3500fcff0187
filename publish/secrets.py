"""The state directory's record-key secret: what makes record keys opaque.

A record's key is the hex HMAC-SHA-256 of its dataset's identity values under this secret
(publish/recordkeys.py computes it), so nobody outside the build can go from a key back to, or
forward from, a decision number and a subject. `python -m publish keys init` creates the
secret; nothing else does (CONTRACT.md): a build without it fails with `state_missing`
instead of quietly keying every record differently. Losing it re-keys every record, so it is
backed up with the state directory (README).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import PublishError

RECORD_KEY_FILE = "record-key.secret"
SECRET_BYTES = 32


def _write_private(path: Path, text: str) -> None:
    """Creates `path` readable by its owner alone; never replaces an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def ensure_state_dir(state_dir: Path) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return state_dir


def ensure_record_key_secret(state_dir: Path) -> tuple[Path, bool]:
    """(path, created): creates the secret when it is missing, never replaces one."""
    path = ensure_state_dir(state_dir) / RECORD_KEY_FILE
    if path.exists():
        return path, False
    try:
        _write_private(path, secrets.token_hex(SECRET_BYTES) + "\n")
    except FileExistsError:   # another `keys init` made it a moment ago
        return path, False
    return path, True


def load_record_key_secret(state_dir: Path) -> bytes:
    path = state_dir / RECORD_KEY_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        secret = bytes.fromhex(text)
    except FileNotFoundError:
        raise PublishError("state_missing",
                           f"状态目录中没有记录密钥：{path}（请先运行 python -m publish keys init）") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise PublishError("state_unreadable", f"记录密钥无法读取：{path}（{exc}）") from exc
    if len(secret) < 16:
        raise PublishError("state_unreadable", f"记录密钥过短：{path}")
    return secret
