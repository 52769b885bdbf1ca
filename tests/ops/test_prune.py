"""Retention: `manage.py prune` removes only what is older than the TRICKLE_RETENTION_* ages."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from connections_admin.models import AuditEvent
from connections_admin.services import audit_event_record
from identity.models import FlowEvent, LogEvent
from ops.services import retention_prune
from scripts_editor.models import ScriptRun, ScriptRunLine

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def retention(settings):
    settings.RETENTION_DAYS = {
        "login_events": 10,
        "script_runs": 5,
        "test_suite_runs": 20,
        "audit_events": 30,
        "logs": 7,
        "sessions": 2,
    }


def _aged(model, obj, field: str, age: timedelta):
    model.objects.filter(pk=obj.pk).update(**{field: timezone.now() - age})
    return obj


def _flow_event(connection, age):
    event = FlowEvent.objects.create(connection=connection, flow="login", path="managed", succeeded=True)
    return _aged(FlowEvent, event, "at", age)


def _run(connection, age, status=ScriptRun.Status.SUCCEEDED):
    run = ScriptRun.objects.create(connection=connection, script="login", source="x", timeout_s=20, status=status)
    ScriptRunLine.objects.create(run=run, seq=1, time=timezone.now(), level="log", text="hello")
    return _aged(ScriptRun, run, "created_at", age)


def _audit(connection, age):
    audit_event_record(connection=connection, action=AuditEvent.Action.SCRIPTS_SAVED, by=None)
    return _aged(AuditEvent, AuditEvent.objects.order_by("-id").first(), "created_at", age)


def _log(connection, age):
    event = LogEvent.objects.create(type="s", connection=connection, connection_name=connection.name)
    return _aged(LogEvent, event, "date", age)


def _session(expired_for: timedelta):
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() - expired_for)
    return store.session_key


def test_prune_removes_only_what_is_older_than_each_setting(connection):
    old_events = [_flow_event(connection, 11 * DAY) for _ in range(3)]
    young_event = _flow_event(connection, 9 * DAY)
    old_run, young_run = _run(connection, 6 * DAY), _run(connection, 4 * DAY)
    stuck_run = _run(connection, 6 * DAY, status=ScriptRun.Status.RUNNING)  # the sweep's, never retention's
    old_audit, young_audit = _audit(connection, 31 * DAY), _audit(connection, 29 * DAY)
    long_expired, just_expired, live = _session(3 * DAY), _session(DAY), _session(-DAY)
    old_log, young_log = _log(connection, 8 * DAY), _log(connection, 6 * DAY)

    counts = retention_prune(batch_size=2)

    assert counts["login_events"] == 3 and counts["script_runs"] == 1 and counts["audit_events"] == 1
    assert counts["sessions"] == 1 and counts["logs"] == 1
    assert set(LogEvent.objects.filter(pk__in=[old_log.pk, young_log.pk]).values_list("pk", flat=True)) == {
        young_log.pk
    }
    assert not FlowEvent.objects.filter(pk__in=[e.pk for e in old_events]).exists()
    assert FlowEvent.objects.filter(pk=young_event.pk).exists()
    assert set(ScriptRun.objects.values_list("pk", flat=True)) == {young_run.pk, stuck_run.pk}
    assert not ScriptRunLine.objects.filter(run_id=old_run.pk).exists()
    assert list(AuditEvent.objects.filter(pk__in=[old_audit.pk, young_audit.pk])) == [young_audit]
    assert set(Session.objects.values_list("pk", flat=True)) == {just_expired, live}
    assert long_expired not in set(Session.objects.values_list("pk", flat=True))


def test_zero_days_keeps_forever(settings, connection):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "login_events": 0}
    event = _flow_event(connection, 5000 * DAY)
    assert "login_events" not in retention_prune()
    assert FlowEvent.objects.filter(pk=event.pk).exists()


def test_the_command_reports_progress_per_batch_and_a_dry_run_deletes_nothing(connection):
    for _ in range(5):
        _flow_event(connection, 20 * DAY)

    out = StringIO()
    call_command("prune", "--dry-run", stdout=out)
    assert "login events: would delete 5" in out.getvalue() and FlowEvent.objects.count() == 5

    out = StringIO()
    call_command("prune", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "login events: 2 so far" in text and "login events: 4 so far" in text and "login events: deleted 5" in text
    assert FlowEvent.objects.count() == 0


def test_prune_removes_finished_test_suite_runs_past_their_age(connection):
    from scripts_editor.models import ScriptTestSuiteRun

    def suite(age, status):
        made = ScriptTestSuiteRun.objects.create(
            connection=connection, revision_number=1, trigger="save", status=status, deadline_at=timezone.now()
        )
        return _aged(ScriptTestSuiteRun, made, "created_at", age)

    old, young = suite(21 * DAY, "passed"), suite(19 * DAY, "failed")
    unfinished = suite(21 * DAY, "running")  # the sweep's, never retention's

    assert retention_prune()["test_suite_runs"] == 1
    assert set(ScriptTestSuiteRun.objects.values_list("pk", flat=True)) == {young.pk, unfinished.pk}
    assert old.pk not in set(ScriptTestSuiteRun.objects.values_list("pk", flat=True))
