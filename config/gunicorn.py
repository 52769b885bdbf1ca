"""gunicorn's configuration for production: `gunicorn -c config/gunicorn.py config.wsgi` (make serve, deploy/).

Logins wait on scriptd (I/O, not CPU), so each worker process runs threads. Settings come from the
environment: TRICKLE_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT.
"""

import multiprocessing
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `-c config/gunicorn.py` from anywhere

from scriptd_client.limits import DEADLINE_GRACE_S, TIMEOUT_MAX_S  # noqa: E402  (no Django settings needed)
from telemetry.multiprocess import process_exited, stale_files_remove  # noqa: E402

# The longest a flow can take: up to three scripts (get_user, create and login in a sign-up) of up to
# TIMEOUT_MAX_S each, each with scriptd's answer margin. A worker timeout below that would kill a slow but
# legitimate login mid-flight.
LONGEST_FLOW_S = 3 * (TIMEOUT_MAX_S + DEADLINE_GRACE_S)

bind = os.environ.get("TRICKLE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", LONGEST_FLOW_S + 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (with jitter, so not all at once): bounds any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
# Behind a proxy on this host; Trickle's own TrustedProxyMiddleware decides whom to believe.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# The request id travels in the response header, so the access log can join the application's lines.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def on_starting(server):
    stale_files_remove()  # metrics files of processes from an earlier run


def child_exit(server, worker):
    process_exited(worker.pid)
