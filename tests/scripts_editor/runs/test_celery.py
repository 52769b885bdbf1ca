"""Try runs through a real Celery worker on the local Redis (transactional_db: the worker commits for real)."""

import pytest

from scripts_editor.models import ScriptRun
from scripts_editor.runs.services import script_run_request
from tests.fixtures import wait_for
from tests.scripts_editor.runs.conftest import LOGIN

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db(transaction=True)]

WAITS_FOREVER = (
    "function login(email, password, callback) {\n  console.log('started');\n"
    "  setTimeout(function () { callback(null, { user_id: 'late' }); }, 60000);\n}\n"
)


def _final(run):
    return wait_for(lambda: (r := ScriptRun.objects.get(pk=run.pk)).done and r)


def test_a_try_goes_from_queued_to_succeeded_with_its_lines(
    celery_worker_on_redis, scriptd_for_runs, connection, editor
):
    run = script_run_request(
        connection=connection,
        script="login",
        source=LOGIN,
        by=editor,
        args={"email": "ada@example.com", "password": "hunter2-secret"},
    )
    assert run.status == ScriptRun.Status.QUEUED
    run = _final(run)
    assert run.status == ScriptRun.Status.SUCCEEDED
    assert run.result == {"user_id": "u1", "email": "ada@example.com"}
    assert [line.text for line in run.lines.all()] == ["checking ada@example.com"]
    assert run.started_at and run.finished_at and run.duration_ms is not None
    assert run.arguments == {"email": "ada@example.com", "password": "********"}


def test_killing_scriptd_mid_run_ends_the_run_crashed(celery_worker_on_redis, private_scriptd, connection, editor):
    run = script_run_request(
        connection=connection,
        script="login",
        source=WAITS_FOREVER,
        by=editor,
        args={"email": "ada@example.com", "password": "pw"},
    )
    wait_for(lambda: run.lines.exists() or ScriptRun.objects.get(pk=run.pk).done)  # running inside scriptd now
    assert ScriptRun.objects.get(pk=run.pk).status == ScriptRun.Status.RUNNING
    private_scriptd.kill()
    run = _final(run)
    assert run.status == ScriptRun.Status.CRASHED
    assert "scriptd" in run.error["message"]


def test_an_unreachable_broker_fails_the_run_with_a_clear_message(celery_on, connection, editor):
    celery_on("redis://127.0.0.1:1/0")  # nothing listens on port 1
    run = script_run_request(
        connection=connection,
        script="login",
        source=LOGIN,
        by=editor,
        args={"email": "ada@example.com", "password": "pw"},
    )
    run.refresh_from_db()
    assert run.status == ScriptRun.Status.FAILED
    assert run.error["message"].startswith("the background worker's broker is unreachable")
