"""The project's lint and type checks, run by the test suite so that CI (which runs only
``python -m pytest``) keeps them: ruff (rules in ruff.toml) and mypy (pyproject.toml: strict on
the field, the primes, the engine and certification, mypy's default level elsewhere)."""

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# mypy's cache, one per checkout (several checkouts of tnrank may share a machine)
CACHE = Path(tempfile.gettempdir()) / f"tnrank-mypy-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]}"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    result = _run("mypy", "--cache-dir", str(CACHE))
    assert "No module named mypy" not in result.stderr, "mypy is missing: pip install -e '.[test]'"
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
