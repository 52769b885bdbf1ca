"""Why a flow failed: one stable reason code each, with the HTTP status the API answers and its meaning.

The reason is the API's `errorCode`, the Try page's explanation and a series of the progress chart.
"""

REASONS: dict[str, tuple[int, str]] = {
    "wrong_username_or_password": (
        401,
        "The store refused the credentials: WrongUsernameOrPasswordError from the login script, or a wrong "
        "password for a user in the managed store.",
    ),
    "no_profile": (401, "The login script answered without a profile (callback() or callback(null, null))."),
    "unauthorized": (401, "The script refused the user with UnauthorizedError (for example a blocked account)."),
    "user_not_found": (404, "No such user in the managed store, and the legacy store does not know them either."),
    "user_exists": (
        409,
        "A user with this email already exists (ValidationError('user_exists') or found by "
        "get_user or in the managed store).",
    ),
    "duplicate_email": (
        409,
        "The script returned an email that another user_id already has in this connection: "
        "two users cannot share one email.",
    ),
    "user_id_changed": (
        409,
        "The script returned a different user_id for an email that logged in before: "
        "user_id must be stable, or every login would create a new user.",
    ),
    "invalid_profile": (
        502,
        "The script's profile is unusable: not an object, no user_id, or no username when the connection requires one.",
    ),
    "user_blocked": (401, "An admin blocked this user: no login is tried, in either store."),
    "too_many_attempts": (
        429,
        "Too many consecutive failed logins for this user from this IP: the pair is blocked until an admin "
        "unblocks it or the password is reset. No script ran.",
    ),
    "ip_blocked": (
        429,
        "Too many failed logins from this IP across accounts (suspicious-IP throttling). No script ran.",
    ),
    "script_error": (502, "The script answered with an Error (for example the legacy store is unreachable)."),
    "script_timeout": (504, "The script did not call back within the connection's time limit."),
    "script_crash": (502, "The script's sandbox crashed (memory limit or a fatal error) before it answered."),
    # As in Auth0, a script that is not defined means its feature is off for the connection: the request asks
    # for something this connection does not offer (400), the server is not at fault (not 501).
    "script_not_implemented": (
        400,
        "The connection does not define the script this flow needs, so it does not offer it.",
    ),
    "scriptd_unavailable": (503, "The script sandbox (scriptd) is not running; nothing was asked of the legacy store."),
    "legacy_unavailable": (
        503,
        "The legacy store's circuit is open after repeated timeouts, crashes or connection failures: users who "
        "have not migrated yet cannot log in until a probe after the cool-down finds the store back.",
    ),
}


class FlowFailed(Exception):
    """A flow ended without doing what was asked. `reason` is a key of REASONS."""

    def __init__(self, reason: str, message: str = ""):
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        super().__init__(message or REASONS[reason][1])
        self.reason = reason
        self.message = message or REASONS[reason][1]

    @property
    def status_code(self) -> int:
        return REASONS[self.reason][0]
