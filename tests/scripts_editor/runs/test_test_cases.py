"""Saved test cases end to end: stored with their passwords encrypted, run through the Try machinery (a real
Celery worker on Redis, the session's scriptd) from the service and from test_connection_scripts."""

import json
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from connections_admin import crypto
from scripts_editor.models import ScriptRun, ScriptTestCase
from scripts_editor.saved_tests import script_test_case_create, script_test_cases_run
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

PASSWORD = "ada-Secret-pa55"
SCRIPTS = {
    "login": (
        "function login(email, password, callback) {\n"
        "  if (email === 'ada@example.com' && password === '" + PASSWORD + "') {\n"
        "    return callback(null, { user_id: 'ada', email: email, nickname: 'Ada' });\n  }\n"
        "  if (email === 'boom@example.com') return callback(new Error('the store is on fire'));\n"
        "  return callback(new WrongUsernameOrPasswordError(email));\n}\n"
    ),
    "get_user": "function getUser(email, callback) {\n  callback(null);\n}\n",
    "create": ("function create(user, callback) {\n  callback(new ValidationError('user_exists', 'taken'));\n}\n"),
}
CASES = [
    ("ada logs in", "login", {"email": "ada@example.com", "password": PASSWORD}, "profile", {"nickname": "Ada"}),
    ("a wrong password", "login", {"email": "ada@example.com", "password": "nope"}, "wrong_password", {}),
    ("nobody is found", "get_user", {"email": "nobody@example.com"}, "not_found", {}),
    (
        "a taken email",
        "create",
        {"user": {"email": "ada@example.com", "password": PASSWORD}},
        "validation_error",
        {"code": "user_exists"},
    ),
    ("the store fails", "login", {"email": "boom@example.com", "password": "x"}, "error", {"name": "Error"}),
]


@pytest.fixture
def suite(celery_worker_on_redis, scriptd_for_runs, connection, editor):
    scripts_save(connection=connection, base_number=0, by=editor, scripts={k: SCRIPTS.get(k, "") for k in SCRIPT_KEYS})
    for name, script, args, expect, expected in CASES:
        script_test_case_create(
            connection=connection, name=name, script=script, args=args, expect=expect, expected=expected, by=editor
        )
    return connection


def test_passwords_are_stored_encrypted_and_never_in_the_case(suite):
    case = ScriptTestCase.objects.get(name="ada logs in")
    assert case.arguments == {"email": "ada@example.com", "password": "********"}
    assert PASSWORD not in case.secrets and json.loads(crypto.decrypt(case.secrets)) == {"password": PASSWORD}
    nested = ScriptTestCase.objects.get(name="a taken email")
    assert nested.arguments["user"]["password"] == "********"


def test_every_case_runs_through_try_and_is_judged(suite, editor):
    results = script_test_cases_run(connection=suite, by=editor)
    assert [(r.case.name, r.passed) for r in results] == [(name, True) for name in sorted(c[0] for c in CASES)]
    assert ScriptRun.objects.filter(connection=suite).count() == len(CASES)
    assert not any(PASSWORD in json.dumps([r.arguments, r.result, r.error]) for r in ScriptRun.objects.all())

    script_test_case_create(
        connection=suite,
        name="ada is called Bob",
        script="login",
        args={"email": "ada@example.com", "password": PASSWORD},
        expect="profile",
        expected={"nickname": "Bob"},
        by=editor,
    )
    script_test_case_create(
        connection=suite,
        name="expects a wrong password",
        script="login",
        args={"email": "ada@example.com", "password": PASSWORD},
        expect="wrong_password",
        by=editor,
    )
    failed = {r.case.name: r.reason for r in script_test_cases_run(connection=suite, by=editor) if not r.passed}
    assert failed == {
        "ada is called Bob": 'the profile differs: nickname is "Ada", expected "Bob"',
        "expects a wrong password": failed["expects a wrong password"],
    }
    assert failed["expects a wrong password"].startswith("expected WrongUsernameOrPasswordError; the script answered")


def test_the_command_exits_non_zero_on_a_failure_and_writes_junit(suite, editor, tmp_path, capsys):
    call_command("test_connection_scripts", "--connection", suite.name, "--junit", str(tmp_path / "ok.xml"))
    assert "5 passed, 0 failed" in capsys.readouterr().out
    assert ElementTree.parse(tmp_path / "ok.xml").getroot().find("testsuite").get("failures") == "0"

    script_test_case_create(
        connection=suite,
        name="nobody exists",
        script="get_user",
        args={"email": "x@example.com"},
        expect="profile",
        expected={"email": "x@example.com"},
        by=editor,
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("test_connection_scripts", "--junit", str(tmp_path / "bad.xml"))
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "FAIL legacy-db / nobody exists" in out and "5 passed, 1 failed" in out and PASSWORD not in out
    xml = (tmp_path / "bad.xml").read_text()
    failure = ElementTree.fromstring(xml).find(".//testcase[@name='nobody exists']/failure")
    assert failure is not None and "expected a profile" in failure.get("message") and PASSWORD not in xml

    with pytest.raises(CommandError, match="No connection named nope"):
        call_command("test_connection_scripts", "--connection", "nope")


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"name": ""}, "name"),
        ({"expect": "maybe"}, "expect"),
        ({"expect": "profile", "expected": {}}, "expected"),
        ({"expect": "validation_error", "expected": {}}, "expected"),
        ({"args": {"email": 3}}, None),
        ({"name": "dup"}, "name"),
    ],
)
def test_bad_cases_are_refused_with_the_field_named(db, connection, editor, fields, problem):
    base = {"name": "dup", "script": "get_user", "args": {"email": "a@example.com"}, "expect": "not_found"}
    script_test_case_create(connection=connection, by=editor, **base)
    with pytest.raises(ValidationError) as caught:
        script_test_case_create(connection=connection, by=editor, **(base | fields))
    if problem:
        assert problem in caught.value.message_dict


def test_the_api_saves_lists_runs_and_deletes_cases(suite, editor, viewer, api_for):  # noqa: F811
    api = api_for(editor)
    base = f"/api/v2/connections/{suite.public_id}/script-tests"
    created = api.post(
        base,
        {
            "name": "ada via the API",
            "script": "login",
            "args": {"email": "ada@example.com", "password": PASSWORD},
            "expect": "profile",
            "expected": {"user_id": "ada"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["args"] == {"email": "ada@example.com", "password": "********"}
    listed = api.get(base)
    assert len(listed.json()) == len(CASES) + 1 and PASSWORD not in listed.content.decode()
    duplicate = api.post(base, {**created.json(), "args": {"email": "a@example.com", "password": "p"}}, format="json")
    assert duplicate.status_code == 400 and "already has a test case" in duplicate.json()["message"]

    run = api.post(f"{base}/run")
    assert run.status_code == 200, run.json()
    assert run.json()["passed"] == len(CASES) + 1 and run.json()["failed"] == 0
    first = run.json()["results"][0]
    assert first["name"] == "a taken email" and first["status"] == "failed"  # the ValidationError it expects
    assert api.get(f"/api/v2/script-runs/{first['run']}").json()["status"] == "failed"

    assert api_for(viewer, "read:connections").post(f"{base}/run").status_code == 403  # running needs run:scripts
    assert api.delete(f"{base}/{created.json()['id']}").status_code == 204
    assert len(api.get(base).json()) == len(CASES)


def test_the_tests_page_adds_runs_and_deletes_cases(suite, editor_client, viewer_client):
    base = f"/connections/{suite.public_id}/scripts/tests/"
    editor_page = editor_client.get(f"/connections/{suite.public_id}/scripts/").content.decode()
    assert f'href="{base}"' in editor_page
    added = editor_client.post(
        f"{base}add/",
        {
            "name": "ada is called Bob",
            "script": "login",
            "args": json.dumps({"email": "ada@example.com", "password": PASSWORD}),
            "expect": "profile",
            "expected": json.dumps({"nickname": "Bob"}),
        },
    )
    assert added.status_code == 302
    refused = editor_client.post(
        f"{base}add/",
        {"name": "ada is called Bob", "script": "login", "args": json.dumps({"password": PASSWORD}), "expect": "x"},
    )
    assert refused.status_code == 400 and PASSWORD not in refused.content.decode()
    page = editor_client.get(base).content.decode()
    assert "ada is called Bob" in page and PASSWORD not in page and "********" in page

    ran = editor_client.post(f"{base}run/").content.decode()
    assert "5 passed, 1 failed." in ran
    assert 'data-test="ada is called Bob" data-passed="false"' in ran and "expected &quot;Bob&quot;" in ran
    assert 'data-test="ada logs in" data-passed="true"' in ran and "Run and logs" in ran

    assert viewer_client.post(f"{base}run/").status_code == 403
    assert 'id="run-tests"' not in viewer_client.get(base).content.decode()
    case = ScriptTestCase.objects.get(name="ada is called Bob")
    assert viewer_client.post(f"{base}{case.pk}/delete/").status_code == 403
    assert editor_client.post(f"{base}{case.pk}/delete/").status_code == 302
    assert not ScriptTestCase.objects.filter(pk=case.pk).exists()
