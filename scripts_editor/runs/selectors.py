"""Reads of Try runs: history per connection, one run, its lines after a sequence number, its meaning.

A run's output (console lines, result, error) is shown only to those who may change the connection: whoever
may change its scripts can make a script print its configuration in any disguise, as in Auth0, so the
output is theirs alone. Others (`full=False`) see state, timing and what the outcome means, in Trickle's
words only (never text the script chose).
"""

import json
import re

from django.db.models import QuerySet

from connections_admin.models import Connection

from ..models import ScriptRun, ScriptRunLine
from .outcomes import Explanation, explain_outcome

LINES_PER_POLL = 500
HISTORY_LENGTH = 100
# The sandbox's vocabulary for each final run status (outcomes speak it, as do the identity flows).
SANDBOX_STATUS = {
    ScriptRun.Status.SUCCEEDED: "ok",
    ScriptRun.Status.FAILED: "error",
    ScriptRun.Status.TIMED_OUT: "timeout",
    ScriptRun.Status.CRASHED: "crash",
}
# Failures of the machinery, before the script ran: explained as "did not run".
NOT_RUN_ERRORS = {"BrokerUnavailable", "ScriptdUnavailable", "NotPickedUp", "PasswordExpired"}
# Error names whose meaning an explanation states; any other name a script gives is just "an error".
MEANINGFUL_ERRORS = {"WrongUsernameOrPasswordError", "UnauthorizedError", "ValidationError"}
OUTPUT_HIDDEN = (
    "Console lines and the result are shown only to users who may change this connection: "
    "a script can print what its configuration holds."
)


def script_run_list(*, connection: Connection, limit: int = HISTORY_LENGTH) -> QuerySet[ScriptRun]:
    """The newest runs of a connection, without their source (history pages show none)."""
    return connection.script_runs.select_related("revision").defer("source").order_by("-created_at")[:limit]


def script_run_lines(*, run: ScriptRun, after: int = 0, limit: int = LINES_PER_POLL) -> list[ScriptRunLine]:
    return list(run.lines.filter(seq__gt=after).order_by("seq")[:limit])


def _error_outline(error: dict, status: str) -> dict:
    """The error as far as an explanation without the script's own words needs it."""
    if status != "error":  # timeouts, crashes and unavailability are described by the machinery, not the script
        return error
    name = error.get("name") if error.get("name") in MEANINGFUL_ERRORS else "Error"
    return {"name": name, "code": "user_exists" if error.get("code") == "user_exists" else ""}


def script_run_explanation(*, run: ScriptRun, full: bool = True) -> Explanation | None:
    """What the finished run means to the login flow; None while it is queued or running.

    With `full=False` it holds no text the script chose (for users who may not read the output)."""
    if not run.done:
        return None
    error = run.error or {}
    status = "unavailable" if error.get("name") in NOT_RUN_ERRORS else SANDBOX_STATUS[run.status]
    if not full:
        error = _error_outline(error, status)
    return explain_outcome(script=run.script, status=status, value=run.result, error=error, timeout_s=run.timeout_s)


# The sandbox's refusal (sandbox/src/host/bridges/egress.js): "egress to HOST:PORT is not allowed: why".
EGRESS_REFUSED = re.compile(r"egress to (\S+:\d{1,5}) is not allowed")


def script_run_egress_refused(*, run: ScriptRun) -> str | None:
    """The host:port a finished run was refused by the allow-list, wherever the script passed the error on."""
    if not run.done:
        return None
    found = EGRESS_REFUSED.search(json.dumps(run.error or {})) or EGRESS_REFUSED.search(json.dumps(run.result))
    return found.group(1) if found else None


def script_run_snapshot(*, run: ScriptRun, after: int = 0, full: bool = True) -> dict:
    """The panel's poll answer: `{state, lines, done}` plus the outcome once done (JSON-ready).

    With `full=False` (users who may only view) the lines, result and error are left out and `outputHidden`
    says why. `run` must be read before this call: a run seen done has written every line it will have."""
    lines = script_run_lines(run=run, after=after) if full else []
    explanation = script_run_explanation(run=run, full=full)
    return {
        # A full page of lines means more may follow even when the run is done.
        "id": str(run.id),
        "state": run.status,
        "done": run.done and len(lines) < LINES_PER_POLL,
        "script": run.script,
        "arguments": run.arguments,
        "draft": run.revision_id is None,
        "revision": run.revision.number if run.revision else None,
        "requestedBy": run.requested_by_label,
        "createdAt": run.created_at.isoformat(),
        "durationMs": run.duration_ms,
        "timeoutS": run.timeout_s,
        "result": run.result if full else None,
        "error": run.error if full else None,
        "outputHidden": None if full else OUTPUT_HIDDEN,
        "explanation": explanation.as_json() if explanation else None,
        "egressRefused": script_run_egress_refused(run=run) if full else None,  # script-chosen text: output
        "lines": [
            {"seq": line.seq, "time": line.time.isoformat(), "level": line.level, "text": line.text} for line in lines
        ],
        # Where the next poll starts: the last line sent, or `after` again when none came.
        "after": lines[-1].seq if lines else after,
    }
