"""/healthz, /readyz, /metrics, trusted proxies and request ids, through the real middleware stack."""

import json
import logging
import re

import pytest
from django.test import Client

from telemetry.context import request_id_bound
from telemetry.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login_or_dependencies(anonymous_client, settings, tmp_path):
    settings.SCRIPTD_SOCKET = str(tmp_path / "nobody.sock")
    response = anonymous_client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_is_answered_whatever_the_host_header(anonymous_client):
    # A load balancer probes by IP address, which ALLOWED_HOSTS does not list.
    assert anonymous_client.get("/healthz", HTTP_HOST="10.9.8.7:8000").status_code == 200
    assert anonymous_client.get("/accounts/login/", HTTP_HOST="10.9.8.7:8000").status_code == 400


def test_readyz_names_scriptd_when_it_is_not_running(anonymous_client, settings, tmp_path, caplog):
    settings.SCRIPTD_SOCKET = str(tmp_path / "nobody.sock")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = anonymous_client.get("/readyz")
    assert not caplog.records  # a failing probe is an answer, not an error to log (and send to Sentry) each time
    body = response.json()
    assert response.status_code == 503 and body["status"] == "unavailable" and body["failed"] == ["scriptd"]
    assert "scriptd is not running" in body["checks"]["scriptd"]["error"]
    assert all(body["checks"][name]["ok"] for name in ("database", "migrations", "broker"))


@pytest.mark.scriptd
def test_readyz_is_200_when_everything_answers(anonymous_client, settings, scriptd_socket):
    settings.SCRIPTD_SOCKET = scriptd_socket
    response = anonymous_client.get("/readyz")
    assert response.status_code == 200 and response.json()["failed"] == []


def test_metrics_are_open_to_the_loopback_in_development_only(settings):
    response = Client().get("/metrics")
    assert response.status_code == 200 and b"trickle_http_requests_total" in response.content
    settings.METRICS_ALLOWED_NETWORKS = []
    assert Client().get("/metrics").status_code == 403


def test_metrics_accept_the_token_and_refuse_a_wrong_one(settings):
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_TOKEN = "a-long-metrics-token-for-tests"
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-metrics-token-for-tests").status_code == 200
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer guessed").status_code == 403


def test_a_trusted_proxy_sets_the_client_address_and_anyone_else_cannot(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3, 203.0.113.9").status_code == 403
    settings.TRUSTED_PROXIES = ["192.0.2.1"]  # the test client's 127.0.0.1 is no longer a proxy
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 403


def test_an_untrusted_client_cannot_claim_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["192.0.2.1"]
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_a_well_formed_request_id_is_kept_and_anything_else_replaced(anonymous_client):
    kept = anonymous_client.get("/healthz", HTTP_X_REQUEST_ID="proxy-id-12345678")
    assert kept["X-Request-ID"] == "proxy-id-12345678"
    replaced = anonymous_client.get("/healthz", HTTP_X_REQUEST_ID="evil id\ninjected")
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("trickle.test", logging.INFO, __file__, 1, "ran %s", ("login",), None)
    record.script = "login"
    with request_id_bound("req-abcdef123"):
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "ran login" and line["request_id"] == "req-abcdef123" and line["script"] == "login"


@pytest.mark.django_db(transaction=True)
def test_readyz_names_a_pending_migration_and_stops_reading_the_graph_once_all_are_applied(monkeypatch):
    from django.core.management import call_command

    from ops import health

    monkeypatch.setattr(health, "_migrations_applied", False)
    call_command("migrate", "api", "zero", verbosity=0)
    try:
        problem = health.check_migrations()
        assert problem and "api.0001_initial" in problem and "manage.py migrate" in problem
        assert not health._migrations_applied
    finally:
        call_command("migrate", "api", verbosity=0)
    assert health.check_migrations() is None and health._migrations_applied
