"""Celery signal handlers (connected in config/celery.py): the request id travels in a message header
into the task, and tasks and pool processes are counted."""

import os

from .context import _request_id, request_id_get
from .metrics import CELERY_TASKS, CELERY_WORKER_STARTS
from .multiprocess import process_exited, stale_files_remove

HEADER = "trickle_request_id"
_tokens: dict[str, object] = {}  # task id -> context token, reset when the task ends


def on_before_task_publish(headers=None, **_):
    request_id = request_id_get()
    if request_id and headers is not None:
        headers[HEADER] = request_id


def on_task_prerun(task_id=None, task=None, **_):
    # Custom headers become attributes of task.request; a task enqueued by beat has none: it gets its task id.
    request_id = getattr(task.request, HEADER, None) or task_id
    _tokens[task_id] = _request_id.set(request_id)


def on_task_postrun(task_id=None, task=None, state=None, **_):
    token = _tokens.pop(task_id, None)
    if token is not None:
        _request_id.reset(token)
    CELERY_TASKS.labels(task.name, state or "UNKNOWN").inc()


def on_worker_init(**_):
    stale_files_remove()


def on_worker_process_init(**_):
    CELERY_WORKER_STARTS.inc()


def on_worker_process_shutdown(pid=None, **_):
    process_exited(pid or os.getpid())


def connect(app) -> None:
    from celery import signals

    signals.before_task_publish.connect(on_before_task_publish, weak=False)
    signals.task_prerun.connect(on_task_prerun, weak=False)
    signals.task_postrun.connect(on_task_postrun, weak=False)
    signals.worker_init.connect(on_worker_init, weak=False)
    signals.worker_process_init.connect(on_worker_process_init, weak=False)
    signals.worker_process_shutdown.connect(on_worker_process_shutdown, weak=False)
