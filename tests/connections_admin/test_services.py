import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.test import override_settings

from connections_admin import crypto, selectors, services
from connections_admin.models import AuditEvent, ConfigurationVariable, Connection


@pytest.mark.parametrize("name", ["a", "legacy-db", "A1-b2-C3", "x" * 128])
def test_it_accepts_auth0_style_names(editor, name):
    connection = services.connection_create(name=name, by=editor)
    assert connection.public_id.startswith("con_") and len(connection.public_id) == 20
    assert connection.public_id[4:].isalnum()


@pytest.mark.parametrize("name", ["", "-lead", "trail-", "dou--ble", "under_score", "sp ace", "é", "x" * 129])
def test_it_refuses_bad_names_as_validation_errors(editor, name):
    with pytest.raises(ValidationError) as e:
        services.connection_create(name=name, by=editor)
    assert "name" in e.value.message_dict
    assert not Connection.objects.exists()


def test_a_taken_name_is_a_validation_error_whatever_its_case(editor):
    services.connection_create(name="Legacy", by=editor)
    with pytest.raises(ValidationError, match="already exists"):
        services.connection_create(name="legacy", by=editor)
    assert Connection.objects.count() == 1


def test_creating_records_an_audit_event(editor):
    connection = services.connection_create(name="db1", by=editor, use_own_database=True)
    event = AuditEvent.objects.get()
    assert (event.connection, event.actor, event.action) == (connection, editor, "connection.created")


def test_updating_records_what_changed_and_nothing_when_unchanged(editor, connection):
    services.connection_update(connection=connection, by=editor, use_own_database=True, display_name="X")
    event = AuditEvent.objects.get(action="connection.updated")
    assert event.detail["changes"]["use_own_database"] == [False, True]
    services.connection_update(connection=connection, by=editor, use_own_database=True)
    assert AuditEvent.objects.filter(action="connection.updated").count() == 1


def test_import_users_needs_use_own_database(editor, connection):
    with pytest.raises(ValidationError):
        services.connection_update(connection=connection, by=editor, import_users=True)
    connection.refresh_from_db()
    assert connection.import_users is False


def test_the_script_context_cannot_be_turned_off_once_on(editor, connection):
    services.connection_update(connection=connection, by=editor, enable_script_context=True)
    with pytest.raises(ValidationError):
        services.connection_update(connection=connection, by=editor, enable_script_context=False)


def test_deleting_keeps_the_audit_trail(editor, connection):
    services.configuration_variable_set(connection=connection, key="K", value="v", by=editor)
    services.connection_delete(connection=connection, by=editor)
    assert not ConfigurationVariable.objects.exists()
    event = AuditEvent.objects.get(action="connection.deleted")
    assert event.connection is None and event.connection_name == "legacy-db"
    assert AuditEvent.objects.filter(action="variable.set", connection_name="legacy-db").exists()


def test_variables_are_encrypted_at_rest_and_decrypted_for_runs(editor, connection):
    services.configuration_variable_set(connection=connection, key="DB_PASS", value="hunter2-secret", by=editor)
    stored = ConfigurationVariable.objects.get()
    assert "hunter2" not in stored.value_encrypted
    assert selectors.configuration_for_run(connection=connection) == {"DB_PASS": "hunter2-secret"}


def test_setting_an_existing_key_replaces_it(editor, connection):
    services.configuration_variable_set(connection=connection, key="K", value="one", by=editor)
    services.configuration_variable_set(connection=connection, key="K", value="two", by=editor)
    assert selectors.configuration_for_run(connection=connection) == {"K": "two"}
    assert [e.detail["replaced"] for e in AuditEvent.objects.filter(action="variable.set").order_by("id")] == [
        False,
        True,
    ]


@pytest.mark.parametrize("key", ["", "1abc", "has-dash", "x" * 65, "sp ace"])
def test_variable_keys_must_be_javascript_identifiers(editor, connection, key):
    with pytest.raises(ValidationError):
        services.configuration_variable_set(connection=connection, key=key, value="v", by=editor)
    assert not ConfigurationVariable.objects.exists()


def test_variable_values_are_limited_to_4096_characters(editor, connection):
    services.configuration_variable_set(connection=connection, key="OK", value="é" * 4096, by=editor)
    with pytest.raises(ValidationError, match="4096 characters"):
        services.configuration_variable_set(connection=connection, key="BIG", value="x" * 4097, by=editor)


def test_a_connection_holds_at_most_100_variables(editor, connection):
    for i in range(100):
        ConfigurationVariable.objects.create(connection=connection, key=f"K{i}", value_encrypted=crypto.encrypt("v"))
    with pytest.raises(ValidationError, match="at most 100"):
        services.configuration_variable_set(connection=connection, key="ONE_MORE", value="v", by=editor)
    services.configuration_variable_set(connection=connection, key="K5", value="replaced", by=editor)


def test_removing_a_missing_variable_records_nothing(editor, connection):
    assert services.configuration_variable_remove(connection=connection, key="NOPE", by=editor) is False
    assert not AuditEvent.objects.filter(action="variable.removed").exists()


def test_keys_rotate_without_losing_a_value(editor, connection, settings):
    services.configuration_variable_set(connection=connection, key="K", value="rotated-secret", by=editor)
    old_key, new_key = settings.TRICKLE_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    with override_settings(TRICKLE_ENCRYPTION_KEYS=[new_key, old_key]):
        assert services.configuration_reencrypt_all() == 1
    with override_settings(TRICKLE_ENCRYPTION_KEYS=[new_key]):  # the old key is gone now
        assert selectors.configuration_for_run(connection=connection) == {"K": "rotated-secret"}


def test_audit_events_are_append_only(editor, connection):
    event = services.audit_event_record(connection=connection, action="connection.updated", by=editor)
    event.action = "connection.deleted"
    with pytest.raises(ValueError):
        event.save()
