"""Celery tasks: adapters that take ids and call the run services (results live in ScriptRun, not Celery)."""

from billiard.exceptions import WorkerLostError
from celery import shared_task
from celery.signals import task_failure

from scriptd_client import limits
from scriptd_client.client import DEADLINE_GRACE_S

from ..test_suites import script_test_suite_advance, script_test_suite_step_again, script_test_suites_sweep
from .services import script_run_execute, script_run_worker_lost, script_runs_sweep

# Just above the longest a script may run plus scriptd's own margin, so scriptd answers `timeout` first.
SOFT_TIME_LIMIT_S = limits.TIMEOUT_MAX_S + DEADLINE_GRACE_S + 5


# Names are fixed (they predate scripts_editor/runs/) so messages queued before an upgrade still find their task.
@shared_task(
    name="scripts_editor.tasks.script_run_execute_task",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT_S,
    time_limit=SOFT_TIME_LIMIT_S + 15,
)
def script_run_execute_task(run_id: str, secret: str | None = None) -> None:
    # `secret` is the Fernet-encrypted password of this run (see runs/services.py), never the plain text.
    script_run_execute(run_id=run_id, secret=secret)


@task_failure.connect
def script_run_worker_lost_handler(sender=None, exception=None, args=None, **_):
    # Sent in the worker's main process when a pool process dies mid-task (acks_late: the message is
    # acknowledged, not redelivered, so the run would otherwise wait for the sweep).
    if getattr(sender, "name", "") == script_run_execute_task.name and isinstance(exception, WorkerLostError) and args:
        script_run_worker_lost(run_id=args[0])


@shared_task(name="scripts_editor.tasks.script_runs_sweep_task", ignore_result=True)
def script_runs_sweep_task() -> None:
    script_runs_sweep()
    script_test_suites_sweep()  # after the runs, so a suite ends with the verdicts of runs just swept


@shared_task(name="scripts_editor.tasks.script_test_suite_advance_task", ignore_result=True, acks_late=True)
def script_test_suite_advance_task(suite_id: str, chain: str) -> None:
    # One short step; the next is a new message, so the worker stays free for the suite's own Try runs.
    if not script_test_suite_advance(suite_id=suite_id, chain=chain):
        script_test_suite_step_again(suite_id=suite_id, chain=chain)
