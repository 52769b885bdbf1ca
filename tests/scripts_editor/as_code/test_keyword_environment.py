"""The command line offers the environment as keywords, except Trickle's own settings."""

import json

import pytest
from django.core.management import CommandError, call_command

from connections_admin.models import Connection

from .conftest import KEYWORDS, directory_fixture, script

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("variable", ["SECRET_KEY", "TRICKLE_ENCRYPTION_KEYS", "DATABASE_URL", "DJANGO_DEBUG"])
def test_trickles_own_settings_never_become_keywords(tmp_path, monkeypatch, variable):
    monkeypatch.setenv(variable, "server-secret-value")
    for key, value in KEYWORDS.items():
        monkeypatch.setenv(key, value if isinstance(value, str) else json.dumps(value))
    root = directory_fixture(tmp_path / "repo", login=script("login", f"var leak = '##{variable}##'; callback(null);"))
    with pytest.raises(CommandError, match=variable):
        call_command("import_connections", str(root))
    assert not Connection.objects.exists()
