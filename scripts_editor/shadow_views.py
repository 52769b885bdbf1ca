"""A draft revision's shadow runs (identity.shadow), from History: the page shows every session of the
revision with its agreement rate and differing cases (masked when stored); editors start and stop them."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from connections_admin.models import Connection
from connections_admin.permissions import VIEW, can_change, connection_view
from identity import shadow
from identity.models import SHADOW_SAFE_SCRIPTS, SHADOW_WRITING_SCRIPTS, ShadowSession

from . import selectors
from .forms import ShadowStartForm
from .models import ScriptRevision
from .runs.selectors import OUTPUT_HIDDEN


@require_http_methods(["GET", "POST"])
@connection_view(VIEW)
def shadow_page(request: HttpRequest, connection: Connection, number: int) -> HttpResponse:
    try:
        revision = connection.script_revisions.get(number=number)
    except ScriptRevision.DoesNotExist:
        raise Http404("No such revision.") from None
    form = ShadowStartForm(initial={"scripts": list(SHADOW_SAFE_SCRIPTS)})
    if request.method == "POST":
        if not can_change(request.user):
            raise PermissionDenied
        if request.POST.get("action") == "stop":
            running = shadow.shadow_session_list(connection=connection, number=number).filter(
                status=ShadowSession.Status.RUNNING
            )
            for session in running:
                shadow.shadow_session_stop(session=session, by=request.user)
            messages.success(request, f"Shadow run of revision {number} stopped.")
            return redirect("scripts_editor:shadow", connection.public_id, number)
        form = ShadowStartForm(request.POST)
        if form.is_valid():
            try:
                shadow.shadow_session_start(
                    connection=connection,
                    number=number,
                    by=request.user,
                    scripts=form.cleaned_data["scripts"],
                    allow_writes=form.cleaned_data["allow_writes"],
                    max_calls=form.cleaned_data["max_calls"],
                    duration=timedelta(hours=form.cleaned_data["hours"]),
                )
            except ValidationError as e:
                for message in e.messages:
                    form.add_error(None, message)
            except shadow.ShadowConflict:
                form.add_error(None, "A shadow run is already running on this connection; stop it first.")
            else:
                messages.success(request, f"Revision {number} runs in shadow.")
                return redirect("scripts_editor:shadow", connection.public_id, number)
    sessions = list(shadow.shadow_session_list(connection=connection, number=number))
    full = can_change(request.user)
    return render(
        request,
        "scripts_editor/shadow.html",
        {
            "connection": connection,
            "revision": revision,
            "live_number": selectors.script_revision_live_number(connection=connection),
            "sessions": [
                (
                    s,
                    [
                        shadow.shadow_difference_show(comparison=c, full=full)
                        for c in shadow.shadow_differences(session=s)
                    ],
                )
                for s in sessions
            ],
            "running": next((s for s in sessions if s.status == ShadowSession.Status.RUNNING), None),
            "form": form,
            "writing": SHADOW_WRITING_SCRIPTS,
            "can_change": full,
            "output_hidden": None if full else OUTPUT_HIDDEN,
        },
    )
