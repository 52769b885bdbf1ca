from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Per-token rate (settings.TRICKLE_API_RATE, e.g. "600/minute"); DRF answers 429 with Retry-After."""

    scope = "token"

    def get_rate(self):
        return settings.TRICKLE_API_RATE

    def get_cache_key(self, request, view):
        if request.auth is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
