"""What a script's outcome means to the login flow, in one sentence a person understands.

The Try panel, the API and the identity flows all read this module, so "get_user answered nothing"
means "user not found" everywhere. Inputs use the sandbox's vocabulary: status "ok" (with `value`),
"error" (with `error` = {name, message, code, ...}), "timeout", "crash", or "unavailable" when the
script never ran (scriptd or the broker down).
"""

from dataclasses import dataclass, field
from typing import Any

WRONG_PASSWORD = "Wrong email or password"


@dataclass(frozen=True)
class Explanation:
    text: str
    tone: str  # a Bootstrap colour name: success, danger, warning, secondary
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"text": self.text, "tone": self.tone, "warnings": self.warnings}


def profile_warnings(value: Any, *, script: str) -> list[str]:
    """Problems in a returned profile that Auth0 would refuse or that break a later migration."""
    if not isinstance(value, dict):
        return [f"The profile should be an object; {script} answered {type(value).__name__}."]
    warnings = []
    if value.get("user_id") in (None, ""):
        warnings.append("The profile has no user_id: logins cannot be tied to one user (and migration refuses it).")
    if not value.get("email"):
        warnings.append("The profile has no email: password reset and migration need one.")
    return warnings


def _error_text(error: dict) -> str:
    message = error.get("message") or error.get("description") or ""
    return f"{error.get('name') or 'Error'}{': ' + message if message else ''}"


def _explain_error(script: str, error: dict) -> Explanation:
    name, code = error.get("name") or "", error.get("code") or error.get("message") or ""
    if name == "WrongUsernameOrPasswordError":
        return Explanation(f"The login fails and the user sees “{WRONG_PASSWORD}”.", "warning")
    if name == "UnauthorizedError":
        message = error.get("message")
        return Explanation(
            f"The user is refused and sees your message: “{message}”."
            if message
            else "The user is refused and sees your message.",
            "warning",
        )
    if script == "create" and name == "ValidationError" and code == "user_exists":
        return Explanation("Sign-up is refused: the user sees “The user already exists”.", "warning")
    flow = {
        "login": "The login fails with an error (the user sees “Something went wrong”)",
        "get_user": "The lookup fails, so sign-up and password reset fail with an error",
        "create": "Sign-up fails with an error",
        "verify": "Email verification fails with an error",
        "change_password": "The password change fails with an error",
        "delete": "Deleting the user fails with an error",
        "change_email": "The email change fails with an error",
    }[script]
    return Explanation(f"{flow}: {_error_text(error)}.", "danger")


def _explain_value(script: str, value: Any) -> Explanation:
    if script == "login":
        if value in (None, False):
            return Explanation(f"No profile: the login fails and the user sees “{WRONG_PASSWORD}”.", "warning")
        return Explanation(
            "The user logs in with this profile (in migration mode Trickle stores it with the typed password).",
            "success",
            profile_warnings(value, script=script),
        )
    if script == "get_user":
        if value in (None, False):
            return Explanation("User not found: sign-up may go ahead and a password reset finds nobody.", "secondary")
        return Explanation(
            "User found: sign-up with this email is refused and a password reset can go ahead.",
            "success",
            profile_warnings(value, script=script),
        )
    if script == "create":
        return Explanation("Sign-up succeeds: the user is stored in your database.", "success")
    if script == "delete":
        return Explanation("The user is deleted from your database.", "success")
    done = {
        "verify": ("The email counts as verified.", "Verification fails: the script said nothing was verified."),
        "change_password": ("The password is changed.", "The password change fails: the script reported no change."),
        "change_email": ("The email address is changed.", "The email change fails: the script reported no change."),
    }
    yes, no = done[script]
    return Explanation(yes, "success") if value else Explanation(no, "warning")


def explain_outcome(
    *, script: str, status: str, value: Any = None, error: dict | None = None, timeout_s: float | None = None
) -> Explanation:
    """One sentence on what this outcome of `script` means to the login flow (plus profile warnings)."""
    error = error or {}
    if status == "ok":
        return _explain_value(script, value)
    if status == "error":
        return _explain_error(script, error)
    if status == "timeout":
        after = f" after {timeout_s:g} s" if timeout_s else ""
        return Explanation(f"The script never called back: the {_flow_noun(script)} fails{after}.", "danger")
    if status == "crash":
        return Explanation(
            f"The sandbox stopped the script ({error.get('message') or 'crash'}): the {_flow_noun(script)} fails.",
            "danger",
        )
    return Explanation(
        f"The script did not run ({error.get('message') or 'the service was unavailable'}); a "
        f"{_flow_noun(script)} at this moment would fail too.",
        "danger",
    )


def _flow_noun(script: str) -> str:
    return {
        "login": "login",
        "get_user": "lookup",
        "create": "sign-up",
        "verify": "verification",
        "change_password": "password change",
        "delete": "deletion",
        "change_email": "email change",
    }[script]
