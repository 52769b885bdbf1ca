"""Who may see and change connections: staff users with Django's model permissions.

`view_connection` sees everything read-only; `change_connection` may edit. Every dashboard view of every
app uses these decorators, so the rule lives in one place.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Connection

VIEW = "connections_admin.view_connection"
ADD = "connections_admin.add_connection"
CHANGE = "connections_admin.change_connection"
DELETE = "connections_admin.delete_connection"


def can_view(user) -> bool:
    return user.is_active and user.is_staff and (user.has_perm(VIEW) or user.has_perm(CHANGE))


def can_change(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(CHANGE)


def staff_permission_required(perm: str):
    """Sign in first (redirect), then 403 for anyone who is not staff with `perm`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            allowed = (
                can_view(request.user)
                if perm == VIEW
                else (request.user.is_staff and request.user.is_active and request.user.has_perm(perm))
            )
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def connection_view(perm: str = VIEW):
    """Like staff_permission_required, and swaps the URL's `public_id` for the Connection (404 if unknown)."""

    def decorator(view):
        @staff_permission_required(perm)
        @wraps(view)
        def wrapped(request, public_id, *args, **kwargs):
            connection = get_object_or_404(Connection, public_id=public_id)
            return view(request, connection, *args, **kwargs)

        return wrapped

    return decorator
