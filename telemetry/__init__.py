"""Telemetry: request ids, log formats, Prometheus metrics and error reporting. The bottom layer beside
scriptd_client: it imports no app, so every app may use it."""

import os

# prometheus_client's multiprocess mode writes a file per process there at the first metric: a folder that
# does not exist yet (a fresh /run, a new host) would stop every process at start.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
