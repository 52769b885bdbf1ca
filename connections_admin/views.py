"""Dashboard pages for connections: thin adapters that authorise, validate a form and call one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from scriptd_client import masking

from . import selectors, services
from .exceptions import StaleConnection
from .forms import (
    ConnectionCreateForm,
    ConnectionDeleteForm,
    ConnectionSettingsForm,
    VariableForm,
    add_service_errors,
)
from .models import MAX_CONFIG_KEY_LENGTH
from .permissions import ADD, CHANGE, DELETE, VIEW, can_change, connection_view, staff_permission_required


@staff_permission_required(VIEW)
def connection_list(request):
    search = request.GET.get("q", "").strip()
    page = selectors.connection_page(search=search, page=request.GET.get("page"))
    return render(
        request,
        "connections_admin/connection_list.html",
        {
            "connections": page.object_list,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "search": search,
            "can_add": request.user.has_perm(ADD),
        },
    )


@staff_permission_required(ADD)
def connection_create(request):
    form = ConnectionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.connection_create(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"Connection {connection.name} created.")
            return redirect(connection)
    return render(request, "connections_admin/connection_create.html", {"form": form})


@connection_view(VIEW)
def connection_detail(request, connection):
    editable = can_change(request.user)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        # The form gets its own copy: ModelForm validation writes into its instance, and the service must
        # compare against the stored values to record what changed.
        form = ConnectionSettingsForm(request.POST, instance=selectors.connection_get(public_id=connection.public_id))
        if form.is_valid():
            try:
                services.connection_update(
                    connection=connection,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **{f: form.cleaned_data[f] for f in ConnectionSettingsForm.Meta.fields},
                )
            except ValidationError as e:
                add_service_errors(form, e)
            except StaleConnection:
                form.add_error(
                    None,
                    "Someone else changed these settings since you opened this page. Your "
                    "changes are still in the form: reload the page in another tab to see theirs, "
                    "then save again.",
                )
            else:
                messages.success(request, "Settings saved.")
                return redirect(connection)
    else:
        form = ConnectionSettingsForm(instance=connection, read_only=not editable)
    return render(
        request,
        "connections_admin/connection_detail.html",
        {
            "connection": connection,
            "form": form,
            "editable": editable,
            "active": "settings",
            "settings_page": {
                "useOwnDatabase": connection.use_own_database,
                # Users Trickle knows whose password lives only in the legacy store (identity's ManagedUser,
                # through its reverse relation: this app imports no identity code).
                "legacyOnlyUsers": connection.managed_users.filter(is_managed=False).count(),
            },
        },
    )


@connection_view(VIEW)
def connection_configuration(request, connection):
    editable = can_change(request.user)
    form = VariableForm(
        initial={"key": request.GET.get("key", "")[:MAX_CONFIG_KEY_LENGTH]}
    )  # the editor's "Add KEY" offer
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = VariableForm(request.POST)
        if form.is_valid():
            try:
                variable = services.configuration_variable_set(
                    connection=connection, by=request.user, **form.cleaned_data
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, f"Variable {variable.key} saved.")
                for warning in services.configuration_value_warnings(**form.cleaned_data):
                    messages.warning(request, warning)
                return redirect("connections_admin:connection-configuration", connection.public_id)
    return render(
        request,
        "connections_admin/connection_configuration.html",
        {
            "connection": connection,
            "form": form,
            "editable": editable,
            "active": "configuration",
            "variables": connection.variables.select_related("updated_by"),
            "whole_token_below": masking.WHOLE_TOKEN_BELOW,
        },
    )


@require_POST
@connection_view(CHANGE)
def variable_remove(request, connection, key):
    if services.configuration_variable_remove(connection=connection, key=key, by=request.user):
        messages.success(request, f"Variable {key} removed.")
    else:
        messages.warning(request, f"There was no variable {key}.")
    return redirect("connections_admin:connection-configuration", connection.public_id)


@require_POST
@connection_view(CHANGE)
def variable_make_secret(request, connection, key):
    try:
        services.configuration_variable_make_secret(connection=connection, key=key, by=request.user)
    except ValidationError as e:
        messages.warning(request, " ".join(e.messages))
    else:
        messages.success(request, f"Variable {key} is now a secret: write-only and masked in run output.")
    return redirect("connections_admin:connection-configuration", connection.public_id)


@connection_view(VIEW)
def connection_activity(request, connection):
    include_tries = request.GET.get("tries") == "1"
    return render(
        request,
        "connections_admin/connection_activity.html",
        {
            "connection": connection,
            "active": "activity",
            "events": selectors.connection_events(connection=connection, include_tries=include_tries),
            "include_tries": include_tries,
            "try_count": selectors.connection_try_event_count(connection=connection),
        },
    )


@connection_view(DELETE)
def connection_delete(request, connection):
    form = ConnectionDeleteForm(request.POST or None, connection=connection)
    if request.method == "POST" and form.is_valid():
        services.connection_delete(connection=connection, by=request.user)
        messages.success(request, f"Connection {connection.name} deleted.")
        return redirect("connections_admin:connection-list")
    return render(request, "connections_admin/connection_delete.html", {"connection": connection, "form": form})
