"""Migration tab additions: the legacy population (upload, get_user walk, export of who is left) and the
"retire the legacy store" assistant."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connections_admin.permissions import CHANGE, VIEW, connection_view

from . import population
from .forms import PopulationUploadForm


@require_POST
@connection_view(CHANGE)
def population_upload(request, connection):
    form = PopulationUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file.")
        return redirect("identity:migration-progress", connection.public_id)
    try:
        text = form.cleaned_data["file"].read().decode("utf-8-sig")
        added, problems = population.legacy_population_upload(
            connection=connection, text=text, replace=form.cleaned_data["replace"], by=request.user
        )
        if form.cleaned_data["walk"]:
            waiting = population.legacy_population_walk_start(connection=connection, by=request.user)
            messages.info(request, f"get_user will be asked about {waiting} users in the background.")
    except UnicodeDecodeError:
        messages.error(request, "The file must be UTF-8 text.")
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    else:
        messages.success(request, f"{added} legacy users added.")
        if problems:
            shown = "; ".join(problems[:10]) + (f" (and {len(problems) - 10} more)" if len(problems) > 10 else "")
            messages.warning(request, f"{len(problems)} rows skipped: {shown}")
    return redirect("identity:migration-progress", connection.public_id)


@require_POST
@connection_view(CHANGE)
def population_walk(request, connection):
    try:
        waiting = population.legacy_population_walk_start(connection=connection, by=request.user)
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    else:
        messages.info(request, f"get_user will be asked about {waiting} users in the background.")
    return redirect("identity:migration-progress", connection.public_id)


class _Echo:
    def write(self, value):
        return value


@connection_view(VIEW)
def population_export(request, connection):
    """The users still to migrate, as CSV (streamed: the list may be long)."""
    rows = population.population_remaining(connection=connection).values_list("email", "user_id", "found")
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(["email", "user_id", "found_by_get_user"])
        for email, user_id, found in rows.iterator(chunk_size=2000):
            yield writer.writerow([email, user_id, "" if found is None else str(found).lower()])

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{connection.name}-not-migrated.csv"'
    return response


@connection_view(CHANGE)
def retire(request, connection):
    """The assistant: what is left, import or accept the rest as lost, then turn off the legacy store."""
    final = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept_lost":
                n = population.population_accept_lost(connection=connection, by=request.user)
                messages.success(request, f"{n} users accepted as lost.")
                return redirect("identity:retire", connection.public_id)
            if request.POST.get("confirm_name", "").strip() != connection.name:
                raise ValidationError("Type the connection's name to confirm.")
            final = population.legacy_store_retire(connection=connection, by=request.user)
        except ValidationError as e:
            messages.error(request, "; ".join(e.messages))
    return render(
        request,
        "identity/retire.html",
        {
            "connection": connection,
            "active": "migration",
            "summary": population.population_summary(connection=connection),
            "final": final,
        },
        status=200,
    )
