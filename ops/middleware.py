"""Trusted proxies, and the operations endpoints answered before anything else."""

import ipaddress

from django.conf import settings

from . import views

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


def _networks(entries) -> list:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


class TrustedProxyMiddleware:
    """Behind TRICKLE_TRUSTED_PROXIES: REMOTE_ADDR becomes the client the proxy saw (the right-most
    X-Forwarded-For address that is not itself a trusted proxy). From anyone else the forwarding headers are
    removed, so a client cannot claim HTTPS (SECURE_PROXY_SSL_HEADER) or another address."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = _networks(settings.TRUSTED_PROXIES)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, request):
        meta = request.META
        if self.trusted and self._is_trusted(meta.get("REMOTE_ADDR", "")):
            hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
            while hops and self._is_trusted(hops[-1]):
                hops.pop()
            if hops:
                meta["REMOTE_ADDR"] = hops[-1]
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)


class OperationsEndpointsMiddleware:
    """/healthz, /readyz and /metrics for load balancers and Prometheus, who call by IP address over the
    inside network: answered before the host check, sessions and HTTPS redirect."""

    ENDPOINTS = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        request.telemetry_route = request.path_info.rstrip("/")
        return view(request)
