"""A configuration value is write-only: it appears in no page, admin page, audit event or log line."""

import logging

from django.urls import reverse

from connections_admin.models import AuditEvent, ConfigurationVariable

SECRET = "pa55-Zebra-9731-never-show"


def test_a_secret_appears_in_no_page_admin_page_audit_event_or_log(editor_client, superuser_client, connection, caplog):
    caplog.set_level(logging.DEBUG)
    response = editor_client.post(
        reverse("connections_admin:connection-configuration", args=[connection.public_id]),
        {"key": "DB_PASSWORD", "value": SECRET},
    )
    assert response.status_code == 302
    variable = ConfigurationVariable.objects.get()

    pid = connection.public_id
    pages = [
        (editor_client, reverse("connections_admin:connection-list")),
        (editor_client, reverse("connections_admin:connection-detail", args=[pid])),
        (editor_client, reverse("connections_admin:connection-configuration", args=[pid])),
        (editor_client, reverse("connections_admin:connection-activity", args=[pid])),
        (superuser_client, reverse("admin:connections_admin_connection_change", args=[connection.pk])),
        (superuser_client, reverse("admin:connections_admin_connection_changelist")),
        (superuser_client, reverse("admin:connections_admin_auditevent_changelist")),
    ]
    pages += [
        (superuser_client, reverse("admin:connections_admin_auditevent_change", args=[e.pk]))
        for e in AuditEvent.objects.all()
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url

    html = editor_client.get(reverse("connections_admin:connection-configuration", args=[pid])).content.decode()
    assert "DB_PASSWORD" in html and "••••••••" in html
    assert SECRET not in variable.value_encrypted
    assert all(SECRET not in str(e.detail) for e in AuditEvent.objects.all())
    assert SECRET not in caplog.text
