"""prometheus_client's multiprocess mode: every process writes its counters to files in
PROMETHEUS_MULTIPROC_DIR (set in the environment before Python starts: make serve and deploy/ do), and a
scrape adds up every file there, so /metrics on any gunicorn worker shows the whole host, Celery included."""

import os
import re
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess

_PID = re.compile(r"_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(folder) if folder else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def stale_files_remove() -> int:
    """At a service's start: drop the files of processes that are gone (their counts reset, which Prometheus'
    rate() expects), so a long-lived host does not collect one file per process ever started."""
    folder = multiprocess_dir()
    if folder is None:
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    removed = 0
    for path in folder.glob("*.db"):
        match = _PID.search(path.name)
        if match and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def process_exited(pid: int) -> None:
    """A worker process ended: its live gauges stop counting (its counters stay until the next start)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)


def registry_collected() -> CollectorRegistry | None:
    """A registry adding up every process's files, or None in single-process mode (use the default one)."""
    if multiprocess_dir() is None:
        return None
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
