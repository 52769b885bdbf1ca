"""var/ and the SQLite database hold sessions and password hashes: only Trickle's own user may read them."""

import os
import stat
import subprocess
import sys

from django.conf import settings


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_var_is_private_even_when_it_existed_with_a_loose_mode(tmp_path):
    settings.VAR_DIR.chmod(0o755)
    database = tmp_path / "trickle.sqlite3"
    code = "import django; django.setup(); from django.db import connection; connection.ensure_connection(); " + (
        "connection.cursor().execute('create table t (x int)')"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "config.settings"}
    old_umask = os.umask(0o022)
    try:
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=settings.BASE_DIR, timeout=60)
    finally:
        os.umask(old_umask)
    assert _mode(settings.VAR_DIR) == 0o700
    assert _mode(database) == 0o600
    # SQLite gives its write-ahead log and shared-memory files the database file's mode.
    for companion in tmp_path.glob("trickle.sqlite3-*"):
        assert _mode(companion) == 0o600, companion.name
