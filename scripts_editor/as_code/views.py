"""Dashboard export (zip download) and import (upload, preview with diffs, confirm): thin adapters."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from connections_admin.permissions import ADD, CHANGE, DELETE, VIEW, staff_permission_required

from .apply import connections_import
from .exceptions import AsCodeRejected
from .export import connections_export, export_zip
from .forms import ExportForm, ImportConfirmForm, ImportUploadForm
from .plan import ACTIONS, UNCHANGED, ImportPlan
from .upload import Upload, upload_discard, upload_load, upload_prepare, upload_stash

DIFF_LINE_KINDS = (("+++", "file"), ("---", "file"), ("@@", "hunk"), ("+", "add"), ("-", "del"))


def _diff_rows(diff: str) -> list[tuple[str, str]]:
    rows = []
    for line in diff.splitlines():
        kind = next((k for prefix, k in DIFF_LINE_KINDS if line.startswith(prefix)), "context")
        rows.append((kind, line))
    return rows


def _preview(request: HttpRequest, plan: ImportPlan, upload_id: str, allow_delete: bool) -> HttpResponse:
    # Connections the import leaves alone, with nothing to say, fold into one line: with dozens of them the
    # changes and the Confirm button would otherwise sit thousands of pixels down.
    quiet = [item for item in plan.connections if item.action == UNCHANGED and not item.has_details]
    items = [
        {"plan": item, "diffs": {key: _diff_rows(d) for key, d in item.script_diffs.items()}}
        for item in plan.connections
        if item.action != UNCHANGED or item.has_details
    ]
    return render(
        request,
        "scripts_editor/as_code/import_preview.html",
        {
            "items": items,
            "quiet": quiet,
            "plan": plan,
            "allow_delete": allow_delete,
            "form": ImportConfirmForm(initial={"upload": upload_id, "fingerprint": plan.fingerprint}),
            "counts": {action: plan.count(action) for action in ACTIONS},
        },
    )


@require_GET
@staff_permission_required(VIEW)
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET if "layout" in request.GET else None)
    if form.is_bound and form.is_valid():
        layout = form.cleaned_data["layout"]
        made = connections_export(layout=layout, names=[c.name for c in form.cleaned_data["names"]])
        response = HttpResponse(export_zip(export=made), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="trickle-connections-{layout}.zip"'
        return response
    return render(request, "scripts_editor/as_code/export.html", {"form": form})


@staff_permission_required(ADD)
@staff_permission_required(CHANGE)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = Upload(
            data=form.cleaned_data["archive"],
            keywords=form.cleaned_data["keywords"],
            allow_delete=form.cleaned_data["allow_delete"],
        )
        if upload.allow_delete and not request.user.has_perm(DELETE):
            form.add_error("allow_delete", "You may not delete connections.")
        else:
            try:
                plan = upload_prepare(upload=upload)
            except AsCodeRejected as e:
                problems = e.problems
            else:
                return _preview(
                    request, plan, upload_stash(session=request.session, upload=upload), upload.allow_delete
                )
    return render(request, "scripts_editor/as_code/import.html", {"form": form, "problems": problems})


@require_POST
@staff_permission_required(ADD)
@staff_permission_required(CHANGE)
def import_confirm(request: HttpRequest) -> HttpResponse:
    form = ImportConfirmForm(request.POST)
    upload_id = form.cleaned_data["upload"] if form.is_valid() else ""
    upload = upload_load(session=request.session, upload_id=upload_id) if upload_id else None
    if upload is None:
        messages.error(request, "That upload has expired or was already imported; upload it again.")
        return redirect("as_code:import")
    if upload.allow_delete and not request.user.has_perm(DELETE):
        raise PermissionDenied
    try:
        plan = upload_prepare(upload=upload)  # validated again: the database may have moved on
        if plan.fingerprint != form.cleaned_data["fingerprint"]:
            messages.warning(request, "The connections changed since your preview. Review the changes again.")
            return _preview(request, plan, upload_id, upload.allow_delete)
        result = connections_import(plan=plan, by=request.user)
    except AsCodeRejected as e:
        return render(
            request, "scripts_editor/as_code/import.html", {"form": ImportUploadForm(), "problems": e.problems}
        )
    upload_discard(session=request.session, upload_id=upload_id)
    messages.success(
        request,
        f"Imported: {len(result.created)} created, {len(result.updated)} changed, {len(result.deleted)} deleted.",
    )
    return redirect("connections_admin:connection-list")
