"""Fixtures for Try runs: scriptd for the run services, and a real Celery worker on Redis (never eager mode)."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from config.broker import FILESYSTEM_TRANSPORT, filesystem_transport_options
from config.celery import app as celery_app
from tests.fixtures.scriptd import scriptd_process

REDIS_BROKER = "redis://127.0.0.1:6379/15"
LOGIN = (
    "function login(email, password, callback) {\n  console.log('checking', email);\n"
    "  callback(null, { user_id: 'u1', email: email });\n}\n"
)


@pytest.fixture
def scriptd_for_runs(settings, scriptd_socket):
    """The session's scriptd, where run services find it (settings.SCRIPTD_SOCKET)."""
    settings.SCRIPTD_SOCKET = scriptd_socket
    return scriptd_socket


@pytest.fixture
def private_scriptd(settings, tmp_path):
    """A scriptd of this test's own (one worker), for tests that kill it; yields its process."""
    with scriptd_process(tmp_path, workers=1) as (socket_path, process):
        settings.SCRIPTD_SOCKET = socket_path
        yield process


def _point_celery_at(broker_url: str, queue: str, transport_options: dict) -> dict:
    """Reconfigure the project's Celery app in place; returns what to restore."""
    conf = celery_app.conf
    saved = {
        "broker_url": conf.broker_url,
        "broker_transport_options": conf.broker_transport_options,
        "task_default_queue": conf.task_default_queue,
        "broker_transport": conf.broker_transport,
    }
    conf.broker_url, conf.broker_transport_options, conf.task_default_queue = broker_url, transport_options, queue
    # The settings name the filesystem transport's class explicitly; any other broker takes its URL's scheme.
    conf.broker_transport = FILESYSTEM_TRANSPORT if broker_url.startswith("filesystem://") else None
    _drop_connections()
    return saved


def _drop_connections() -> None:
    # Connections, producers, queues and routes are cached per app: forget them so the next publish and
    # the next worker use the new broker and queue.
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def celery_on(transactional_db):
    """celery_on(broker_url) points the app at that broker on a queue of this test's own."""
    saved = []

    def point(broker_url: str = REDIS_BROKER, transport_options: dict | None = None) -> str:
        queue = f"trickle-test-{uuid.uuid4().hex[:12]}"  # other sessions may share this Redis
        saved.append(_point_celery_at(broker_url, queue, transport_options or {}))
        return queue

    yield point
    if saved:
        for key, value in saved[0].items():
            setattr(celery_app.conf, key, value)
        _drop_connections()


@pytest.fixture
def celery_worker_on_redis(celery_on):
    """A real worker (solo pool, in a thread) consuming this test's queue on the local Redis."""
    celery_on(REDIS_BROKER)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def celery_worker_on_filesystem(celery_on, tmp_path):
    """A real worker on `make run`'s embedded broker (kombu's filesystem transport, the settings' options)."""
    celery_on("filesystem://", filesystem_transport_options(tmp_path / "broker"))
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
