"""Dashboard pages of the identity runtime: Try connection, Users and Migration progress (connection tabs)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connections_admin.permissions import CHANGE, VIEW, can_change, connection_view
from scripts_editor.runs.outcomes import explain_outcome

from . import selectors, services
from .end_user import end_user
from .exceptions import REASONS, FlowFailed
from .forms import TryLoginForm
from .models import FlowEvent
from .profiles import profile_public

PATH_WORDS = {
    FlowEvent.Path.MANAGED: "Answered by the managed store: the legacy store was not called.",
    FlowEvent.Path.LEGACY: "Answered by the legacy store through the login script.",
    FlowEvent.Path.MIGRATED: "Answered by the legacy store, and the user was migrated now.",
}


@connection_view(CHANGE)
def try_connection(request, connection):
    """A real login through the connection (it migrates users in migration mode), shown step by step."""
    form = TryLoginForm(request.POST or None)
    event = profile = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.user_login(
                connection=connection,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                by=request.user,
                **end_user(request),
            )
        except FlowFailed as e:
            event = e.event
        else:
            event, profile = result.event, profile_public(result.user)
    runs = [
        run
        | {
            "explanation": explain_outcome(
                script=run["script"],
                status=run["status"],
                error=run["error"],
                value=run.get("value"),
                timeout_s=connection.script_timeout_s,
            )
        }
        for run in (event.script_runs if event else [])
    ]
    return render(
        request,
        "identity/try_connection.html",
        {
            "connection": connection,
            "active": "try",
            "form": form,
            "event": event,
            "profile": profile,
            "runs": runs,
            "path_words": PATH_WORDS.get(event.path) if event else "",
            "reason_words": REASONS.get(event.reason, (0, ""))[1] if event else "",
        },
    )


@connection_view(VIEW)
def user_list(request, connection):
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.managed_user_list(connection=connection, search=search), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "identity/user_list.html",
        {
            "connection": connection,
            "active": "users",
            "page": page,
            "search": search,
            "editable": can_change(request.user),
        },
    )


@require_POST
@connection_view(CHANGE)
def user_delete(request, connection, pk):
    user = get_object_or_404(selectors.managed_user_list(connection=connection), pk=pk)
    try:
        services.user_delete(connection=connection, user_id=user.user_id, by=request.user)
    except FlowFailed as e:
        messages.error(request, f"{user.email or user.user_id} was not deleted: {e.message}")
    else:
        messages.success(request, f"{user.email or user.user_id} deleted.")
    return redirect("identity:user-list", connection.public_id)


@connection_view(VIEW)
def migration_progress(request, connection):
    progress = selectors.migration_progress(connection=connection)
    return render(
        request,
        "identity/migration_progress.html",
        {
            "connection": connection,
            "active": "migration",
            "progress": progress,
            "chart": progress.chart_data(),
            "reasons": {reason: REASONS[reason][1] for reason in progress.failures if reason in REASONS},
        },
    )
