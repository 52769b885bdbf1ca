"""Figures read at scrape time rather than counted: the broker's queue depth, this host's scriptd (up,
workers alive, worker restarts) and Try runs waiting or running. Each source that cannot be read is
reported as down (trickle_*_up 0), never as an error of the whole scrape."""

from django.conf import settings
from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from scriptd_client import client as scriptd
from scripts_editor.models import ScriptRun

from .health import CHECK_TIMEOUT_S


def _queue_depths() -> dict[str, int]:
    from config.celery import app

    queue = app.conf.task_default_queue or "celery"
    with app.connection_for_read(connect_timeout=CHECK_TIMEOUT_S) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)
        try:
            _, count, _ = conn.default_channel.queue_declare(queue=queue, passive=True)
        except conn.channel_errors:  # RabbitMQ: the queue does not exist until a worker declares it
            count = 0
    return {queue: count}


class OperationsCollector:
    def collect(self):
        broker_up = GaugeMetricFamily("trickle_broker_up", "1 when the Celery broker answered this scrape.")
        depth = GaugeMetricFamily(
            "trickle_celery_queue_depth", "Messages waiting in the broker queue.", labels=["queue"]
        )
        try:
            for queue, count in _queue_depths().items():
                depth.add_metric([queue], count)
            broker_up.add_metric([], 1)
        except Exception:
            broker_up.add_metric([], 0)
        yield broker_up
        yield depth

        up = GaugeMetricFamily("trickle_scriptd_up", "1 when this host's scriptd answered a ping.")
        alive = GaugeMetricFamily("trickle_scriptd_workers_alive", "scriptd worker processes alive.")
        restarts = CounterMetricFamily(
            "trickle_scriptd_worker_restarts",
            "scriptd worker processes restarted by its supervisor (crash, memory, a runaway run) since it started.",
        )
        ceiling = GaugeMetricFamily(
            "trickle_scriptd_memory_ceiling_hard",
            "1 when the kernel enforces each scriptd worker's memory ceiling (a cgroup), 0 for the resident-memory guard or none.",
            labels=["kind"],
        )
        try:
            pong = scriptd.ping(timeout_s=CHECK_TIMEOUT_S)
            workers = pong.get("workers", [])
            kind = (pong.get("memory_ceiling") or {}).get("kind", "none")
            ceiling.add_metric([kind], 1 if kind == "cgroup" else 0)
            up.add_metric([], 1)
            alive.add_metric([], sum(1 for w in workers if w.get("alive")))
            restarts.add_metric([], sum(int(w.get("restarts", 0)) for w in workers))
        except scriptd.ScriptdUnavailable:
            up.add_metric([], 0)
        yield up
        yield alive
        yield restarts
        yield ceiling

        open_runs = GaugeMetricFamily(
            "trickle_try_runs_open", "Try runs not finished yet, by status (queued, running).", labels=["status"]
        )
        counts = dict.fromkeys((ScriptRun.Status.QUEUED, ScriptRun.Status.RUNNING), 0)
        rows = ScriptRun.objects.filter(status__in=counts).order_by().values_list("status").annotate(Count("pk"))
        counts.update(rows)  # one query for both statuses; a status with no row stays 0
        for status, count in counts.items():
            open_runs.add_metric([status], count)
        yield open_runs

        retention = GaugeMetricFamily(
            "trickle_retention_days", "Configured retention, in days (0: kept forever).", labels=["what"]
        )
        for what, days in settings.RETENTION_DAYS.items():
            retention.add_metric([what], days)
        yield retention
