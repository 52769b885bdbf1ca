"""Reads of Try runs: history per connection, one run, its lines after a sequence number, its meaning."""

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


def script_run_list(*, connection: Connection, limit: int = HISTORY_LENGTH) -> QuerySet[ScriptRun]:
    """The newest runs of a connection, without their source (history pages show none)."""
    return connection.script_runs.select_related("revision").defer("source").order_by("-created_at")[:limit]


def script_run_lines(*, run: ScriptRun, after: int = 0, limit: int = LINES_PER_POLL) -> list[ScriptRunLine]:
    return list(run.lines.filter(seq__gt=after).order_by("seq")[:limit])


def script_run_explanation(*, run: ScriptRun) -> Explanation | None:
    """What the finished run means to the login flow; None while it is queued or running."""
    if not run.done:
        return None
    error = run.error or {}
    status = "unavailable" if error.get("name") in NOT_RUN_ERRORS else SANDBOX_STATUS[run.status]
    return explain_outcome(script=run.script, status=status, value=run.result, error=error, timeout_s=run.timeout_s)


# The sandbox's refusal (sandbox/src/host/bridges/egress.js): "egress to HOST:PORT is not allowed: why".
EGRESS_REFUSED = re.compile(r"egress to (\S+:\d{1,5}) is not allowed")


def script_run_egress_refused(*, run: ScriptRun) -> str | None:
    """The host:port a finished run was refused by the allow-list, wherever the script passed the error on."""
    if not run.done:
        return None
    found = EGRESS_REFUSED.search(json.dumps(run.error or {})) or EGRESS_REFUSED.search(json.dumps(run.result))
    return found.group(1) if found else None


def script_run_snapshot(*, run: ScriptRun, after: int = 0) -> dict:
    """The panel's poll answer: `{state, lines, done}` plus the outcome once done (JSON-ready).

    `run` must be read before this call: a run seen done has written every line it will have."""
    lines = script_run_lines(run=run, after=after)
    explanation = script_run_explanation(run=run)
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
        "result": run.result,
        "error": run.error,
        "explanation": explanation.as_json() if explanation else None,
        "egressRefused": script_run_egress_refused(run=run),
        "lines": [
            {"seq": line.seq, "time": line.time.isoformat(), "level": line.level, "text": line.text} for line in lines
        ],
        # Where the next poll starts: the last line sent, or `after` again when none came.
        "after": lines[-1].seq if lines else after,
    }
