"""Connections as code and options.trickle_plain_configuration: plain values travel as values, secrets as
`##KEY##` references, and no import makes a stored secret plain without its value."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connections_admin.models import ConfigurationVariable, Connection
from connections_admin.selectors import configuration_for_run, configuration_plain_keys
from connections_admin.services import configuration_variable_set

from .conftest import SECRET, read_tree

pytestmark = pytest.mark.django_db
DATABASE = "database-connections/legacy-db/database.json"


@pytest.fixture(autouse=True)
def no_keywords_in_the_environment(monkeypatch):
    for name in ("DB_PASS", "PG_PORT", "PIN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def with_plain(legacy_connection, editor):
    configuration_variable_set(connection=legacy_connection, key="PG_PORT", value="5432", plain=True, by=editor)
    return legacy_connection


def _import(root, *args) -> str:
    out = StringIO()
    call_command("import_connections", str(root), *args, stdout=out)
    return out.getvalue()


def _edit(root, change) -> None:
    path = root / DATABASE
    database = json.loads(path.read_text())
    change(database["options"])
    path.write_text(json.dumps(database, indent=2))


def test_plain_values_are_exported_as_values_and_secrets_as_references(with_plain, tmp_path):
    call_command("export_connections", str(tmp_path))
    files = read_tree(tmp_path)
    options = json.loads(files[DATABASE])["options"]
    assert options["configuration"] == {"DB_PASS": "##DB_PASS##", "PG_PORT": "5432"}
    assert options["trickle_plain_configuration"] == ["PG_PORT"]
    assert json.loads(files["keywords.example.json"]) == {"DB_PASS": ""}
    assert all(SECRET not in text for text in files.values())


def test_an_export_imports_into_an_empty_database_with_its_flags(with_plain, tmp_path):
    call_command("export_connections", str(tmp_path))
    Connection.objects.all().delete()
    keywords = tmp_path / "keywords.json"
    keywords.write_text(json.dumps({"DB_PASS": SECRET}))

    _import(tmp_path, "--keywords", str(keywords))

    connection = Connection.objects.get(name="legacy-db")
    assert configuration_for_run(connection=connection) == {"DB_PASS": SECRET, "PG_PORT": "5432"}
    assert configuration_plain_keys(connection=connection) == {"PG_PORT"}


def test_an_unedited_export_imports_back_unchanged(with_plain, tmp_path):
    call_command("export_connections", str(tmp_path))
    assert "= unchanged legacy-db" in _import(tmp_path)


def test_listing_fewer_plain_keys_makes_the_others_secret(with_plain, tmp_path):
    call_command("export_connections", str(tmp_path))
    _edit(tmp_path, lambda options: options.update(trickle_plain_configuration=[]))

    out = _import(tmp_path)

    assert "configuration set: PG_PORT" in out and "warning: PG_PORT is shorter than 8 characters" in out
    assert configuration_plain_keys(connection=with_plain) == frozenset()
    assert configuration_for_run(connection=with_plain)["PG_PORT"] == "5432"


def test_a_plain_key_given_as_an_unsupplied_reference_is_made_secret_keeping_its_value(with_plain, tmp_path):
    call_command("export_connections", str(tmp_path))

    def change(options):
        options["configuration"]["PG_PORT"] = "##PG_PORT##"
        options["trickle_plain_configuration"] = []

    _edit(tmp_path, change)
    out = _import(tmp_path)

    assert "configuration made secret: PG_PORT" in out
    assert configuration_plain_keys(connection=with_plain) == frozenset()
    assert configuration_for_run(connection=with_plain)["PG_PORT"] == "5432"


def test_a_stored_secret_is_never_made_plain_without_its_value(with_plain, tmp_path):
    call_command("export_connections", str(tmp_path))
    _edit(tmp_path, lambda options: options.update(trickle_plain_configuration=["PG_PORT", "DB_PASS"]))

    with pytest.raises(CommandError) as caught:
        _import(tmp_path)

    assert "DB_PASS is a secret; to make it plain, give its value" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert ConfigurationVariable.objects.get(key="DB_PASS").plain is False
    # With the value in the file, it becomes plain.
    _edit(tmp_path, lambda options: options["configuration"].update(DB_PASS="not-a-secret-now"))
    assert "configuration plain (not secret): DB_PASS" in _import(tmp_path)
    assert configuration_plain_keys(connection=with_plain) == {"PG_PORT", "DB_PASS"}


def test_a_short_secret_is_imported_with_a_warning(with_plain, tmp_path):
    call_command("export_connections", str(tmp_path))
    _edit(tmp_path, lambda options: options["configuration"].update(PIN="e"))

    out = _import(tmp_path)

    assert "warning: PIN is shorter than 8 characters" in out
    assert ConfigurationVariable.objects.get(key="PIN").plain is False
