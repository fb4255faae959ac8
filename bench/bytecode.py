"""Checks that every module under a directory ships valid checked-hash bytecode for this interpreter.

``sam build`` zips every file with a 1980 timestamp, so only hash-based ``.pyc`` files stay valid in
Lambda; "checked" ones are verified against their source, so a stale one is recompiled instead of run.
Run by ``make build`` (exit status 1 on any problem) and by ``make bench`` (reported in the results).

    python3.13 bench/bytecode.py .aws-sam/build
"""

from __future__ import annotations

import _imp
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHECKED_HASH_FLAGS = 0b11  # PEP 552: bit 0 = hash-based, bit 1 = check_source
_HEADER_SIZE = 16
_HASH_KEY = int.from_bytes(importlib.util.MAGIC_NUMBER, "little")  # what importlib keys the hash with


@dataclass
class BytecodeReport:
    root: str
    python: str
    modules: int = 0
    checked_hash: int = 0
    problems: list[str] = field(default_factory=list)
    stray_bytecode: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.modules > 0


def _problem(source: Path, root: Path) -> str | None:
    """What is wrong with the bytecode of ``source``, or None when it is valid checked-hash bytecode."""
    cached = Path(importlib.util.cache_from_source(str(source)))
    if not cached.exists():
        return f"{source.relative_to(root)}: no {cached.name}"
    header = cached.read_bytes()[:_HEADER_SIZE]
    if len(header) < _HEADER_SIZE or header[:4] != importlib.util.MAGIC_NUMBER:
        return f"{cached.relative_to(root)}: not bytecode of {sys.implementation.cache_tag}"
    flags = int.from_bytes(header[4:8], "little")
    if flags != CHECKED_HASH_FLAGS:
        return f"{cached.relative_to(root)}: flags {flags}, not checked-hash ({CHECKED_HASH_FLAGS})"
    expected = _imp.source_hash(_HASH_KEY, source.read_bytes())
    if header[8:16] != expected:
        return f"{cached.relative_to(root)}: stale (source hash differs)"
    return None


def check(root: Path) -> BytecodeReport:
    report = BytecodeReport(root=str(root), python=sys.implementation.cache_tag)
    for source in sorted(root.rglob("*.py")):
        if "__pycache__" in source.parts:
            continue
        report.modules += 1
        problem = _problem(source, root)
        if problem is None:
            report.checked_hash += 1
        else:
            report.problems.append(problem)
    tag = f".{sys.implementation.cache_tag}."
    for cached in sorted(root.rglob("__pycache__/*.pyc")):
        source = cached.parent.parent / f"{cached.name.split('.', 1)[0]}.py"
        if tag not in cached.name or not source.exists():
            report.stray_bytecode.append(str(cached.relative_to(root)))
    return report


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[0])
    report = check(root)
    for problem in report.problems[:50]:
        print(f"bytecode: {problem}", file=sys.stderr)
    for stray in report.stray_bytecode[:20]:
        print(f"bytecode: stray {stray} (no matching source for {report.python})", file=sys.stderr)
    print(
        f"bytecode: {report.checked_hash}/{report.modules} modules under {root} have valid checked-hash "
        f"{report.python} bytecode"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
