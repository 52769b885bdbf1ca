import pytest
from django.urls import reverse

from connections_admin import services
from connections_admin.models import AuditEvent, Connection


def test_admin_changes_go_through_the_services(superuser_client, connection):
    url = reverse("admin:connections_admin_connection_change", args=[connection.pk])
    response = superuser_client.post(
        url,
        {
            "display_name": "Via admin",
            "use_own_database": "on",
            "script_timeout_s": "15",
            "egress_allowlist": "[]",
            "variables-TOTAL_FORMS": "0",
            "variables-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    connection.refresh_from_db()
    assert (connection.display_name, connection.use_own_database, connection.script_timeout_s) == (
        "Via admin",
        True,
        15,
    )
    assert AuditEvent.objects.get(action="connection.updated").actor_label == "root"


def test_admin_deletes_go_through_the_services(superuser_client, connection):
    url = reverse("admin:connections_admin_connection_delete", args=[connection.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not Connection.objects.exists()
    assert AuditEvent.objects.filter(action="connection.deleted", connection_name="legacy-db").exists()


def test_audit_events_are_read_only_in_the_admin(superuser_client, editor, connection):
    event = services.audit_event_record(connection=connection, action="connection.updated", by=editor)
    assert superuser_client.get(reverse("admin:connections_admin_auditevent_add")).status_code == 403
    response = superuser_client.post(
        reverse("admin:connections_admin_auditevent_change", args=[event.pk]), {"action": "connection.deleted"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "connection.updated"


@pytest.mark.parametrize(
    "change",
    [
        {"import_users": "on"},  # without "Use my own database"
        {"use_own_database": "on", "egress_allowlist": '["not an entry"]'},
        {"use_own_database": "on", "script_timeout_s": "61"},
    ],
)
def test_a_change_the_services_refuse_is_a_form_error_in_the_admin(superuser_client, connection, change):
    url = reverse("admin:connections_admin_connection_change", args=[connection.pk])
    response = superuser_client.post(
        url,
        {
            "display_name": "",
            "script_timeout_s": "20",
            "egress_allowlist": "[]",
            "variables-TOTAL_FORMS": "0",
            "variables-INITIAL_FORMS": "0",
            **change,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    connection.refresh_from_db()
    assert (connection.import_users, connection.use_own_database, connection.script_timeout_s) == (False, False, 20)


def test_a_taken_name_is_a_form_error_when_adding_in_the_admin(superuser_client, connection):
    response = superuser_client.post(
        reverse("admin:connections_admin_connection_add"),
        {
            "name": "LEGACY-DB",
            "display_name": "",
            "script_timeout_s": "20",
            "egress_allowlist": "[]",
            "variables-TOTAL_FORMS": "0",
            "variables-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert Connection.objects.count() == 1
