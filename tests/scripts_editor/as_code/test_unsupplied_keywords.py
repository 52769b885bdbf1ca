"""An unedited export imports back: a configuration value left as one bare marker keeps the stored secret."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connections_admin.models import Connection
from connections_admin.selectors import configuration_for_run
from connections_admin.services import configuration_variable_set
from scripts_editor.selectors import script_revision_current

from .conftest import SECRET, read_tree, write_tree

pytestmark = pytest.mark.django_db


def run_import(root, *args) -> str:
    out = StringIO()
    call_command("import_connections", str(root), *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def no_keywords_in_the_environment(monkeypatch):
    for name in ("DB_PASS", "API_TOKEN", "X", "legacy_db__DB_PASS"):
        monkeypatch.delenv(name, raising=False)


def edit_database(root, change) -> None:
    """Change database.json; a string value "@@KEY@@" is written unquoted, as a JSON marker must be."""
    path = root / "database-connections" / "legacy-db" / "database.json"
    database = json.loads(path.read_text())
    change(database)
    path.write_text(re.sub(r'"(@@\w+@@)"', r"\1", json.dumps(database, indent=2)))


@pytest.mark.parametrize("layout", ["directory", "yaml"])
def test_an_unedited_export_imports_back_keeping_the_stored_secret(legacy_connection, tmp_path, layout):
    call_command("export_connections", str(tmp_path), "--format", layout)
    revision = script_revision_current(connection=legacy_connection).number

    out = run_import(tmp_path)

    assert "configuration kept: no value supplied (the stored value stays): DB_PASS" in out
    assert "= unchanged legacy-db" in out and SECRET not in out
    assert configuration_for_run(connection=legacy_connection) == {"DB_PASS": SECRET}
    assert script_revision_current(connection=legacy_connection).number == revision


def test_a_bare_json_marker_also_keeps_the_stored_secret_and_a_supplied_value_still_wins(legacy_connection, tmp_path):
    call_command("export_connections", str(tmp_path))
    edit_database(tmp_path, lambda d: d["options"]["configuration"].update(DB_PASS="@@DB_PASS@@"))
    assert "kept: no value supplied" in run_import(tmp_path)
    assert configuration_for_run(connection=legacy_connection) == {"DB_PASS": SECRET}

    keywords = write_tree(tmp_path / "k", {"k.json": json.dumps({"DB_PASS": "new-secret"})}) / "k.json"
    out = run_import(tmp_path, "--keywords", str(keywords))

    assert "configuration set: DB_PASS (values not shown)" in out
    assert configuration_for_run(connection=legacy_connection) == {"DB_PASS": "new-secret"}


def test_importing_the_export_as_a_new_connection_says_how_to_supply_the_value(legacy_connection, tmp_path):
    call_command("export_connections", str(tmp_path))
    Connection.objects.all().delete()

    with pytest.raises(CommandError) as error:
        run_import(tmp_path)

    message = str(error.value)
    assert (
        "database-connections/legacy-db/database.json: options.configuration.DB_PASS: keyword DB_PASS has no "
        "value and 'legacy-db' is a new connection" in message
    )
    assert "keywords JSON file" in message and "--keywords" in message
    assert "remove options.configuration" in message
    assert not Connection.objects.exists()


def test_a_key_the_connection_does_not_store_is_still_an_error(legacy_connection, tmp_path):
    call_command("export_connections", str(tmp_path))
    edit_database(tmp_path, lambda d: d["options"]["configuration"].update(API_TOKEN="##API_TOKEN##"))

    with pytest.raises(CommandError, match="keyword API_TOKEN has no value and 'legacy-db' has no stored API_TOKEN"):
        run_import(tmp_path)
    assert configuration_for_run(connection=legacy_connection) == {"DB_PASS": SECRET}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["options"]["configuration"].update(DB_PASS="prefix-##DB_PASS##"),  # not one whole marker
        lambda d: d.update(display_name="##X##"),  # not a configuration value
        lambda d: d["options"].update(trickle_egress_allowlist="@@X@@"),
        lambda d: d["options"]["configuration"].update({"##X##": "value"}),  # a key, not a value
    ],
)
def test_markers_anywhere_else_without_a_value_stay_errors(legacy_connection, tmp_path, change):
    configuration_variable_set(connection=legacy_connection, key="X", value="stored", by=None)
    call_command("export_connections", str(tmp_path))
    edit_database(tmp_path, change)

    with pytest.raises(CommandError, match=r"keyword (DB_PASS|X) has no value; supply it in a keywords JSON file"):
        run_import(tmp_path)


def test_markers_in_scripts_without_a_value_stay_errors(legacy_connection, tmp_path):
    call_command("export_connections", str(tmp_path))
    login = tmp_path / "database-connections" / "legacy-db" / "login.js"
    login.write_text(login.read_text().replace("configuration.X", "'##DB_PASS##'"))

    with pytest.raises(CommandError, match="login.js: keyword DB_PASS has no value"):
        run_import(tmp_path)


def test_the_yaml_layout_refuses_a_bare_marker_outside_configuration(legacy_connection, tmp_path):
    call_command("export_connections", str(tmp_path), "--format", "yaml")
    tenant = tmp_path / "tenant.yaml"
    tenant.write_text(tenant.read_text().replace("display_name: Legacy DB", "display_name: '##X##'"))
    assert "##X##" in read_tree(tmp_path)["tenant.yaml"]

    with pytest.raises(CommandError, match="tenant.yaml databases\\[0\\]: keyword X has no value"):
        run_import(tmp_path)
