"""The full Try round trip: HTTP POST (API) -> Celery on Redis -> scriptd -> the result readable through the
panel's polling endpoint. Everything runs in throwaway processes (a temp SQLite database, Redis db 14, a
private scriptd, `runserver`, one solo Celery worker) that are stopped at the end.

Target (issue 5): p50 <= 60 ms, p95 <= 150 ms. The bench polls every 5 ms to measure when the result
becomes readable; the panel itself polls every 200 ms.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from scriptd_client import client as scriptd

ROOT = Path(__file__).resolve().parent.parent
BROKER = "redis://127.0.0.1:6379/14"  # a database of its own: purged at start, shared with nothing
RUNS, WARM_UP, RUN_TIMEOUT_S, POLL_S = 200, 10, 10.0, 0.005
LOGIN = (
    "function login(email, password, callback) {\n  console.log('checking', email);\n"
    "  callback(null, { user_id: 'u-' + email, email: email });\n}"
)
SETUP = """
from django.contrib.auth.models import Permission
from django.contrib.sessions.backends.db import SessionStore
from api.services import api_token_issue
from connections_admin.services import connection_create
from tests.factories import UserFactory
user = UserFactory(username="bench", is_superuser=True)
connection = connection_create(name="bench-try", by=user)
session = SessionStore()
session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash()})
session.create()
print(connection.public_id, api_token_issue(user=user, name="bench", scopes=["run:scripts"])[1], session.session_key)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, scriptd.ScriptdUnavailable, requests.RequestException):
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start within {timeout_s} s")


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        socket_path = str(folder / "scriptd.sock")
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "CELERY_BROKER_URL": BROKER,
            "TRICKLE_SCRIPTD_SOCKET": socket_path,
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        public_id, token, session_key = (
            subprocess.run(
                [python, "manage.py", "shell", "-c", SETUP],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
            .split()
        )
        subprocess.run(
            [python, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        port = _free_port()
        argv, scriptd_env = scriptd.scriptd_command(socket_path=socket_path, workers=1)
        log = open(folder / "services.log", "w")
        processes = [
            subprocess.Popen(argv, env=scriptd_env, stdout=log, stderr=log),
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            ),
            subprocess.Popen(
                [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            ),
        ]
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(lambda: scriptd.ping(socket_path=socket_path), "scriptd")
            _wait(lambda: requests.get(f"{base}/accounts/login/", timeout=2).ok, "runserver")
            _measure(base, public_id, token, session_key)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def _measure(base: str, public_id: str, token: str, session_key: str) -> None:
    # One connection per request: runserver sends headers and body in separate writes without TCP_NODELAY,
    # so a reused connection waits ~40 ms for the client's delayed ACK (a production server does not).
    api = requests.Session()
    api.headers.update({"Authorization": f"Bearer {token}", "Connection": "close"})
    panel = requests.Session()
    panel.headers["Connection"] = "close"
    panel.cookies.set("sessionid", session_key)
    body = {"script": "login", "args": {"email": "ada@example.com", "password": "pw"}, "code": LOGIN}

    def round_trip() -> float:
        started = time.perf_counter()
        response = api.post(f"{base}/api/v2/connections/{public_id}/script-runs", json=body, timeout=RUN_TIMEOUT_S)
        response.raise_for_status()
        poll = f"{base}/connections/{public_id}/scripts/runs/{response.json()['id']}/poll/"
        while time.perf_counter() - started < RUN_TIMEOUT_S:
            snapshot = panel.get(poll, timeout=RUN_TIMEOUT_S).json()
            if snapshot["done"]:
                if snapshot["state"] != "succeeded" or not snapshot["lines"]:
                    raise SystemExit(f"the bench run did not succeed: {snapshot}")
                return (time.perf_counter() - started) * 1000
            time.sleep(POLL_S)
        raise SystemExit(f"a Try run took more than {RUN_TIMEOUT_S} s (is Redis up? see the services log)")

    # The first run waits for the worker to connect to Redis; the warm-up absorbs it.
    first = time.perf_counter()
    while True:
        try:
            round_trip()
            break
        except SystemExit:
            if time.perf_counter() - first > 60:
                raise
    for _ in range(WARM_UP):
        round_trip()
    times = [round_trip() for _ in range(RUNS)]
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
    verdict = "ok" if p50 <= 60 and p95 <= 150 else "ABOVE TARGET"
    print(f"  Try round trip (POST -> Celery/Redis -> scriptd -> panel poll), {RUNS} sequential runs:")
    print(
        f"  {'full Try round trip':<34} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   {1000 / statistics.mean(times):7.1f}/s"
        f"   target p50 <= 60, p95 <= 150: {verdict}"
    )
