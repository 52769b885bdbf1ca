"""Every request gets a request id (bound for its logs, tasks and scriptd calls, echoed in the response)
and is counted and timed by route pattern."""

import time

from django.conf import settings

from .context import request_id_accept, request_id_bound
from .metrics import HTTP_LATENCY, HTTP_REQUESTS


class RequestTelemetryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.meta_key = "HTTP_" + settings.REQUEST_ID_HEADER.upper().replace("-", "_")
        self.header = settings.REQUEST_ID_HEADER

    def __call__(self, request):
        started = time.perf_counter()
        with request_id_bound(request_id_accept(request.META.get(self.meta_key))) as request_id:
            request.request_id = request_id
            response = self.get_response(request)
        response[self.header] = request_id
        match = getattr(request, "resolver_match", None)
        # The route pattern, not the path: ids in paths would make a series per connection.
        route = getattr(request, "telemetry_route", None) or (match.route if match else "<unmatched>")
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response
