"""A Try run's inputs: checked per script, split into what may be stored and the passwords that may not.

Arguments are keyed by the sandbox's parameter names (login `email`, `password`; get_user and verify
`email`; create `user`; change_password `email`, `newPassword`; delete `id`; change_email `email`,
`newEmail`, `verified`), the same keys the API takes.
"""

from typing import Any

from django.core.exceptions import ValidationError

from scriptd_client.client import SCRIPT_PARAMETERS
from scriptd_client.masking import MASK

REDACTED = MASK  # the mask of every secret in run output
USER_FIELDS = {
    "email": str,
    "password": str,
    "username": str,
    "user_metadata": dict,
    "app_metadata": dict,
    "email_verified": bool,
    "phone_number": str,
}
# Where each script carries a plain-text password: a parameter, or a key inside the `user` object.
SECRET_PATHS: dict[str, tuple[str, ...]] = {
    "login": ("password",),
    "create": ("user.password",),
    "change_password": ("newPassword",),
}


def _expect(value: Any, kind: type, name: str) -> None:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValidationError({"args": f"{name} must be {'true or false' if kind is bool else 'a ' + kind.__name__}."})


def run_arguments_clean(*, script: str, args: Any) -> dict[str, Any]:
    """The arguments if they fit the script's parameters; ValidationError naming the first problem."""
    if not isinstance(args, dict):
        raise ValidationError({"args": "args must be an object keyed by the script's parameter names."})
    expected = SCRIPT_PARAMETERS[script]
    unknown, missing = sorted(set(args) - set(expected)), [p for p in expected if p not in args]
    if unknown or missing:
        raise ValidationError(
            {
                "args": f"{script} takes {', '.join(expected)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            }
        )
    for name in expected:
        if name == "user":
            _expect(args[name], dict, "user")
            for key, value in args[name].items():
                if key not in USER_FIELDS:
                    raise ValidationError(
                        {"args": f"user.{key} is not a field of the user object ({', '.join(USER_FIELDS)})."}
                    )
                _expect(value, USER_FIELDS[key], f"user.{key}")
            if "email" not in args[name]:
                raise ValidationError({"args": "user.email is required."})
        else:
            _expect(args[name], bool if name == "verified" else str, name)
    return args


def _get(args: dict, path: str) -> Any:
    head, _, rest = path.partition(".")
    return _get(args.get(head) or {}, rest) if rest else args.get(head)


def _with(args: dict, path: str, value: Any) -> dict:
    head, _, rest = path.partition(".")
    return {**args, head: _with(args.get(head) or {}, rest, value) if rest else value}


def run_arguments_split(*, script: str, args: dict) -> tuple[dict, dict[str, str]]:
    """(arguments with every password replaced by REDACTED, {path: raw password}) for storing and sending apart."""
    secrets = {path: _get(args, path) for path in SECRET_PATHS.get(script, ()) if _get(args, path) is not None}
    redacted = args
    for path in secrets:
        redacted = _with(redacted, path, REDACTED)
    return redacted, secrets


def run_arguments_join(*, redacted: dict, secrets: dict[str, str]) -> dict:
    """The inverse of run_arguments_split: the raw passwords put back in place."""
    for path, value in secrets.items():
        redacted = _with(redacted, path, value)
    return redacted


# The input that says whom a run was for, per script (never a password): history pages show it.
SUBJECT_PATHS: dict[str, tuple[str, ...]] = {
    "login": ("email",),
    "get_user": ("email",),
    "verify": ("email",),
    "change_password": ("email",),
    "create": ("user.email",),
    "delete": ("id",),
    "change_email": ("email", "newEmail"),
}


def run_arguments_subject(*, script: str, args: object) -> str:
    """Whom the run was for, e.g. "ada@example.com" or "old@x → new@x" for change_email; "" when unknown."""
    if not isinstance(args, dict):
        return ""
    values = [_get(args, path) for path in SUBJECT_PATHS.get(script, ())]
    return " → ".join(str(v) for v in values if isinstance(v, str | int) and not isinstance(v, bool) and v != "")


def run_arguments_positional(*, script: str, args: dict) -> list[Any]:
    """The list the script's function receives, in its signature's order."""
    return [args[name] for name in SCRIPT_PARAMETERS[script]]


# The Try form's inputs per script, as JSON for the page: dotted names build nested args (user.email).
INPUT_FIELDS: dict[str, list[dict[str, Any]]] = {
    "login": [
        {"name": "email", "label": "Username or email", "type": "text"},
        {"name": "password", "label": "Password", "type": "password"},
    ],
    "get_user": [{"name": "email", "label": "Email", "type": "text"}],
    "create": [
        {"name": "user.email", "label": "Email", "type": "text"},
        {"name": "user.password", "label": "Password", "type": "password"},
        {"name": "user.username", "label": "Username", "type": "text", "optional": True},
        {"name": "user.user_metadata", "label": "user_metadata (JSON)", "type": "json", "optional": True},
        {"name": "user.app_metadata", "label": "app_metadata (JSON)", "type": "json", "optional": True},
    ],
    "verify": [{"name": "email", "label": "Email", "type": "text"}],
    "change_password": [
        {"name": "email", "label": "Email", "type": "text"},
        {"name": "newPassword", "label": "New password", "type": "password"},
    ],
    "delete": [{"name": "id", "label": "User id (as login returned it)", "type": "text"}],
    "change_email": [
        {"name": "email", "label": "Current email", "type": "text"},
        {"name": "newEmail", "label": "New email", "type": "text"},
        {"name": "verified", "label": "The new email is verified", "type": "checkbox"},
    ],
}
