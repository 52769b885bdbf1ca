"""Login flows cache a connection's scripts and configuration per change: every change is seen at once."""

from connections_admin import services as connections
from connections_admin.models import Connection
from identity import services
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

LOGIN = (
    "function login(email, password, callback) {\n"
    "  callback(null, { user_id: 'snap|' + email, email: email, nickname: configuration.NICK + '%s' });\n}\n"
)


def _nickname(connection) -> str:
    """The nickname the login script answered, as the flow recorded it (NICK is plain: never masked)."""
    fresh = Connection.objects.get(pk=connection.pk)  # as every view and API call starts: a fresh row
    result = services.user_login(connection=fresh, username="ada@example.com", password="pw")
    return result.event.script_runs[-1]["value"]["nickname"]


def test_a_new_revision_and_a_changed_variable_reach_the_very_next_login(runtime, editor):
    connection = connections.connection_create(name="snapshots", by=editor, use_own_database=True)
    connections.configuration_variable_set(connection=connection, key="NICK", value="one", plain=True, by=editor)
    scripts = {key: "" for key in SCRIPT_KEYS} | {"login": LOGIN % " v1"}
    scripts_save(connection=connection, scripts=scripts, base_number=0, by=editor)
    assert _nickname(connection) == "one v1"
    assert _nickname(connection) == "one v1"  # answered from the cached snapshot

    scripts_save(connection=connection, scripts=scripts | {"login": LOGIN % " v2"}, base_number=1, by=editor)
    assert _nickname(connection) == "one v2"

    connections.configuration_variable_set(connection=connection, key="NICK", value="two", plain=True, by=editor)
    assert _nickname(connection) == "two v2"
    connections.configuration_variable_remove(connection=connection, key="NICK", by=editor)
    assert _nickname(connection) == "undefined v2"


def test_a_scripts_save_moves_the_connections_last_change(editor):
    connection = connections.connection_create(name="touched", by=editor)
    before = Connection.objects.get(pk=connection.pk).updated_at
    scripts_save(connection=connection, scripts={key: "" for key in SCRIPT_KEYS}, base_number=0, by=editor)
    assert Connection.objects.get(pk=connection.pk).updated_at > before
