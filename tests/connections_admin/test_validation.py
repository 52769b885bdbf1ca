"""Connection rules live in the services' validators; the dashboard form, the API and connections-as-code
all report the same problems, every one at once, in the services' words."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from connections_admin.models import Connection
from scriptd_client import client as scriptd
from scriptd_client import limits
from tests.scripts_editor.as_code.conftest import write_tree

TIMEOUT = f"A whole number of seconds from {limits.TIMEOUT_MIN_S} to {limits.TIMEOUT_MAX_S}."
ALLOWLIST = "'no-port' is not host:port"
IMPORT = 'Import users needs "Use my own database" on.'


def test_the_settings_form_reports_every_service_problem(editor_client, connection):
    response = editor_client.post(
        reverse("connections_admin:connection-detail", args=[connection.public_id]),
        {
            "version": connection.version,
            "import_users": "on",
            "script_timeout_s": str(limits.TIMEOUT_MAX_S + 1),
            "egress_allowlist": "no-port",
        },
    )
    errors = response.context["form"].errors
    assert errors["script_timeout_s"] == [TIMEOUT]
    assert ALLOWLIST in errors["egress_allowlist"][0]
    assert errors["import_users"] == [IMPORT]
    connection.refresh_from_db()
    assert connection.script_timeout_s == 20 and connection.import_users is False


def test_connections_as_code_reports_every_service_problem(tmp_path, db):
    database = {
        "name": "bad-settings",
        "display_name": 7,
        "options": {
            "import_mode": True,
            "requires_username": "yes",
            "trickle_script_timeout_s": 0,
            "trickle_egress_allowlist": ["no-port"],
        },
    }
    root = write_tree(tmp_path, {"database-connections/bad-settings/database.json": json.dumps(database)})
    with pytest.raises(CommandError) as error:
        call_command("import_connections", str(root))
    message = str(error.value)
    assert f"options.trickle_script_timeout_s: {TIMEOUT}" in message
    assert f"options.trickle_egress_allowlist: {ALLOWLIST}" in message
    assert f"options.import_mode: {IMPORT}" in message
    assert "options.requires_username: Must be true or false." in message
    assert "display_name: Text of at most 128 characters." in message
    assert not Connection.objects.exists()


@override_settings(SCRIPT_TIMEOUT_S=7, SCRIPT_MEMORY_MB=96)
def test_every_scriptd_request_carries_the_limits_from_settings():
    assert scriptd.Limits().timeout_ms == 7000 and scriptd.Limits().memory_mb == 96
