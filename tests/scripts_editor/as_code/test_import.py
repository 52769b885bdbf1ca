"""import_connections: deploy-CLI folders written by hand, keywords, validation before change, dry run."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connections_admin.models import AuditEvent, Connection
from connections_admin.selectors import configuration_for_run
from connections_admin.services import configuration_variable_set, connection_create
from scriptd_client.limits import SOURCE_MAX_BYTES
from scripts_editor.as_code import apply
from scripts_editor.exceptions import ScriptConflict
from scripts_editor.models import ScriptRevision
from scripts_editor.selectors import script_bodies_current, script_revision_current

from .conftest import KEYWORDS, SECRET, directory_fixture, script, write_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def keywords_file(tmp_path):
    path = tmp_path / "keywords.json"
    path.write_text(json.dumps(KEYWORDS))
    return path


def run_import(root, *args) -> str:
    out = StringIO()
    call_command("import_connections", str(root), *args, stdout=out)
    return out.getvalue()


def test_a_directory_fixture_imports_with_keywords_replaced_in_json_and_scripts(tmp_path, keywords_file):
    root = directory_fixture(tmp_path / "repo")

    out = run_import(root, "--keywords", str(keywords_file))

    connection = Connection.objects.get(name="from-cli")
    assert connection.use_own_database and connection.egress_allowlist == ["db.internal:3306"]
    scripts = script_bodies_current(connection=connection)
    assert 'var env = "test";' in scripts["login"]  # @@ENV@@ is JSON-encoded
    assert "var host = 'db.internal';" in scripts["get_user"]  # ##DB_HOST## is literal
    assert scripts["create"] == ""  # not listed in customScripts: not implemented
    assert configuration_for_run(connection=connection) == {"DB_HOST": "db.internal", "DB_PASS": SECRET}
    assert script_revision_current(connection=connection).number == 1
    assert "ignored (Trickle does not use it): enabled_clients, options.brute_force_protection" in out
    assert SECRET not in out
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONNECTIONS_IMPORTED, connection=connection).exists()


def test_keyword_values_come_from_the_environment_and_the_file_wins(tmp_path, monkeypatch):
    root = directory_fixture(tmp_path / "repo")
    for key, value in KEYWORDS.items():
        monkeypatch.setenv(key, value if isinstance(value, str) else json.dumps(value))
    monkeypatch.setenv("ALLOWLIST", '"ignored:1"')  # the env holds text; @@ encodes it as a JSON string
    keywords = tmp_path / "k.json"
    keywords.write_text(json.dumps({"ALLOWLIST": ["db.internal:3306"]}))

    run_import(root, "--keywords", str(keywords))

    connection = Connection.objects.get(name="from-cli")
    assert connection.egress_allowlist == ["db.internal:3306"]
    assert configuration_for_run(connection=connection)["DB_PASS"] == SECRET


def test_a_yaml_fixture_imports_with_scripts_relative_to_tenant_yaml(tmp_path, keywords_file):
    root = write_tree(
        tmp_path / "repo",
        {
            "tenant.yaml": (
                "databases:\n"
                "  - name: yaml-db\n"
                "    strategy: auth0\n"
                "    options:\n"
                "      enabledDatabaseCustomization: true\n"
                "      customScripts:\n"
                "        login: ./databases/yaml-db/login.js\n"
                "        verify: ./databases/yaml-db/verify.js\n"
                "      configuration:\n"
                "        DB_PASS: '##DB_PASS##'\n"
            ),
            "databases/yaml-db/login.js": script("login", "var env = @@ENV@@; callback(null);"),
            "databases/yaml-db/verify.js": script("verify"),
        },
    )

    run_import(root, "--keywords", str(keywords_file))

    connection = Connection.objects.get(name="yaml-db")
    scripts = script_bodies_current(connection=connection)
    assert 'var env = "test";' in scripts["login"] and "function verify" in scripts["verify"]
    assert configuration_for_run(connection=connection) == {"DB_PASS": SECRET}


def test_a_missing_keyword_is_a_clear_error_naming_the_key_and_file_and_changes_nothing(tmp_path):
    root = directory_fixture(tmp_path / "repo")
    keywords = tmp_path / "k.json"
    keywords.write_text(json.dumps({k: v for k, v in KEYWORDS.items() if k != "ENV"}))

    with pytest.raises(CommandError) as error:
        run_import(root, "--keywords", str(keywords))

    assert "database-connections/from-cli/login.js: keyword ENV has no value" in str(error.value)
    assert not Connection.objects.exists()


def test_a_dry_run_prints_diffs_and_settings_and_changes_nothing(legacy_connection, tmp_path, keywords_file):
    call_command("export_connections", str(tmp_path / "repo"))
    login = tmp_path / "repo/database-connections/legacy-db/login.js"
    login.write_text(login.read_text().replace("callback(null, {id: configuration.X});", "callback(null, {});"))
    database = tmp_path / "repo/database-connections/legacy-db/database.json"
    database.write_text(
        database.read_text().replace('"trickle_script_timeout_s": 15', '"trickle_script_timeout_s": 30')
    )
    events = AuditEvent.objects.count()

    out = run_import(tmp_path / "repo", "--dry-run", "--keywords", str(keywords_file))

    assert "~ change legacy-db" in out
    assert "script_timeout_s: 15 -> 30" in out
    assert "-  callback(null, {id: configuration.X});" in out and "+  callback(null, {});" in out
    assert "configuration set: DB_PASS" not in out  # same value as stored: nothing to set
    assert "Dry run: nothing was changed." in out
    legacy_connection.refresh_from_db()
    assert legacy_connection.script_timeout_s == 15
    assert ScriptRevision.objects.filter(connection=legacy_connection).count() == 1
    assert AuditEvent.objects.count() == events


def test_importing_the_same_files_again_changes_nothing(tmp_path, keywords_file):
    root = directory_fixture(tmp_path / "repo")
    run_import(root, "--keywords", str(keywords_file))
    events = AuditEvent.objects.count()

    out = run_import(root, "--keywords", str(keywords_file))

    assert "= unchanged from-cli" in out and "Nothing to import." in out
    assert AuditEvent.objects.count() == events


def test_a_script_with_a_syntax_error_stops_the_import_with_nothing_applied(tmp_path, keywords_file):
    directory_fixture(tmp_path / "repo", name="good-one")
    root = directory_fixture(tmp_path / "repo", name="bad-one", login="function login(a, b, callback) {\n  callback(\n")

    with pytest.raises(CommandError) as error:
        run_import(root, "--keywords", str(keywords_file))

    assert "database-connections/bad-one/login.js:" in str(error.value)
    assert "line" in str(error.value) and "Nothing was imported" in str(error.value)
    assert not Connection.objects.exists()


def test_a_failure_while_applying_rolls_back_every_connection(tmp_path, keywords_file, monkeypatch):
    directory_fixture(tmp_path / "repo", name="a-first")
    root = directory_fixture(tmp_path / "repo", name="b-second")
    real_save = apply.scripts_save

    def save_then_fail_on_second(*, connection, **kwargs):
        if connection.name == "b-second":  # someone saved while we applied: the service refuses
            raise ScriptConflict(current=script_revision_current(connection=connection), base_number=0)
        return real_save(connection=connection, **kwargs)

    monkeypatch.setattr(apply, "scripts_save", save_then_fail_on_second)

    with pytest.raises(CommandError, match="was saved since the plan was made"):
        run_import(root, "--keywords", str(keywords_file))

    assert not Connection.objects.exists() and not ScriptRevision.objects.exists()


@pytest.mark.parametrize("reference", ["../../../outside.js", "/etc/passwd", "..\\..\\x.js"])
def test_a_script_path_leading_out_of_the_folder_is_refused(tmp_path, reference):
    (tmp_path / "outside.js").write_text(script("login"))
    root = directory_fixture(
        tmp_path / "repo", database={"name": "escape", "options": {"customScripts": {"login": reference}}}
    )

    with pytest.raises(CommandError, match="escape/database.json: options.customScripts.login"):
        run_import(root)

    assert not Connection.objects.exists()


def test_a_symlink_leading_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "outside.js").write_text(script("login"))
    root = directory_fixture(
        tmp_path / "repo", database={"name": "escape", "options": {"customScripts": {"login": "./login.js"}}}
    )
    (root / "database-connections/escape/login.js").symlink_to(tmp_path / "outside.js")

    with pytest.raises(CommandError, match="leads outside the folder"):
        run_import(root)

    assert not Connection.objects.exists()


def test_unknown_script_keys_missing_files_unreferenced_scripts_and_size_are_all_reported_at_once(tmp_path):
    root = directory_fixture(
        tmp_path / "repo",
        database={
            "name": "messy",
            "options": {
                "customScripts": {
                    "login": "./login.js",
                    "get_user": "./nowhere.js",
                    "logn": "./login.js",
                    "create": "./create.js",
                }
            },
        },
    )
    write_tree(
        root,
        {
            "database-connections/messy/login.js": script("login"),
            "database-connections/messy/get_user.js": script("getUser"),
        },
    )
    (root / "database-connections/messy/create.js").write_text("//" + "x" * (SOURCE_MAX_BYTES + 10))

    with pytest.raises(CommandError) as error:
        run_import(root)

    message = str(error.value)
    assert "options.customScripts.logn is not a script Trickle knows" in message
    assert "database-connections/messy/nowhere.js: file not found" in message
    assert "database-connections/messy/get_user.js: no options.customScripts entry references this script" in message
    assert "database-connections/messy/create.js: 512 kB is above the 512 kB limit" in message
    assert not Connection.objects.exists()


def test_invalid_settings_are_refused_before_anything_changes(tmp_path):
    root = directory_fixture(
        tmp_path / "repo",
        database={
            "name": "bad-settings",
            "options": {"import_mode": True, "trickle_script_timeout_s": 99, "trickle_egress_allowlist": ["no-port"]},
        },
    )

    with pytest.raises(CommandError) as error:
        run_import(root)

    message = str(error.value)
    assert "options.trickle_script_timeout_s: A whole number of seconds from 1 to 60." in message
    assert "options.trickle_egress_allowlist: 'no-port' is not host:port" in message
    assert 'options.import_mode: Import users needs "Use my own database" on.' in message


def test_connections_not_in_the_files_are_kept_unless_deletion_is_allowed(tmp_path, keywords_file, editor):
    connection_create(name="old-one", by=editor)
    root = directory_fixture(tmp_path / "repo")

    out = run_import(root, "--keywords", str(keywords_file))
    assert "! keep old-one" in out and Connection.objects.filter(name="old-one").exists()

    out = run_import(root, "--keywords", str(keywords_file), "--allow-delete", "--dry-run")
    assert "- delete old-one" in out and Connection.objects.filter(name="old-one").exists()

    run_import(root, "--keywords", str(keywords_file), "--allow-delete")
    assert not Connection.objects.filter(name="old-one").exists()


def test_configuration_keys_missing_from_the_files_are_kept_unless_deletion_is_allowed(
    legacy_connection, tmp_path, keywords_file, editor
):
    configuration_variable_set(connection=legacy_connection, key="EXTRA", value="x", by=editor)
    call_command("export_connections", str(tmp_path / "repo"), "--name", "legacy-db")
    database = tmp_path / "repo/database-connections/legacy-db/database.json"
    database.write_text(database.read_text().replace(',\n      "EXTRA": "##EXTRA##"', ""))

    out = run_import(tmp_path / "repo", "--keywords", str(keywords_file))
    assert "configuration kept (not in the files; allow deletions to remove): EXTRA" in out
    assert "EXTRA" in configuration_for_run(connection=legacy_connection)

    run_import(tmp_path / "repo", "--keywords", str(keywords_file), "--allow-delete")
    assert configuration_for_run(connection=legacy_connection) == {"DB_PASS": SECRET}


def test_a_folder_without_either_layout_is_refused(tmp_path):
    with pytest.raises(CommandError, match="neither of database-connections/"):
        run_import(tmp_path)
