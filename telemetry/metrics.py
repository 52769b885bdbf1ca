"""Prometheus metrics counted where things happen. With several processes (gunicorn workers, Celery
pool processes) prometheus_client's multiprocess mode keeps them in files under PROMETHEUS_MULTIPROC_DIR,
which /metrics adds up (telemetry/multiprocess.py). Labels stay few and bounded: route patterns, never paths
or user input."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "trickle_http_requests", "HTTP requests answered, by route pattern and status code.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "trickle_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180),
)
SCRIPT_RUNS = Counter(
    "trickle_script_runs",
    "Script runs sent to scriptd, by script, outcome (ok, error, timeout, crash, unavailable) and mode "
    "(fresh: Try runs; warm: logins and the other flows).",
    ["script", "outcome", "mode"],
)
SCRIPTD_LATENCY = Histogram(
    "trickle_scriptd_run_duration_seconds",
    "Time from sending a run to scriptd to its result, as the caller waits it.",
    ["mode"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
)
LOGINS = Counter(
    "trickle_logins",
    "Logins through a connection, by the store that answered (managed, legacy, migrated) and the result "
    "(succeeded, or the failure reason).",
    ["store", "result"],
)
TRY_RUNS_LOST = Counter(
    "trickle_try_runs_lost",
    "Try runs ended by Trickle rather than by scriptd: worker_lost (a Celery pool process died mid-run), "
    "stale (the sweep found them past their deadline), not_picked_up (no worker took them).",
    ["reason"],
)
CELERY_TASKS = Counter("trickle_celery_tasks", "Celery tasks finished, by task and state.", ["task", "state"])
CELERY_WORKER_STARTS = Counter(
    "trickle_celery_worker_process_starts",
    "Celery pool processes started: the first ones, then one more each time the pool replaces a process that "
    "died or was recycled.",
)
LEGACY_CIRCUIT_TRANSITIONS = Counter(
    "trickle_legacy_circuit_transitions",
    "Legacy stores' circuit breakers changing state (identity.circuit): opened (failures in a row), reopened "
    "(a probe failed), closed (a probe succeeded). Logins refused while open count in trickle_logins as "
    "legacy_unavailable.",
    ["transition"],
)
SHADOW_RUNS = Counter(
    "trickle_shadow_runs",
    "Draft scripts repeated after a real call (identity.shadow_runs): agreed or differed with the real outcome, "
    "dropped (the shadow pool was full) or failed (an error of Trickle's own, logged).",
    ["outcome"],
)
