"""The production stack as `make serve` and deploy/ run it, started from a test: its environment (the
variables docs/deploy.md documents), a database of its own on the local PostgreSQL, and its processes."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"
CACHE_DB = 12  # the Redis database of these tests' shared cache, emptied when a stack starts


def production_env(*, database: str, folder: Path, **overrides: str) -> dict[str, str]:
    """Production mode with every documented variable set (the ones docs/deploy.md lists)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TRICKLE_", "DJANGO_", "CELERY_", "SENTRY_"))}
    keep.pop("DATABASE_URL", None)
    keep.pop("SECRET_KEY", None)
    keep.pop("CACHE_URL", None)
    keep.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return {
        **keep,
        "TRICKLE_PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TRICKLE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "TRICKLE_CELERY_QUEUE": f"trickle-{database}",  # other test runs may share the broker
        "CACHE_URL": f"redis://127.0.0.1:6379/{CACHE_DB}",
        "TRICKLE_API_RATE": "40/minute",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "TRICKLE_TRUSTED_PROXIES": "127.0.0.1,::1",
        "TRICKLE_HSTS_SECONDS": "31536000",
        "TRICKLE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "TRICKLE_HSTS_PRELOAD": "true",
        "TRICKLE_METRICS_TOKEN": secrets.token_urlsafe(24),
        "TRICKLE_SCRIPTD_SOCKET": str(folder / "scriptd.sock"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        "TRICKLE_LOG_FORMAT": "json",
        **overrides,
    }


def database_recreate(name: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@dataclass
class Stack:
    env: dict[str, str]
    folder: Path
    port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def start(self, name: str) -> subprocess.Popen:
        argv = {
            "scriptd": [sys.executable, "manage.py", "scriptd", "--workers", "2"],
            "worker": [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                f"--hostname=smoke-{self.port}@%h",
            ],
            "beat": [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.folder / 'beat-schedule'}",
            ],
            "web": [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
        }[name]
        log = open(self.folder / f"{name}.log", "a")  # a file, not a pipe: a full pipe would stall the process
        process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.processes[name] = process
        return process

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def wait_until(predicate, *, timeout_s: float, what: str, every_s: float = 0.25):
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(every_s)
