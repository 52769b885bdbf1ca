"""Celery adapters of identity's background work: log stream deliveries."""

from celery import shared_task

from . import log_streams


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
