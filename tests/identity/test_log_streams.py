"""Log streams against a real local HTTP receiver, delivered by a real Celery worker on Redis."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connections_admin import crypto
from identity import log_streams, services
from identity.models import LogEvent, LogStream
from identity.tasks import log_streams_tick_task
from tests.fixtures import wait_for

from .conftest import connection_in_mode


class Receiver:
    """A webhook on 127.0.0.1 that checks each batch's signature and keeps what it got; stop() and start()
    close and reopen the same port (the receiver "down for a while")."""

    def __init__(self):
        self.batches, self.bad_signatures, self.secret = [], 0, ""
        self.port = 0
        self.start()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = (
                    "sha256="
                    + hmac.new(
                        receiver.secret.encode(),
                        self.headers["X-Trickle-Timestamp"].encode() + b"." + body,
                        hashlib.sha256,
                    ).hexdigest()
                )
                if hmac.compare_digest(expected, self.headers["X-Trickle-Signature"]):
                    receiver.batches.append(json.loads(body))
                else:
                    receiver.bad_signatures += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def log_ids(self):
        return [item["log_id"] for batch in self.batches for item in batch]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.mark.django_db(transaction=True)
def test_a_stream_gets_every_event_once_and_again_after_the_receiver_was_down(
    receiver, celery_worker_on_redis, settings
):
    settings.TRICKLE_LOG_STREAM_RETRY_BASE_S = 0.5
    settings.TRICKLE_LOG_STREAM_BATCH = 4
    connection = connection_in_mode(name="shop", mode="managed")
    services.user_signup(connection=connection, email="before@example.test", password="pw-1234567")  # before: not sent
    stream, receiver.secret = log_streams.log_stream_create(
        name="siem", endpoint=f"http://127.0.0.1:{receiver.port}/hook", by=None
    )
    first_cursor = stream.cursor
    for i in range(10):
        services.user_signup(connection=connection, email=f"u{i}@example.test", password="pw-1234567")

    time.sleep(log_streams.SETTLE_S + 0.5)  # entries wait this long, so a late commit cannot be skipped
    log_streams_tick_task.delay()
    wait_for(lambda: len(receiver.log_ids) >= 10, timeout_s=60, every_s=0.2)
    first = [e.log_id for e in LogEvent.objects.filter(pk__gt=stream.cursor).order_by("id")]
    assert len(first) == 10
    assert receiver.log_ids == first and receiver.bad_signatures == 0
    assert {item["data"]["type"] for batch in receiver.batches for item in batch} == {"ss"}

    receiver.stop()
    for i in range(10, 16):
        services.user_signup(connection=connection, email=f"u{i}@example.test", password="pw-1234567")
    time.sleep(log_streams.SETTLE_S + 0.5)
    log_streams_tick_task.delay()
    # retried with back-off by the task itself
    wait_for(lambda: LogStream.objects.get(pk=stream.pk).failures >= 2, timeout_s=60, every_s=0.2)
    stream.refresh_from_db()
    assert stream.status == "active" and stream.last_error and stream.deliveries.filter(ok=False).count() >= 2

    receiver.start()  # the same port again
    wait_for(lambda: len(receiver.log_ids) >= 16, timeout_s=60, every_s=0.2)
    time.sleep(1)
    everything = [e.log_id for e in LogEvent.objects.filter(pk__gt=first_cursor).order_by("id")]
    assert receiver.log_ids == everything  # every event once, in order, nothing lost while it was down
    stream.refresh_from_db()
    assert stream.failures == 0 and stream.cursor == LogEvent.objects.order_by("id").last().pk


@pytest.mark.django_db
def test_repeated_failures_suspend_the_stream_until_resumed(settings, editor):
    settings.TRICKLE_LOG_STREAM_RETRY_BASE_S = 0
    settings.TRICKLE_LOG_STREAM_MAX_FAILURES = 3
    stream, _ = log_streams.log_stream_create(name="dead", endpoint="http://127.0.0.1:9/nothing", by=editor)
    LogEvent.objects.create(type="s", description="x", date="2020-01-01T00:00:00Z")

    for _ in range(3):
        log_streams.log_stream_deliver(stream_id=stream.pk)
    stream.refresh_from_db()
    assert stream.status == "suspended" and stream.failures == 3
    assert log_streams.log_streams_due() == []
    log_streams.log_stream_set_status(stream=stream, status="active", by=editor)
    assert log_streams.log_streams_due() == [stream.pk]


@pytest.mark.django_db
def test_the_stream_pages_show_status_and_the_secret_only_once(editor_client, viewer_client):
    created = editor_client.post("/logs/streams/", {"name": "siem", "endpoint": "https://siem.example.test/in"})
    page = created.content.decode()
    stream = LogStream.objects.get()
    secret = crypto.decrypt(stream.secret_encrypted)
    assert secret in page
    assert secret not in editor_client.get("/logs/streams/").content.decode()
    detail = viewer_client.get(f"/logs/streams/{stream.pk}/").content.decode()
    assert secret not in detail and 'data-status="active"' in detail
    assert viewer_client.post(f"/logs/streams/{stream.pk}/status/", {"status": "paused"}).status_code == 403
    editor_client.post(f"/logs/streams/{stream.pk}/status/", {"status": "paused"})
    stream.refresh_from_db()
    assert stream.status == "paused"
    assert viewer_client.post("/logs/streams/", {"name": "x", "endpoint": "https://x.test"}).status_code == 403
