"""Run services called directly (no Celery): request, claim, execute against the real scriptd, sweep."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from connections_admin import services as connections
from connections_admin.models import AuditEvent
from scripts_editor.models import ScriptRun, ScriptRunLine
from scripts_editor.runs import services as run_services
from scripts_editor.runs.services import script_run_execute, script_run_request, script_runs_sweep
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save
from tests.scripts_editor.runs.conftest import LOGIN

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-7f3a"


def requested(capture, **kwargs):
    """Request a run without publishing it; returns (run, the encrypted secret its task would carry)."""
    kwargs = {"script": "login", "args": {"email": "ada@example.com", "password": PASSWORD}, "source": LOGIN} | kwargs
    with capture(execute=False) as callbacks:
        run = run_services.script_run_request(**kwargs)
    assert len(callbacks) == 1
    return run, callbacks[0].keywords["secret"]


def test_a_request_enqueues_only_after_commit(django_capture_on_commit_callbacks, connection, editor):
    with mock.patch("scripts_editor.runs.tasks.script_run_execute_task.apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=True):
            run = script_run_request(
                connection=connection,
                script="login",
                source=LOGIN,
                by=editor,
                args={"email": "ada@example.com", "password": PASSWORD},
            )
            publish.assert_not_called()  # still inside the transaction
    publish.assert_called_once()
    assert publish.call_args.kwargs["args"] == [str(run.id)]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPT_TRIED, connection=connection).count() == 1


def test_the_password_reaches_neither_the_database_nor_the_task_message_in_clear(
    django_capture_on_commit_callbacks, connection, editor
):
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor)
    assert run.arguments == {"email": "ada@example.com", "password": "********"}
    assert PASSWORD not in secret
    stored = json.dumps([*ScriptRun.objects.values(), *AuditEvent.objects.values("detail")], default=str)
    assert PASSWORD not in stored


def test_create_redacts_the_password_inside_the_user_object(django_capture_on_commit_callbacks, connection, editor):
    run, _ = requested(
        django_capture_on_commit_callbacks,
        connection=connection,
        by=editor,
        script="create",
        source="function create(user, callback) { callback(null); }",
        args={"user": {"email": "a@b.c", "password": PASSWORD, "username": "ada"}},
    )
    assert run.arguments == {"user": {"email": "a@b.c", "password": "********", "username": "ada"}}


@pytest.mark.parametrize(
    ("script", "args", "problem"),
    [
        ("login", {"email": "a@b.c"}, "missing: password"),
        ("login", {"email": "a@b.c", "password": "x", "extra": 1}, "unknown: extra"),
        ("change_email", {"email": "a@b.c", "newEmail": "b@b.c", "verified": "yes"}, "verified must be true or false"),
        ("create", {"user": {"password": "x"}}, "user.email is required"),
        ("nope", {}, "unknown script"),
    ],
)
def test_arguments_that_do_not_fit_the_script_are_refused(connection, editor, script, args, problem):
    with pytest.raises(ValidationError, match=problem):
        script_run_request(connection=connection, script=script, args=args, source=LOGIN, by=editor)
    assert not ScriptRun.objects.exists()


def test_a_saved_body_points_at_its_revision_and_a_draft_does_not(
    django_capture_on_commit_callbacks, connection, editor
):
    saved = scripts_save(
        connection=connection, scripts={k: "" for k in SCRIPT_KEYS} | {"login": LOGIN}, base_number=0, by=editor
    ).revision
    by_default, _ = requested(django_capture_on_commit_callbacks, connection=connection, by=editor, source=None)
    same_text, _ = requested(django_capture_on_commit_callbacks, connection=connection, by=editor, source=LOGIN)
    draft, _ = requested(
        django_capture_on_commit_callbacks, connection=connection, by=editor, source=LOGIN.replace("checking", "draft")
    )
    assert by_default.revision == saved and same_text.revision == saved
    assert draft.revision is None and "draft" in draft.source


def test_an_empty_script_cannot_be_tried(connection, editor):
    scripts_save(
        connection=connection, scripts={k: "" for k in SCRIPT_KEYS} | {"login": LOGIN}, base_number=0, by=editor
    )
    with pytest.raises(ValidationError, match="empty"):
        script_run_request(connection=connection, script="verify", args={"email": "a@b.c"}, by=editor)


@pytest.mark.scriptd
def test_execute_runs_the_script_with_the_real_password_and_configuration(
    django_capture_on_commit_callbacks, scriptd_for_runs, connection, editor
):
    connections.configuration_variable_set(connection=connection, key="GREETING", value="hello", by=editor)
    source = (
        "function login(email, password, callback) {\n  console.log(configuration.GREETING, email);\n"
        "  callback(null, { user_id: 'u1', email: email, ok: password === '" + PASSWORD + "' });\n}"
    )
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor, source=source)
    script_run_execute(run_id=str(run.id), secret=secret)
    run.refresh_from_db()
    assert run.status == ScriptRun.Status.SUCCEEDED
    assert run.result == {"user_id": "u1", "email": "ada@example.com", "ok": True}
    assert list(run.lines.values_list("seq", "level")) == [(1, "log")]
    assert "ada@example.com" in run.lines.get().text


@pytest.mark.scriptd
def test_secrets_glued_into_a_result_are_masked_before_it_is_stored(
    django_capture_on_commit_callbacks, scriptd_for_runs, connection, editor
):
    connections.configuration_variable_set(connection=connection, key="DB_PASS", value="s3cr3t-db", by=editor)
    source = (
        "function login(email, password, callback) {\n  callback(null, { user_id: 'u1', "
        "url: 'postgres://app:' + configuration.DB_PASS + '@db/users', note: ['typed ' + password] });\n}"
    )
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor, source=source)
    script_run_execute(run_id=str(run.id), secret=secret)
    run.refresh_from_db()
    assert run.result == {"user_id": "u1", "url": "postgres://app:********@db/users", "note": ["typed ********"]}


@pytest.mark.scriptd
def test_try_runs_mask_by_the_one_rule_plain_values_never_short_secrets_only_as_words(
    django_capture_on_commit_callbacks, scriptd_for_runs, connection, editor
):
    for key, value, plain in [("PG_PORT", "5432", True), ("PG_SSL", "true", True), ("FLAG", "e", False)]:
        connections.configuration_variable_set(connection=connection, key=key, value=value, plain=plain, by=editor)
    connections.configuration_variable_set(connection=connection, key="DB_PASS", value="s3cr3t-db", by=editor)
    source = (
        "function login(email, password, callback) {\n"
        "  console.log('db:' + configuration.PG_PORT + ' ssl=' + configuration.PG_SSL + ' 5432 true');\n"
        "  console.log('Wrong email or password, please retry later');\n"
        "  callback(new Error('connect postgres://app:' + configuration.DB_PASS + '@db failed for ' + password));\n}"
    )
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor, source=source)
    script_run_execute(run_id=str(run.id), secret=secret)
    run.refresh_from_db()
    assert [line.text for line in run.lines.order_by("seq")] == [
        "db:5432 ssl=true 5432 true",
        "Wrong email or password, please retry later",
    ]
    assert run.error["message"] == "connect postgres://app:********@db failed for ********"
    assert "s3cr3t-db" not in run.error["stack"] and PASSWORD not in run.error["stack"]
    assert "postgres://app:********@db" in run.error["stack"]


@pytest.mark.scriptd
def test_a_second_delivery_of_the_same_run_does_nothing(
    django_capture_on_commit_callbacks, scriptd_for_runs, connection, editor
):
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor)
    script_run_execute(run_id=str(run.id), secret=secret)
    finished = ScriptRun.objects.get(pk=run.pk).finished_at
    with mock.patch("scriptd_client.client.run_script") as run_script:
        script_run_execute(run_id=str(run.id), secret=secret)
    run_script.assert_not_called()
    assert ScriptRun.objects.get(pk=run.pk).finished_at == finished
    assert ScriptRunLine.objects.filter(run=run).count() == 1


@pytest.mark.scriptd
@pytest.mark.parametrize(
    ("source", "status", "error_name"),
    [
        (
            "function login(e, p, cb) { cb(new WrongUsernameOrPasswordError(e)); }",
            "failed",
            "WrongUsernameOrPasswordError",
        ),
        ("function login(e, p, cb) { }", "timed_out", None),
    ],
)
def test_errors_and_timeouts_are_stored_as_such(
    django_capture_on_commit_callbacks, scriptd_for_runs, connection, editor, source, status, error_name
):
    connection.script_timeout_s = 1
    connection.save()
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor, source=source)
    script_run_execute(run_id=str(run.id), secret=secret)
    run.refresh_from_db()
    assert run.status == status
    if error_name:
        assert run.error["name"] == error_name


def test_scriptd_down_fails_the_run_with_its_message(
    django_capture_on_commit_callbacks, settings, tmp_path, connection, editor
):
    settings.SCRIPTD_SOCKET = str(tmp_path / "nobody-listens.sock")
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor)
    script_run_execute(run_id=str(run.id), secret=secret)
    run.refresh_from_db()
    assert run.status == ScriptRun.Status.FAILED
    assert "start it with" in run.error["message"]


def test_the_egress_allowlist_goes_to_the_sandbox(django_capture_on_commit_callbacks, connection, editor):
    connection.egress_allowlist = ["db.example.com:5432"]
    connection.save()
    run, secret = requested(django_capture_on_commit_callbacks, connection=connection, by=editor)
    with mock.patch(
        "scriptd_client.client.run_script",
        return_value=iter([{"type": "result", "status": "ok", "value": None, "ms": 1}]),
    ) as run_script:
        script_run_execute(run_id=str(run.id), secret=secret)
    assert run_script.call_args.kwargs["egress_allowlist"] == ["db.example.com:5432"]
    assert run_script.call_args.kwargs["args"] == ["ada@example.com", PASSWORD]


def test_the_sweep_crashes_stale_running_runs_and_fails_runs_nobody_took(
    django_capture_on_commit_callbacks, connection, editor
):
    stale, _ = requested(django_capture_on_commit_callbacks, connection=connection, by=editor)
    fresh, _ = requested(django_capture_on_commit_callbacks, connection=connection, by=editor)
    forgotten, _ = requested(django_capture_on_commit_callbacks, connection=connection, by=editor)
    now = timezone.now()
    ScriptRun.objects.filter(pk=stale.pk).update(status="running", deadline_at=now - timedelta(seconds=1))
    ScriptRun.objects.filter(pk=fresh.pk).update(status="running", deadline_at=now + timedelta(seconds=30))
    ScriptRun.objects.filter(pk=forgotten.pk).update(created_at=now - timedelta(hours=1))
    assert script_runs_sweep(now=now) == 2
    assert ScriptRun.objects.get(pk=stale.pk).status == "crashed"
    assert ScriptRun.objects.get(pk=fresh.pk).status == "running"
    assert ScriptRun.objects.get(pk=forgotten.pk).status == "failed"
    assert "Celery worker" in ScriptRun.objects.get(pk=forgotten.pk).error["message"]
