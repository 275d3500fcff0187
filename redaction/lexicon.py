"""The words that tell where a person's name stands: role words, verb frames, the words
that are no name. They are data (publish/data/role_words.yml, name_frames.yml,
not_names.yml), read once: the detectors (person_names.py) and, with their own matching, the
scanner (scan.py) share them, and nothing else.

Reading them is the one I/O of the detectors: `lexicon()` reads the files the first time it is
asked and remembers what it read (memo.py), so the answers of every detector stay those of
pure functions of their text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .memo import memoized

__all__ = ["Frame", "Lexicon", "data_dir", "lexicon", "read_lexicon"]

_SLOT = re.compile(r"\{(names?)\}")


@dataclass(frozen=True, slots=True)
class Frame:
    """A verb frame: the text before the first slot, then (slot, the text after it) pairs.

    由{name}变更为{name} → opener 由, slots (("name", "变更为"), ("name", "")).
    """

    opener: str
    slots: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    role_words: tuple[str, ...]
    titles: tuple[str, ...]
    pseudonyms: tuple[str, ...]
    particulars: tuple[str, ...]
    frames: tuple[Frame, ...]
    not_names: frozenset[str]


def data_dir() -> Path:
    """publish/data, where the package's reference data ships (publish/resources.py)."""
    return Path(str(resources.files("publish") / "data"))


def _words(node: object) -> list[str]:
    """Every word of a YAML list, or of a mapping of lists (groups for the reader)."""
    if isinstance(node, dict):
        return [w for group in node.values() for w in _words(group)]
    if isinstance(node, list):
        return [str(w).strip() for w in node if str(w).strip()]
    return []


def parse_frame(template: str) -> Frame:
    """由{name}驾驶 → Frame("由", (("name", "驾驶"),)). A frame has an opener and a slot."""
    pieces = _SLOT.split(template)
    opener, rest = pieces[0], pieces[1:]
    if not opener or not rest:
        raise ValueError(f"a verb frame needs words before its first slot and a slot: {template!r}")
    return Frame(opener, tuple((rest[i], rest[i + 1]) for i in range(0, len(rest), 2)))


# libyaml's loader where PyYAML has it (ten times faster), else PyYAML's own; both safe.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        loaded = yaml.load(f, Loader=_LOADER)  # noqa: S506  (a safe loader)
    return loaded if isinstance(loaded, dict) else {}


def read_lexicon(directory: Path) -> Lexicon:
    """The lexicon in `directory` (role_words.yml, name_frames.yml, not_names.yml)."""
    roles = _read_yaml(directory / "role_words.yml")
    frames = _read_yaml(directory / "name_frames.yml")
    not_names = _read_yaml(directory / "not_names.yml")
    return Lexicon(
        role_words=tuple(dict.fromkeys(_words(roles.get("role_words")))),
        titles=tuple(dict.fromkeys(_words(roles.get("titles")))),
        pseudonyms=tuple(dict.fromkeys(_words(roles.get("pseudonyms")))),
        particulars=tuple(dict.fromkeys(_words(roles.get("particulars")))),
        frames=tuple(parse_frame(t) for t in dict.fromkeys(_words(frames.get("frames")))),
        not_names=frozenset(_words(not_names.get("not_names"))),
    )


@memoized(4)
def _lexicon_in(directory: str) -> Lexicon:
    return read_lexicon(Path(directory))


def lexicon(directory: Path | str | None = None) -> Lexicon:
    """The lexicon of `directory` (default: the package's publish/data), read once."""
    return _lexicon_in(str(directory) if directory is not None else str(data_dir()))
