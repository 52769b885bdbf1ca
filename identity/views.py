"""Dashboard pages of the identity runtime: Try connection, Users and Migration progress (connection tabs)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connections_admin.forms import add_service_errors
from connections_admin.permissions import CHANGE, VIEW, can_change, connection_view
from scripts_editor.runs.outcomes import explain_outcome

from . import population, protection, selectors, services, user_changes
from .end_user import end_user
from .exceptions import REASONS, FlowFailed
from .forms import MetadataForm, PopulationUploadForm, SetPasswordForm, TryLoginForm
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
                from_try=True,
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
    remaining = population.population_summary(connection=connection)
    return render(
        request,
        "identity/migration_progress.html",
        {
            "connection": connection,
            "active": "migration",
            "progress": progress,
            "chart": progress.chart_data() | {"remaining": remaining.remaining_by_day if remaining.total else []},
            "population": remaining,
            "upload_form": PopulationUploadForm(),
            "editable": can_change(request.user),
            "reasons": {reason: REASONS[reason][1] for reason in progress.failures if reason in REASONS},
        },
    )


def _user_page(request, connection, user, *, metadata_form=None, password_form=None, status=200):
    return render(
        request,
        "identity/user_detail.html",
        {
            "connection": connection,
            "active": "users",
            "managed_user": user,
            "profile": profile_public(user),
            "history": selectors.user_login_history(user=user),
            "blocks": protection.login_blocks_for(connection=connection, identifiers=protection.user_identifiers(user)),
            "metadata_form": metadata_form
            or MetadataForm(initial={"user_metadata": user.user_metadata, "app_metadata": user.app_metadata}),
            "password_form": password_form or SetPasswordForm(),
            "editable": can_change(request.user),
        },
        status=status,
    )


@connection_view(VIEW)
def user_detail(request, connection, pk):
    user = get_object_or_404(connection.managed_users, pk=pk)
    return _user_page(request, connection, user)


@require_POST
@connection_view(CHANGE)
def user_change(request, connection, pk):
    """One admin action from the user page; a rejected change re-renders the page with its error."""
    user = get_object_or_404(connection.managed_users, pk=pk)
    action = request.POST.get("action", "")
    forms = {}
    try:
        if action == "metadata":
            form = forms["metadata_form"] = MetadataForm(request.POST)
            if not form.is_valid():
                return _user_page(request, connection, user, status=400, **forms)
            changed = user_changes.managed_user_update(user=user, by=request.user, **form.cleaned_data)
        elif action == "password":
            form = forms["password_form"] = SetPasswordForm(request.POST)
            if not form.is_valid():
                return _user_page(request, connection, user, status=400, **forms)
            changed = user_changes.managed_user_update(
                user=user, by=request.user, password=form.cleaned_data["password"]
            )
        elif action in ("block", "unblock"):
            changed = user_changes.managed_user_update(user=user, by=request.user, blocked=action == "block")
        elif action == "verify":
            changed = user_changes.managed_user_update(user=user, by=request.user, email_verified=True)
        elif action == "unblock_attempts":
            n = protection.login_blocks_clear(
                connection=connection, identifiers=protection.user_identifiers(user), by=request.user
            )
            changed = [f"{n} blocked IP address{'es' if n != 1 else ''}"] if n else []
        else:
            messages.error(request, "Unknown action.")
            return redirect("identity:user-detail", connection.public_id, user.pk)
    except ValidationError as e:
        form = forms.get("metadata_form") or forms.get("password_form")
        if form is None:
            messages.error(request, "; ".join(e.messages))
            return redirect("identity:user-detail", connection.public_id, user.pk)
        add_service_errors(form, e)
        user.refresh_from_db()
        return _user_page(request, connection, user, status=400, **forms)
    messages.success(request, f"Saved: {', '.join(changed)}." if changed else "Nothing to change.")
    return redirect("identity:user-detail", connection.public_id, user.pk)
