"""Celery tasks: adapters that take ids and call the run services (results live in ScriptRun, not Celery)."""

from celery import shared_task

from scriptd_client import limits
from scriptd_client.client import DEADLINE_GRACE_S

from .services import script_run_execute, script_runs_sweep

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


@shared_task(name="scripts_editor.tasks.script_runs_sweep_task", ignore_result=True)
def script_runs_sweep_task() -> None:
    script_runs_sweep()
