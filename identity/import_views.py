"""Dashboard pages of bulk user import: upload, and each job's progress and per-row errors."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from connections_admin.permissions import CHANGE, connection_view

from . import imports
from .forms import UserImportForm


@connection_view(CHANGE)
def user_import(request, connection):
    form = UserImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data["users"].read().decode("utf-8")
            job = imports.user_import_create(
                connection=connection, text=text, upsert=form.cleaned_data["upsert"], by=request.user
            )
        except UnicodeDecodeError:
            form.add_error("users", "The file must be UTF-8 JSON.")
        except imports.ImportFileInvalid as e:
            form.add_error("users", str(e))
        else:
            return redirect("identity:user-import-job", connection.public_id, job.public_id)
    return render(
        request,
        "identity/user_import.html",
        {
            "connection": connection,
            "active": "users",
            "form": form,
            "jobs": connection.import_jobs.defer("payload_encrypted", "errors")[:20],
        },
        status=400 if form.errors else 200,
    )


@connection_view(CHANGE)
def user_import_job(request, connection, job_id):
    job = get_object_or_404(connection.import_jobs.defer("payload_encrypted"), public_id=job_id)
    if request.GET.get("format") == "json":  # the page's progress poll
        return JsonResponse(imports.job_public(job) | {"processed": job.processed})
    return render(
        request,
        "identity/user_import_job.html",
        {
            "connection": connection,
            "active": "users",
            "job": job,
            "public": imports.job_public(job),
            "errors": job.errors[:200],
            "running": job.status in ("pending", "processing"),
        },
    )
