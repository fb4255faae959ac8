"""The Makefile finds python3.13 on PATH first, then in known folders, and says in one line how to get it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rewards_cli.template import PROJECT_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
SYSTEM_PATH = "/usr/bin:/bin"


def _make_python(path: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "python"],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=PROJECT_ROOT,
        env={"PATH": path, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _python313(folder: Path) -> Path:
    """A python3.13 in ``folder``: a link to the interpreter running the tests (3.13, as the Makefile wants)."""
    folder.mkdir(parents=True)
    link = folder / "python3.13"
    link.symlink_to(Path(sys.executable).resolve())
    return link


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty home: no pyenv or uv interpreters to fall back on."""
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


@pytest.mark.skipif(sys.version_info[:2] != (3, 13), reason="the tests' interpreter stands in for python3.13")
def test_python313_on_path_is_found_first(tmp_path: Path, home: Path) -> None:
    on_path = _python313(tmp_path / "brew" / "bin")
    _python313(home / ".pyenv" / "versions" / "3.13.1" / "bin")

    found = _make_python(f"{on_path.parent}:{SYSTEM_PATH}", home)

    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(on_path)


@pytest.mark.skipif(sys.version_info[:2] != (3, 13), reason="the tests' interpreter stands in for python3.13")
def test_a_python313_that_does_not_run_is_skipped_for_a_known_folder(tmp_path: Path, home: Path) -> None:
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3.13"  # a pyenv shim while 3.13 is not the active version
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    in_pyenv = _python313(home / ".pyenv" / "versions" / "3.13.1" / "bin")

    found = _make_python(f"{shims}:{SYSTEM_PATH}", home)

    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(in_pyenv)


@pytest.mark.skipif(
    any(Path(p).exists() for p in ("/usr/bin/python3.13", "/usr/local/bin/python3.13", "/opt/homebrew/bin/python3.13")),
    reason="this machine has python3.13 in a known folder",
)
def test_a_missing_python313_is_one_line_saying_how_to_get_it(tmp_path: Path, home: Path) -> None:
    missing = _make_python(SYSTEM_PATH, home)

    assert missing.returncode != 0
    hint = missing.stdout.strip()
    assert "\n" not in hint
    assert hint.startswith("python3.13 (the Lambda runtime's version) was not found")
    assert "PY313=" in hint
