"""Who is logging in, as far as a request can tell: the end user's IP address and user agent."""

from django.http import HttpRequest


def end_user(request: HttpRequest, *, forwarded: bool = False) -> dict[str, str]:
    """`ip` and `user_agent` for a flow. With `forwarded` (the authenticated API, called by the admin's own
    servers) the end user's IP comes from `auth0-forwarded-for`, as Auth0 takes it; otherwise the
    address the request came from, never a header a browser could set."""
    ip = request.META.get("REMOTE_ADDR", "")
    if forwarded:
        ip = request.headers.get("auth0-forwarded-for", "").split(",")[0].strip() or ip
    return {"ip": ip[:45], "user_agent": request.headers.get("user-agent", "")[:255]}
