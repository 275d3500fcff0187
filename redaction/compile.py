"""`python -m redaction.compile [--status]`: compiles the hot modules (native.COMPILED) to C
extensions in place with mypyc, and records the sources' digests they were built from
(native.MANIFEST); `--status` says what a process loads. The Makefile's `native` target runs
it, with PUBLISH_REDACTION_PURE=1: the compiler needs the sources, not extensions that are
about to be replaced (nor the warning that they are stale). It needs a C compiler,
setuptools and mypy.
"""
from __future__ import annotations

import json
import os
import sys

from . import native

BUILD_DIR = native.HERE.parent / "var" / "native-build"   # generated C and objects (not in git)


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import Distribution

    for old in native.extensions():
        old.unlink()
    native.MANIFEST.unlink(missing_ok=True)
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    cwd = os.getcwd()
    os.chdir(native.HERE.parent)  # mypycify names the modules by their paths from here
    try:
        sources = [f"{native.PACKAGE}/{name}.py" for name in native.COMPILED]
        extensions = mypycify(sources, opt_level="3", group_name=f"{native.PACKAGE}.{native.GROUP}",
                              target_dir=str(BUILD_DIR / "c"))
        distribution = Distribution({"name": "redaction-native", "ext_modules": extensions})
        command = distribution.get_command_obj("build_ext")
        command.inplace = True
        command.build_temp = str(BUILD_DIR / "temp")
        command.ensure_finalized()
        command.run()
    finally:
        os.chdir(cwd)
    native.MANIFEST.write_text(json.dumps({"python": sys.implementation.cache_tag,
                                           "sources": native.digests()}, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--status"]:
        from . import policy  # noqa: F401  (imports the whole group)

        print(native.summary())
        return 0
    if args:
        print("usage: python -m redaction.compile [--status]", file=sys.stderr)
        return 2
    build()
    print(f"compiled with mypyc: {', '.join(native.COMPILED)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
