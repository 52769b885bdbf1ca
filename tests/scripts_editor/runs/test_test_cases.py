"""Saved test cases end to end: stored with their passwords encrypted, run as background suite runs through
the Try machinery (a real Celery worker on Redis, the session's scriptd) from the service, the page, the API,
every save and test_connection_scripts."""

import json
import time
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from connections_admin import crypto
from scripts_editor.models import ScriptRun, ScriptTestCase, ScriptTestSuiteRun
from scripts_editor.runs.services import script_run_request
from scripts_editor.saved_tests import script_test_case_create
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_restore, scripts_save
from scripts_editor.test_suites import script_test_suite_advance, script_test_suite_start, script_test_suites_sweep

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


def finished(suite: ScriptTestSuiteRun, *, limit_s: float = 90) -> ScriptTestSuiteRun:
    """The suite once the worker has judged every case (a bound so a broken worker fails the test, not hangs it)."""
    end = time.monotonic() + limit_s
    while not suite.done and time.monotonic() < end:
        time.sleep(0.2)
        suite.refresh_from_db()
    assert suite.done, f"suite still {suite.status}"
    return suite


def run_all(connection, by) -> dict[str, tuple[bool, str]]:
    suite = finished(script_test_suite_start(connection=connection, trigger="manual", by=by))
    return {r.name: (r.passed, r.reason) for r in suite.results.all()}


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


def test_every_case_runs_through_try_in_the_background_and_is_judged(suite, editor):
    started = script_test_suite_start(connection=suite, trigger="manual", by=editor)
    assert started.status == "queued" and started.total == len(CASES) and started.revision_number == 1
    done = finished(started)
    assert (done.status, done.passed, done.failed, done.trigger) == ("passed", len(CASES), 0, "manual")
    assert [(r.name, r.passed) for r in done.results.all()] == [(name, True) for name in sorted(c[0] for c in CASES)]
    assert all(r.run.revision.number == 1 for r in done.results.select_related("run__revision"))
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
    failed = {name: reason for name, (passed, reason) in run_all(suite, editor).items() if not passed}
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

    run = api.post(f"{base}/runs", {}, format="json")
    assert run.status_code == 202, run.json()
    location = run["Location"]
    assert location == f"{base}/runs/{run.json()['id']}" and run.json()["status"] == "queued"
    finished(ScriptTestSuiteRun.objects.get(pk=run.json()["id"]))
    state = api.get(location).json()
    assert (state["status"], state["trigger"], state["done"]) == ("passed", "api", True)
    assert state["passed"] == len(CASES) + 1 and state["failed"] == 0 and PASSWORD not in json.dumps(state)
    assert api.get(f"{base}/runs").json()[0]["id"] == state["id"]
    assert api.post(f"{base}/runs", {"revision": 9}, format="json").status_code == 400  # no such revision
    assert api.post(f"{base}/run").status_code == 202  # the first path of "run them all" still works
    first = state["results"][0]
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

    started = editor_client.post(f"{base}run/")
    suite_run = ScriptTestSuiteRun.objects.get()
    assert started.status_code == 302 and started["Location"] == f"{base}suites/{suite_run.pk}/"
    finished(suite_run)
    poll = editor_client.get(f"{base}suites/{suite_run.pk}/poll/").json()
    assert (poll["status"], poll["passed"], poll["failed"], poll["done"]) == ("failed", 5, 1, True)
    ran = editor_client.get(started["Location"]).content.decode()
    assert "5 passed, 1 failed." in ran and PASSWORD not in ran
    assert 'data-test="ada is called Bob" data-passed="false"' in ran and "expected &quot;Bob&quot;" in ran
    assert 'data-test="ada logs in" data-passed="true"' in ran and "Run and logs" in ran

    assert viewer_client.post(f"{base}run/").status_code == 403
    assert 'id="run-tests"' not in viewer_client.get(base).content.decode()
    case = ScriptTestCase.objects.get(name="ada is called Bob")
    assert viewer_client.post(f"{base}{case.pk}/delete/").status_code == 403
    assert editor_client.post(f"{base}{case.pk}/delete/").status_code == 302
    assert not ScriptTestCase.objects.filter(pk=case.pk).exists()


def test_each_save_runs_the_tests_against_the_new_revision_and_history_shows_the_result(
    suite, editor, editor_client, viewer_client
):
    bob = SCRIPTS["login"].replace("nickname: 'Ada'", "nickname: 'Bob'")
    saved = scripts_save(
        connection=suite,
        base_number=1,
        by=editor,
        scripts={k: SCRIPTS.get(k, "") for k in SCRIPT_KEYS} | {"login": bob},
    )
    failing = finished(ScriptTestSuiteRun.objects.get(revision_number=saved.revision.number))
    assert (failing.trigger, failing.status, failing.failed) == ("save", "failed", 1)
    assert failing.results.get(name="ada logs in").reason == 'the profile differs: nickname is "Bob", expected "Ada"'

    restored = scripts_restore(connection=suite, number=1, base_number=2, by=editor)  # a restore is a save too
    passing = finished(ScriptTestSuiteRun.objects.get(revision_number=restored.number))
    assert (passing.trigger, passing.status, passing.passed) == ("save", "passed", len(CASES))

    history = viewer_client.get(f"/connections/{suite.public_id}/scripts/history/").content.decode()
    row = {n: history.split(f'data-revision="{n}"')[1].split("</tr>")[0] for n in (1, 2, 3)}
    assert 'data-suite-status="failed"' in row[2] and f"/scripts/tests/suites/{failing.pk}/" in row[2]
    assert 'data-suite-status="passed"' in row[3] and "data-suite-status" not in row[1]  # saved before any case
    page = viewer_client.get(f"/connections/{suite.public_id}/scripts/tests/suites/{failing.pk}/").content.decode()
    assert 'data-test="ada logs in" data-passed="false"' in page and "Run and logs" in page
    # Reasons quote the script's answers: like a run's output, only for those who may change the connection.
    assert "the profile differs" not in page and 'id="output-hidden"' in page
    poll = viewer_client.get(f"/connections/{suite.public_id}/scripts/tests/suites/{failing.pk}/poll/").json()
    assert poll["output_hidden"] and {r["reason"] for r in poll["results"]} == {""}
    page = editor_client.get(f"/connections/{suite.public_id}/scripts/tests/suites/{failing.pk}/").content.decode()
    assert "the profile differs" in page and 'id="output-hidden"' not in page


def test_the_api_patch_of_custom_scripts_runs_the_tests(suite, editor, api_for):
    api = api_for(editor)
    scripts = {k: v for k, v in SCRIPTS.items()} | {
        "get_user": "function getUser(email, callback) {\n  callback(null, {user_id: 'x'});\n}\n"
    }
    patched = api.patch(
        f"/api/v2/connections/{suite.public_id}", {"options": {"customScripts": scripts}}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    ran = finished(ScriptTestSuiteRun.objects.get(revision_number=2))
    assert (ran.status, ran.trigger) == ("failed", "save")
    assert ran.results.get(name="nobody is found").passed is False


def test_a_suite_whose_worker_died_is_ended_by_the_sweep(db, connection, editor):
    scripts_save(connection=connection, base_number=0, by=editor, scripts={k: SCRIPTS.get(k, "") for k in SCRIPT_KEYS})
    script_test_case_create(
        connection=connection,
        name="nobody",
        script="get_user",
        args={"email": "a@example.com"},
        expect="not_found",
        by=editor,
    )
    stuck = script_test_suite_start(connection=connection, trigger="manual", by=editor, enqueue=False)
    ScriptTestSuiteRun.objects.filter(pk=stuck.pk).update(status="running")  # claimed, then the worker died
    assert script_test_suites_sweep() == 0  # not past its deadline yet: left alone
    assert script_test_suites_sweep(now=stuck.deadline_at + timedelta(seconds=1)) == 1
    stuck.refresh_from_db()
    assert stuck.status == "error" and "deadline" in stuck.error and stuck.finished_at
    assert list(stuck.results.values_list("passed", "reason")) == [
        (False, "did not finish in time: is the Celery worker running?")
    ]
    assert script_test_suites_sweep(now=timezone.now() + timedelta(days=1)) == 0  # ended suites stay as they are


def test_a_suite_whose_steps_stopped_is_given_a_new_chain_by_the_sweep(suite, editor):
    stalled = script_test_suite_start(connection=suite, trigger="manual", by=editor, enqueue=False)
    old_chain = "00000000-0000-0000-0000-000000000001"
    ScriptTestSuiteRun.objects.filter(pk=stalled.pk).update(
        status="running", chain=old_chain, stepped_at=timezone.now() - timedelta(minutes=5)
    )
    assert script_test_suites_sweep() == 1
    done = finished(stalled)
    assert done.status == "passed" and done.passed == len(CASES) and str(done.chain) != old_chain
    assert script_test_suites_sweep() == 0


def test_history_reads_the_test_results_in_one_query_however_many_revisions(db, connection, editor, editor_client):
    from django.db import connection as db_connection
    from django.test.utils import CaptureQueriesContext

    def revisions_with_suites(count: int) -> int:
        base = connection.script_revisions.count()
        for n in range(base, base + count):
            scripts = {k: SCRIPTS.get(k, "") for k in SCRIPT_KEYS} | {"get_user": SCRIPTS["get_user"] + f"// {n}\n"}
            saved = scripts_save(connection=connection, base_number=n, by=editor, scripts=scripts)
            ScriptTestSuiteRun.objects.create(
                connection=connection,
                revision_number=saved.revision.number,
                trigger="save",
                status="passed",
                deadline_at=timezone.now(),
            )
        with CaptureQueriesContext(db_connection) as queries:
            page = editor_client.get(f"/connections/{connection.public_id}/scripts/history/")
        assert page.content.decode().count('data-suite-status="passed"') == connection.script_revisions.count()
        return len(queries)

    assert revisions_with_suites(2) == revisions_with_suites(4)


def test_a_suite_leaves_room_under_the_try_caps_for_the_person_who_saved(db, connection, editor, settings):
    settings.TRY_RUNS_PER_USER, settings.TRY_RUNS_PER_CONNECTION = 5, 10
    scripts_save(connection=connection, base_number=0, by=editor, scripts={k: SCRIPTS.get(k, "") for k in SCRIPT_KEYS})
    for n in range(6):
        script_test_case_create(
            connection=connection,
            name=f"case {n}",
            script="get_user",
            args={"email": "a@b.c"},
            expect="not_found",
            by=editor,
        )
    started = script_test_suite_start(connection=connection, trigger="save", by=editor, enqueue=False)
    # No worker here (and the test's transaction never commits, so nothing is published): runs stay queued.
    assert script_test_suite_advance(suite_id=started.pk) is False
    assert ScriptRun.objects.filter(requested_by=editor).count() == 3  # the Try caps minus two
    assert script_test_suite_advance(suite_id=started.pk) is False
    assert ScriptRun.objects.count() == 3  # none finished: no more started
    for _ in range(2):  # the editor can still Try twice meanwhile
        script_run_request(connection=connection, script="get_user", args={"email": "x@y.z"}, by=editor)


def test_an_import_that_changes_the_scripts_runs_the_tests_against_the_new_revision(suite, editor, tmp_path):
    call_command("export_connections", str(tmp_path), "--format", "directory")
    login = tmp_path / "database-connections" / suite.name / "login.js"
    login.write_text(login.read_text().replace("nickname: 'Ada'", "nickname: 'Imported'"))
    call_command("import_connections", str(tmp_path))  # the cases' password keywords unsupplied: kept as stored

    ran = finished(ScriptTestSuiteRun.objects.get(revision_number=2))
    assert (ran.trigger, ran.status, ran.failed, ran.requested_by_label) == ("save", "failed", 1, "system")
    assert ran.results.get(name="ada logs in").passed is False


def test_a_connection_never_saved_tests_its_blank_stubs(celery_worker_on_redis, scriptd_for_runs, connection, editor):
    script_test_case_create(
        connection=connection, name="stub", script="get_user", args={"email": "a@b.c"}, expect="not_found", by=editor
    )
    ran = finished(script_test_suite_start(connection=connection, trigger="manual", by=editor))
    assert ran.revision_number == 0 and ran.status in ("passed", "failed") and not ran.error
    assert ran.results.get().run is not None  # it really ran the stub
