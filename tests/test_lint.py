"""Undefined names, unused imports and syntax errors fail the suite (ruff)."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_no_errors():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is part of the test dependencies: run scripts/test"
    done = subprocess.run([ruff, "check", "--select", "F,E9", "app", "workflows", "bench", "tests", "config.py",
                           "wsgi.py"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
