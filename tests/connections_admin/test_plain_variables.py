"""Configuration variables are secret (the default: write-only, masked) or plain (shown, never masked)."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from connections_admin import crypto, services
from connections_admin.models import AuditEvent, ConfigurationVariable

SECRET = "pa55-Zebra-9731-never-show"


def _configuration_url(connection):
    return reverse("connections_admin:connection-configuration", args=[connection.public_id])


def _make_secret_url(connection, key):
    return reverse("connections_admin:variable-make-secret", args=[connection.public_id, key])


def test_plain_values_are_shown_on_the_page_and_in_the_admin_secrets_are_not(
    editor_client, superuser_client, connection
):
    url = _configuration_url(connection)
    assert editor_client.post(url, {"key": "PG_PORT", "value": "54329", "plain": "on"}).status_code == 302
    assert editor_client.post(url, {"key": "DB_PASSWORD", "value": SECRET}).status_code == 302
    assert ConfigurationVariable.objects.get(key="PG_PORT").plain is True
    assert ConfigurationVariable.objects.get(key="DB_PASSWORD").plain is False  # secret unless asked

    for client, page in [
        (editor_client, url),
        (superuser_client, reverse("admin:connections_admin_connection_change", args=[connection.pk])),
    ]:
        html = client.get(page).content.decode()
        assert "54329" in html and SECRET not in html, page
    assert "54329" not in ConfigurationVariable.objects.get(key="PG_PORT").value_encrypted  # still encrypted


def test_saving_a_short_secret_is_allowed_with_a_warning_a_short_plain_value_is_not_warned_about(
    editor_client, connection
):
    url = _configuration_url(connection)
    response = editor_client.post(url, {"key": "PIN", "value": "e"}, follow=True)
    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert ConfigurationVariable.objects.filter(key="PIN", plain=False).exists()
    assert len(warnings) == 1 and "PIN is shorter than 8 characters" in warnings[0]
    assert "PIN is shorter than 8 characters" in response.content.decode()

    response = editor_client.post(url, {"key": "PG_SSL", "value": "true", "plain": "on"}, follow=True)
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_a_plain_variable_can_be_made_secret_and_a_secret_becomes_plain_only_with_its_value_again(
    editor, editor_client, connection
):
    services.configuration_variable_set(
        connection=connection, key="HOST", value="db.example.test", plain=True, by=editor
    )
    assert editor_client.post(_make_secret_url(connection, "HOST")).status_code == 302
    variable = ConfigurationVariable.objects.get(key="HOST")
    assert variable.plain is False and crypto.decrypt(variable.value_encrypted) == "db.example.test"
    assert "db.example.test" not in editor_client.get(_configuration_url(connection)).content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VARIABLE_SET, detail__plain=False).exists()

    # There is no "make plain" without the value: marking alone would reveal a stored secret.
    services.configuration_variable_set(
        connection=connection, key="HOST", value="db.example.test", plain=True, by=editor
    )
    assert ConfigurationVariable.objects.get(key="HOST").plain is True


def test_making_an_unknown_variable_secret_is_a_clear_refusal(editor, connection):
    with pytest.raises(ValidationError, match="There is no variable NOPE"):
        services.configuration_variable_make_secret(connection=connection, key="NOPE", by=editor)


def test_viewers_cannot_make_a_variable_secret(viewer_client, connection):
    services.configuration_variable_set(connection=connection, key="HOST", value="db.example.test", plain=True, by=None)
    assert viewer_client.post(_make_secret_url(connection, "HOST")).status_code == 403
    assert ConfigurationVariable.objects.get(key="HOST").plain is True


def test_setting_the_same_value_and_flag_again_writes_nothing(editor, connection):
    services.configuration_variable_set(connection=connection, key="K", value="same-value", by=editor)
    before = AuditEvent.objects.count()
    services.configuration_variable_set(connection=connection, key="K", value="same-value", by=editor)
    assert AuditEvent.objects.count() == before
    services.configuration_variable_set(connection=connection, key="K", value="same-value", plain=True, by=editor)
    assert AuditEvent.objects.count() == before + 1
