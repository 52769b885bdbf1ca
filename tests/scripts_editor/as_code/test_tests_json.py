"""Saved test cases in connections as code: tests.json beside the scripts, each password a ##KEY##
reference (never its value), and an import that creates, changes and deletes cases as its plan shows."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from connections_admin.models import Connection
from scripts_editor.as_code.exceptions import AsCodeRejected
from scripts_editor.as_code.plan import import_prepare, plan_text
from scripts_editor.models import ScriptTestCase
from scripts_editor.saved_tests import script_test_case_create, script_test_case_secrets

from .conftest import SECRET, read_tree

pytestmark = pytest.mark.django_db
PASSWORD = 'ada"s \\ pa55'  # a quote and a backslash: must survive as a keyword value
TESTS = "database-connections/legacy-db/tests.json"
KEYWORD = "TEST__legacy_db__ada_logs_in__password"
NESTED = "TEST__legacy_db__a_taken_email__user_password"


@pytest.fixture
def with_cases(legacy_connection, editor):
    script_test_case_create(
        connection=legacy_connection,
        name="ada logs in",
        script="login",
        args={"email": "ada@example.com", "password": PASSWORD},
        expect="profile",
        expected={"nickname": "Ada"},
        by=editor,
    )
    script_test_case_create(
        connection=legacy_connection,
        name="a taken email",
        script="create",
        args={"user": {"email": "ada@example.com", "password": "other-" + PASSWORD}},
        expect="validation_error",
        expected={"code": "user_exists"},
        by=editor,
    )
    script_test_case_create(
        connection=legacy_connection,
        name="nobody",
        script="get_user",
        args={"email": "nobody@example.com"},
        expect="not_found",
        by=editor,
    )
    return legacy_connection


def cases() -> dict[str, tuple]:
    return {
        c.name: (c.connection.name, c.script, c.arguments, c.expect, c.expected, script_test_case_secrets(case=c))
        for c in ScriptTestCase.objects.select_related("connection")
    }


def keywords_file(tmp_path, **extra) -> str:
    path = tmp_path / "keywords.json"
    path.write_text(json.dumps({"DB_PASS": SECRET, KEYWORD: PASSWORD, NESTED: "other-" + PASSWORD} | extra))
    return str(path)


def test_the_export_writes_tests_json_with_password_references_only(with_cases, tmp_path):
    call_command("export_connections", str(tmp_path), "--format", "directory")
    files = read_tree(tmp_path)
    exported = json.loads(files[TESTS])
    assert [c["name"] for c in exported] == ["a taken email", "ada logs in", "nobody"]
    assert exported[1] == {
        "name": "ada logs in",
        "script": "login",
        "args": {"email": "ada@example.com", "password": f"##{KEYWORD}##"},
        "expect": "profile",
        "expected": {"nickname": "Ada"},
    }
    assert exported[0]["args"]["user"]["password"] == f"##{NESTED}##"
    assert {KEYWORD, NESTED} <= set(json.loads(files["keywords.example.json"]))
    assert not [p for p, text in files.items() if "pa55" in text or SECRET in text]


@pytest.mark.parametrize("layout", ["directory", "yaml"])
def test_export_then_import_into_a_fresh_database_gives_the_same_cases(with_cases, tmp_path, layout):
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_connections", str(first), "--format", layout)
    before = cases()
    Connection.objects.all().delete()
    assert not ScriptTestCase.objects.exists()

    call_command("import_connections", str(first), "--keywords", keywords_file(tmp_path))
    assert cases() == before
    call_command("export_connections", str(second), "--format", layout)
    assert read_tree(first) == read_tree(second)


def test_a_fresh_database_needs_the_password_keywords(with_cases, tmp_path):
    call_command("export_connections", str(tmp_path / "out"), "--format", "directory")
    Connection.objects.all().delete()
    with pytest.raises(AsCodeRejected) as caught:
        import_prepare(root=tmp_path / "out", keywords={"DB_PASS": SECRET}, allow_delete=False)
    messages = [str(p) for p in caught.value.problems]
    assert any(KEYWORD in m and "'ada logs in' is a new case" in m for m in messages), messages
    assert not Connection.objects.exists()


def test_an_unedited_export_imported_back_keeps_the_stored_passwords_and_changes_nothing(with_cases, tmp_path):
    call_command("export_connections", str(tmp_path), "--format", "directory")
    before = cases()
    plan = import_prepare(root=tmp_path, keywords={"DB_PASS": SECRET}, allow_delete=False)
    item = next(i for i in plan.connections if i.name == "legacy-db")
    assert item.action == "unchanged" and item.tests_unsupplied == [
        "a taken email: user.password",
        "ada logs in: password",
    ]
    call_command("import_connections", str(tmp_path))
    assert cases() == before


def test_the_import_plan_creates_changes_and_deletes_cases(with_cases, tmp_path):
    call_command("export_connections", str(tmp_path), "--format", "directory")
    path = tmp_path / TESTS
    listed = json.loads(path.read_text())
    listed = [c for c in listed if c["name"] != "nobody"]  # deleted
    listed[1]["expected"] = {"nickname": "Ada L."}  # changed
    listed.append(
        {
            "name": "bob",
            "script": "login",
            "args": {"email": "b@x.io", "password": "##BOB##"},
            "expect": "wrong_password",
        }
    )
    path.write_text(json.dumps(listed))
    plan = import_prepare(root=tmp_path, keywords={"BOB": "bob-pw"}, allow_delete=False)
    item = next(i for i in plan.connections if i.name == "legacy-db")
    assert (item.action, item.tests_created, item.tests_changed, item.tests_deleted) == (
        "update",
        ["bob"],
        ["ada logs in"],
        ["nobody"],
    )
    text = plan_text(plan)
    assert "test cases added: bob" in text and "test cases deleted: nobody" in text and "bob-pw" not in text

    keywords = tmp_path / "k.json"
    keywords.write_text(json.dumps({"BOB": "bob-pw"}))
    call_command("import_connections", str(tmp_path), "--keywords", str(keywords))
    after = cases()
    assert sorted(after) == ["a taken email", "ada logs in", "bob"]
    assert after["ada logs in"][4] == {"nickname": "Ada L."} and after["ada logs in"][5] == {"password": PASSWORD}
    assert after["bob"][2] == {"email": "b@x.io", "password": "********"} and after["bob"][5] == {"password": "bob-pw"}


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"name": "x", "script": "nope", "args": {}, "expect": "not_found"}, "script: One of"),
        ({"name": "x", "script": "get_user", "args": {"email": 3}, "expect": "not_found"}, "args: email must be"),
        ({"name": "x", "script": "get_user", "args": {"email": "a@b.c"}, "expect": "maybe"}, "expect: One of"),
        ({"name": "x", "script": "get_user", "args": {"email": "##WHO##"}, "expect": "not_found"}, "keyword WHO"),
        ({"name": "x", "script": "get_user", "args": {"email": "a@b.c"}, "expect": "not_found", "id": 1}, "unknown"),
        ("a string", "must be an object"),
    ],
)
def test_bad_cases_in_tests_json_are_refused_naming_the_file(legacy_connection, tmp_path, entry, message):
    call_command("export_connections", str(tmp_path), "--format", "directory")
    (tmp_path / TESTS).write_text(json.dumps([entry]))
    with pytest.raises(AsCodeRejected) as caught:
        import_prepare(root=tmp_path, keywords={"DB_PASS": SECRET}, allow_delete=False)
    assert any(p.file == f"{TESTS} [0]" and message in p.message for p in caught.value.problems), caught.value.problems


def test_the_dashboard_preview_lists_the_case_changes_and_confirm_applies_them(with_cases, editor_client):
    from .test_dashboard import CONFIRM, upload, zip_of

    exported = editor_client.get("/connections-as-code/export/?layout=directory")
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    files = {n: archive.read(n).decode() for n in archive.namelist()}
    assert f"##{KEYWORD}##" in files[TESTS] and "pa55" not in json.dumps(files)
    listed = [c for c in json.loads(files[TESTS]) if c["name"] != "nobody"]
    files[TESTS] = json.dumps(
        listed + [{"name": "new one", "script": "get_user", "args": {"email": "n@x.io"}, "expect": "not_found"}]
    )

    preview = upload(editor_client, zip_of(files), keywords={"DB_PASS": SECRET})
    page = preview.content.decode()
    assert preview.status_code == 200 and "Test cases added: new one" in page and "Test cases deleted: nobody" in page
    assert "pa55" not in page and "test passwords kept" in page.lower()
    form = preview.context["form"]
    done = editor_client.post(CONFIRM, {"upload": form.initial["upload"], "fingerprint": form.initial["fingerprint"]})
    assert done.status_code == 302
    assert sorted(cases()) == ["a taken email", "ada logs in", "new one"]
    assert cases()["ada logs in"][5] == {"password": PASSWORD}
