"""Export, import into an empty database, export again: the same files, and no secret in any of them."""

import json

import pytest
from django.core.management import call_command

from connections_admin.models import Connection
from connections_admin.selectors import configuration_for_run
from connections_admin.services import configuration_variable_set, connection_create
from scripts_editor.selectors import script_bodies_current
from scripts_editor.services import scripts_save

from .conftest import SECRET, read_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_connections(legacy_connection, editor):
    migrating = connection_create(
        name="migrating",
        by=editor,
        use_own_database=True,
        import_users=True,
        enable_script_context=True,
        legacy_globals=False,
    )
    configuration_variable_set(connection=migrating, key="DB_PASS", value="another-secret", by=editor)
    configuration_variable_set(connection=migrating, key="API_KEY", value="k-123", by=editor)
    connection_create(name="managed", by=editor)  # never saved scripts: exports the blank stubs
    return legacy_connection, migrating


@pytest.mark.parametrize("layout", ["directory", "yaml"])
def test_export_then_import_into_an_empty_database_then_export_gives_identical_files(
    three_connections, tmp_path, layout
):
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_connections", str(first), "--format", layout)
    before = {c.name: script_bodies_current(connection=c) for c in Connection.objects.all()}
    Connection.objects.all().delete()

    keywords = tmp_path / "keywords.json"
    keywords.write_text(
        json.dumps({"legacy_db__DB_PASS": SECRET, "migrating__DB_PASS": "another-secret", "API_KEY": "k-123"})
    )
    call_command("import_connections", str(first), "--keywords", str(keywords))
    call_command("export_connections", str(second), "--format", layout)

    assert read_tree(first) == read_tree(second)
    assert {c.name: script_bodies_current(connection=c) for c in Connection.objects.all()} == before
    assert configuration_for_run(connection=Connection.objects.get(name="legacy-db")) == {"DB_PASS": SECRET}
    assert configuration_for_run(connection=Connection.objects.get(name="migrating")) == {
        "API_KEY": "k-123",
        "DB_PASS": "another-secret",
    }
    migrating = Connection.objects.get(name="migrating")
    assert (migrating.import_users, migrating.enable_script_context, migrating.legacy_globals) == (True, True, False)


def test_the_directory_export_has_the_deploy_cli_layout_and_the_api_options_shape(legacy_connection, tmp_path):
    call_command("export_connections", str(tmp_path))

    folder = tmp_path / "database-connections" / "legacy-db"
    assert sorted(p.name for p in folder.iterdir()) == ["database.json", "get_user.js", "login.js"]
    database = json.loads((folder / "database.json").read_text())
    assert database == {
        "name": "legacy-db",
        "display_name": "Legacy DB",
        "strategy": "auth0",
        "options": {
            "enabledDatabaseCustomization": True,
            "import_mode": False,
            "requires_username": False,
            "enable_script_context": False,
            "trickle_egress_allowlist": ["db.example.test:5432"],
            "trickle_script_timeout_s": 15,
            "trickle_legacy_globals": True,
            "configuration": {"DB_PASS": "##DB_PASS##"},
            "trickle_plain_configuration": [],
            "customScripts": {"get_user": "./get_user.js", "login": "./login.js"},
        },
    }
    assert json.loads((tmp_path / "keywords.example.json").read_text()) == {"DB_PASS": ""}


def test_the_yaml_export_puts_scripts_under_databases_relative_to_tenant_yaml(legacy_connection, tmp_path):
    call_command("export_connections", str(tmp_path), "--format", "yaml")

    tenant = (tmp_path / "tenant.yaml").read_text()
    assert "customScripts:\n      get_user: ./databases/legacy-db/get_user.js\n" in tenant
    assert "DB_PASS: '##DB_PASS##'" in tenant
    assert (tmp_path / "databases" / "legacy-db" / "login.js").read_text() == script_bodies_current(
        connection=legacy_connection
    )["login"]


def test_a_secret_never_appears_in_any_exported_file_and_its_key_is_listed(legacy_connection, tmp_path, capsys):
    for layout in ("directory", "yaml"):
        call_command("export_connections", str(tmp_path / layout), "--format", layout)

    files = read_tree(tmp_path)
    assert files and not [path for path, text in files.items() if SECRET in text]
    assert "DB_PASS  (legacy-db)" in capsys.readouterr().out


def test_a_key_two_connections_share_gets_a_keyword_per_connection(three_connections, tmp_path, capsys):
    call_command("export_connections", str(tmp_path))

    database = json.loads((tmp_path / "database-connections/migrating/database.json").read_text())
    assert database["options"]["configuration"] == {"API_KEY": "##API_KEY##", "DB_PASS": "##migrating__DB_PASS##"}
    assert json.loads((tmp_path / "keywords.example.json").read_text()) == {
        "API_KEY": "",
        "legacy_db__DB_PASS": "",
        "migrating__DB_PASS": "",
    }


def test_exporting_by_name_writes_only_those_connections(three_connections, tmp_path):
    call_command("export_connections", str(tmp_path), "--name", "managed")

    assert sorted(p.name for p in (tmp_path / "database-connections").iterdir()) == ["managed"]


def test_exporting_again_removes_deleted_connections_and_emptied_scripts(three_connections, tmp_path, editor):
    legacy, _ = three_connections
    call_command("export_connections", str(tmp_path))
    Connection.objects.filter(name="managed").delete()
    scripts_save(
        connection=legacy, scripts=script_bodies_current(connection=legacy) | {"get_user": ""}, base_number=1, by=editor
    )

    call_command("export_connections", str(tmp_path))

    assert sorted(p.name for p in (tmp_path / "database-connections").iterdir()) == ["legacy-db", "migrating"]
    assert not (tmp_path / "database-connections/legacy-db/get_user.js").exists()
