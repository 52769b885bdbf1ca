"""SENTRY_DSN turns on error reporting for Django and Celery: a real sentry-sdk sends to a local endpoint."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .stack import ROOT


class _Ingest(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _events(payloads: list[bytes]) -> list[dict]:
    events = []
    for payload in payloads:
        for line in payload.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                events.append(item)
    return events


def test_a_sentry_dsn_reports_errors_with_the_django_and_celery_integrations(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_port}/1"}
        code = (
            "import sentry_sdk\n"
            "from telemetry.context import request_id_bound\n"
            "with request_id_bound('req-sentry-0001'):\n"
            "    sentry_sdk.capture_exception(ValueError('boom from the sentry test'))\n"
            "sentry_sdk.flush(5)\n"
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    finally:
        server.shutdown()
    events = _events(_Ingest.received)
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][0]["value"] == "boom from the sentry test"
    assert event["tags"]["request_id"] == "req-sentry-0001"
    assert {"django", "celery"} <= set(event["sdk"]["integrations"])
