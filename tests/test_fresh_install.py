"""The operator's commands, run as a newcomer would, on a new database."""
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from tests.conftest import PG_SCHEMA

ROOT = Path(__file__).resolve().parent.parent


def flask(url, *args, stdin=None):
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="production", SECRET_KEY="s" * 32, AUDIT_KEY="a" * 32,
               FLASK_APP="wsgi")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, input=stdin, timeout=300)


def test_new_database_upgrade_check_demo_verify(empty_db):
    url = empty_db["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        url += "?options=" + quote(f"-c search_path={PG_SCHEMA}")
    for args in (["db", "upgrade"], ["workflows", "check"], ["demo", "load", "--cases", "25"], ["audit", "verify"]):
        done = flask(url, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "audit log intact" in done.stdout
    digest = flask(url, "audit", "digest")
    assert digest.returncode == 0 and digest.stdout.startswith("audit-digest events=")
