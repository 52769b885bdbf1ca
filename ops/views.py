"""/healthz, /readyz and /metrics: answered by ops.middleware before login, host checks and HTTPS redirects."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from telemetry.multiprocess import registry_collected

from .collectors import OperationsCollector
from .health import readiness_report


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and serving; no dependency is asked (a database outage must not restart us)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    report = readiness_report()
    response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    # A probe every few seconds while a dependency is down would otherwise log (and send to Sentry) an
    # ERROR per probe from django.request; the report itself says what failed.
    response._has_been_logged = True
    return response


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        return JsonResponse(
            {
                "error": "forbidden",
                "message": "Send the TRICKLE_METRICS_TOKEN as a bearer token, or scrape from a network in "
                "TRICKLE_METRICS_ALLOWED_NETWORKS.",
            },
            status=403,
        )
    scraped = CollectorRegistry()
    scraped.register(OperationsCollector())
    # Every process's counters (multiprocess mode) or this process's own (runserver, tests).
    counted = registry_collected() or REGISTRY
    return HttpResponse(generate_latest(counted) + generate_latest(scraped), content_type=CONTENT_TYPE_LATEST)
