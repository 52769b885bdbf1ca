"""The Try panel's JSON endpoints and the run history pages (thin: authorise, validate, one service call).

JSON endpoints (documented in README.md, "Try panel endpoints"):
- POST runs/start/ {script, args, source?} -> 202 {id, url, pollUrl}; 400 {errors} (needs change permission)
- GET  runs/<id>/poll/?after=<seq> -> {state, done, lines: [{seq, time, level, text}], after, result, error,
  explanation: {text, tone, warnings}, egressRefused: "host:port" | null, ...} (needs view permission)
- POST runs/egress-allow/ {entry: "host:port"} -> 200 {allowlist}; 400 {errors} (needs change permission)
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from connections_admin.models import Connection
from connections_admin.permissions import CHANGE, VIEW, can_change, connection_view
from connections_admin.services import connection_update

from ..exceptions import TryRunsBusy
from ..models import ScriptRun
from ..scripts import BY_KEY, SCRIPT_KEYS
from .arguments import INPUT_FIELDS, REDACTED, run_arguments_subject
from .selectors import OUTPUT_HIDDEN, script_run_explanation, script_run_list, script_run_snapshot
from .services import script_run_request


class RunStartForm(forms.Form):
    script = forms.ChoiceField(choices=[(k, k) for k in SCRIPT_KEYS])
    source = forms.CharField(required=False, strip=False)  # absent: the saved body
    args = forms.JSONField()


class PollForm(forms.Form):
    after = forms.IntegerField(min_value=0, required=False)


def run_urls(connection: Connection, run_id) -> dict[str, str]:
    args = [connection.public_id, run_id]
    return {
        "url": reverse("scripts_editor:run-detail", args=args),
        "pollUrl": reverse("scripts_editor:run-poll", args=args),
    }


def try_config(connection: Connection, user) -> dict:
    """What the Try panel needs on the editor and run pages."""
    return {
        "inputs": INPUT_FIELDS,
        "redacted": REDACTED,
        "canTry": can_change(user),
        "startUrl": reverse("scripts_editor:run-start", args=[connection.public_id]),
        "historyUrl": reverse("scripts_editor:run-list", args=[connection.public_id]),
        "egressAllowUrl": reverse("scripts_editor:run-egress-allow", args=[connection.public_id]),
    }


@require_POST
@connection_view(CHANGE)
def egress_allow(request: HttpRequest, connection: Connection) -> JsonResponse:
    """Add one host:port to the connection's egress allow-list (the Try panel's offer after a refusal)."""
    try:
        entry = str(json.loads(request.body or b"{}").get("entry", "")).strip().lower()
    except (ValueError, AttributeError):
        return JsonResponse({"errors": {"entry": ["The body must be JSON with an entry."]}}, status=400)
    allowlist = list(connection.egress_allowlist or [])
    if entry not in allowlist:
        try:
            connection = connection_update(connection=connection, by=request.user, egress_allowlist=[*allowlist, entry])
        except ValidationError as e:
            return JsonResponse({"errors": {"entry": [m for ms in e.message_dict.values() for m in ms]}}, status=400)
    return JsonResponse({"allowlist": connection.egress_allowlist})


@require_POST
@connection_view(CHANGE)
def run_start(request: HttpRequest, connection: Connection) -> JsonResponse:
    """Queue a Try run of the posted text (saved or not); the page then polls its pollUrl."""
    try:
        body = json.loads(request.body or b"{}")
        form = RunStartForm({**body, "args": json.dumps(body.get("args"))} if isinstance(body, dict) else {})
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's parser goes
        return JsonResponse({"errors": {"__all__": ["The body must be JSON, not nested too deeply."]}}, status=400)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    source = body.get("source")
    try:
        run = script_run_request(
            connection=connection,
            script=form.cleaned_data["script"],
            args=form.cleaned_data["args"],
            source=source if isinstance(source, str) else None,
            by=request.user,
        )
    except ValidationError as e:
        return JsonResponse({"errors": e.message_dict}, status=400)
    except TryRunsBusy as e:
        return JsonResponse({"errors": {"__all__": [str(e)]}}, status=429, headers={"Retry-After": e.retry_after_s})
    return JsonResponse({"id": str(run.id), "state": run.status, **run_urls(connection, run.id)}, status=202)


def _run(connection: Connection, run_id) -> ScriptRun:
    return get_object_or_404(ScriptRun.objects.select_related("revision"), pk=run_id, connection=connection)


@require_GET
@connection_view(VIEW)
def run_poll(request: HttpRequest, connection: Connection, run_id) -> JsonResponse:
    """The run's state and its lines after `?after=<seq>`; poll until `done`."""
    form = PollForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    run = _run(connection, run_id)
    full = can_change(request.user)
    return JsonResponse(script_run_snapshot(run=run, after=form.cleaned_data["after"] or 0, full=full))


@require_GET
@connection_view(VIEW)
def run_list(request: HttpRequest, connection: Connection) -> HttpResponse:
    runs = list(script_run_list(connection=connection))
    for run in runs:
        run.subject = run_arguments_subject(script=run.script, args=run.arguments)
    return render(request, "scripts_editor/run_list.html", {"connection": connection, "runs": runs})


@require_GET
@connection_view(VIEW)
def run_detail(request: HttpRequest, connection: Connection, run_id) -> HttpResponse:
    run = _run(connection, run_id)
    full = can_change(request.user)
    config = {
        **try_config(connection, request.user),
        **run_urls(connection, run.id),
        "run": script_run_snapshot(run=run, full=full),
        "source": run.source,
    }
    return render(
        request,
        "scripts_editor/run_detail.html",
        {
            "connection": connection,
            "run": run,
            "config": config,
            "explanation": script_run_explanation(run=run, full=full),
            "output_hidden": None if full else OUTPUT_HIDDEN,
            "title": BY_KEY[run.script].title,
            "arguments": json.dumps(run.arguments, indent=2),
        },
    )
