"""Celery tasks of operations: adapters over ops.services."""

import logging

from celery import shared_task

from .services import retention_prune

logger = logging.getLogger(__name__)


@shared_task(name="ops.tasks.retention_prune_task", ignore_result=True)
def retention_prune_task() -> None:
    counts = retention_prune(
        progress=lambda label, count, done: logger.info(
            "prune: %s: %d deleted%s", label, count, " (done)" if done else ""
        )
    )
    logger.info("prune finished: %s", counts)
