"""Celery adapters of identity's background work: log stream deliveries, user imports."""

import logging

from celery import shared_task
from django.utils import timezone

from . import imports, log_streams, population, shadow
from .models import UserImportJob

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def log_stream_deliver_task(stream_id: int) -> None:
    retry_in = log_streams.log_stream_deliver(stream_id=stream_id)
    if retry_in is not None:  # back-off: the stream's next_attempt_at says the same, so a tick may also retry
        log_stream_deliver_task.apply_async((stream_id,), countdown=retry_in)


@shared_task(ignore_result=True)
def log_streams_tick_task() -> None:
    """Every few seconds (beat): start a delivery for each stream with pending entries."""
    for stream_id in log_streams.log_streams_due():
        log_stream_deliver_task.delay(stream_id)


@shared_task(ignore_result=True, soft_time_limit=3600)
def user_import_task(job_id: int) -> None:
    """Claim the job (another delivery of this message finds it taken), run it, and fail it readably."""
    if not UserImportJob.objects.filter(pk=job_id, status=UserImportJob.Status.PENDING).update(
        status=UserImportJob.Status.PROCESSING, started_at=timezone.now()
    ):
        return
    try:
        imports.user_import_run(job_id=job_id)
    except Exception as e:  # the job must end visibly, whatever went wrong
        log.exception("user import %s failed", job_id)
        imports.user_import_fail(job_id=job_id, message=f"The import stopped: {type(e).__name__}.")


@shared_task(ignore_result=True, soft_time_limit=6 * 3600)
def legacy_population_walk_task(connection_id: int) -> None:
    population.legacy_population_walk(connection_id=connection_id)


@shared_task(ignore_result=True)
def shadow_sessions_expire_task() -> None:
    """Every minute (beat): end shadow sessions past their time limit, audited, even with no traffic."""
    shadow.shadow_sessions_expire()
