"""Dashboard pages of the log: search (Logs), log streams with their delivery status."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connections_admin.forms import add_service_errors
from connections_admin.models import Connection
from connections_admin.permissions import CHANGE, VIEW, can_change, staff_permission_required

from . import log_streams, selectors
from .logs import TYPES, log_public
from .models import LogStream


class LogFilterForm(forms.Form):
    type = forms.MultipleChoiceField(choices=[(k, f"{k}: {v}") for k, v in TYPES.items()], required=False)
    user = forms.CharField(required=False, max_length=262, label="User (user_id, email or username)")
    connection = forms.ChoiceField(required=False)
    date_from = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    date_to = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = Connection.objects.order_by("name").values_list("name", flat=True)
        self.fields["connection"].choices = [("", "All connections"), *((n, n) for n in names)]


class LogStreamForm(forms.Form):
    name = forms.CharField(max_length=100)
    endpoint = forms.URLField(max_length=500, assume_scheme="https", label="Webhook URL")


@staff_permission_required(VIEW)
def log_list(request):
    form = LogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    logs = selectors.log_list(
        types=filters.get("type") or None,
        user=(filters.get("user") or "").strip(),
        connection=filters.get("connection") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(logs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "identity/log_list.html",
        {
            "form": form,
            "page": page,
            "entries": [log_public(e) for e in page.object_list],
            "query": query.urlencode(),
        },
    )


@staff_permission_required(VIEW)
def log_stream_list(request):
    form = LogStreamForm(request.POST or None)
    secret = None
    if request.method == "POST":
        if not can_change(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                stream, secret = log_streams.log_stream_create(by=request.user, **form.cleaned_data)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(
                    request, f"Stream {stream.name} created. Copy its signing secret now: it is shown once."
                )
                form = LogStreamForm()
    return render(
        request,
        "identity/log_stream_list.html",
        {
            "form": form,
            "streams": LogStream.objects.all(),
            "secret": secret,
            "editable": can_change(request.user),
        },
    )


@staff_permission_required(VIEW)
def log_stream_detail(request, pk):
    stream = get_object_or_404(LogStream, pk=pk)
    return render(
        request,
        "identity/log_stream_detail.html",
        {
            "stream": stream,
            "deliveries": stream.deliveries.all()[:100],
            "pending": selectors.log_list().filter(pk__gt=stream.cursor).count(),
            "editable": can_change(request.user),
        },
    )


@require_POST
@staff_permission_required(CHANGE)
def log_stream_status(request, pk):
    stream = get_object_or_404(LogStream, pk=pk)
    if request.POST.get("action") == "delete":
        log_streams.log_stream_delete(stream=stream, by=request.user)
        messages.success(request, f"Stream {stream.name} deleted.")
        return redirect("identity:log-streams")
    try:
        log_streams.log_stream_set_status(stream=stream, status=request.POST.get("status", ""), by=request.user)
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    return redirect("identity:log-stream", stream.pk)
