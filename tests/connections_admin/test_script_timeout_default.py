"""TRICKLE_SCRIPT_TIMEOUT_S is the run time limit every new connection starts with, however it is created."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from connections_admin import services as connections
from connections_admin.models import Connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_seconds(settings):
    settings.SCRIPT_TIMEOUT_S = 7
    return 7


def test_a_connection_created_by_the_service_starts_with_the_configured_limit(seven_seconds):
    assert connections.connection_create(name="svc-db", by=None).script_timeout_s == 7
    assert connections.connection_create(name="own-db", by=None, script_timeout_s=30).script_timeout_s == 30


def test_a_connection_created_on_the_dashboard_starts_with_the_configured_limit(seven_seconds, editor_client):
    editor_client.post(reverse("connections_admin:connection-create"), {"name": "page-db"})
    connection = Connection.objects.get(name="page-db")
    assert connection.script_timeout_s == 7
    page = editor_client.get(connection.get_absolute_url())
    assert page.context["form"]["script_timeout_s"].value() == 7


def _django(env: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


def test_the_environment_variable_is_read_and_checked():
    read = _django(
        {"TRICKLE_SCRIPT_TIMEOUT_S": "9"},
        "shell",
        "-c",
        "from connections_admin.models import Connection as C; print(C().script_timeout_s)",
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.splitlines()[-1] == "9"
    refused = _django({"TRICKLE_SCRIPT_TIMEOUT_S": "90"}, "check")
    assert refused.returncode != 0
    assert "TRICKLE_SCRIPT_TIMEOUT_S must be between 1 and 60 seconds" in refused.stderr
