from rest_framework import permissions

from .scopes import SCOPES


def _granted(request, scope: str) -> bool:
    token = request.auth
    return bool(
        token
        and scope in token.scopes
        and request.user.has_perm(SCOPES[scope][0])
        and request.user.is_staff
        and request.user.is_active
    )


class ScopePermission(permissions.BasePermission):
    """Views declare `required_scopes = {"GET": "read:connections", ...}` per HTTP method.

    A token needs the scope AND its user still needs the matching Django permission, so taking a
    permission away from a user narrows every token they issued.
    """

    message = "Insufficient scope."

    def has_permission(self, request, view):
        scope = view.required_scopes.get(request.method) or view.required_scopes.get("*")
        if scope is None:
            return False
        self.message = f"Insufficient scope: this call needs {scope}."
        return _granted(request, scope)
