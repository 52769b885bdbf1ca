"""The legacy store circuit's page of a connection: its state and a form for its thresholds (issue 17, 5).

The form writes what the API's `options.trickle_circuit_breaker` writes (identity.circuit.circuit_configure):
an empty field is the deployment's default (TRICKLE_CIRCUIT_*), shown as the field's placeholder."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from connections_admin.forms import add_service_errors
from connections_admin.models import Connection
from connections_admin.permissions import VIEW, can_change, connection_view

from . import circuit

LABELS = {
    "failures": ("Failures in a row", "CIRCUIT_FAILURES", "timeouts, crashes or connection failures"),
    "window_s": ("Within (seconds)", "CIRCUIT_WINDOW_S", "the failures must fall within this window"),
    "cooldown_s": ("Cool-down (seconds)", "CIRCUIT_COOLDOWN_S", "before one probe call tests the store again"),
}


class CircuitThresholdsForm(forms.Form):
    """One optional whole number per threshold, within circuit.OVERRIDES' bounds; empty means the default."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (_, low, high) in circuit.OVERRIDES.items():
            label, setting, help_text = LABELS[name]
            default = getattr(settings, setting)
            self.fields[name] = forms.IntegerField(
                label=label,
                required=False,
                min_value=low,
                max_value=high,
                help_text=f"{help_text}; empty: the default, {default}",
                widget=forms.NumberInput(attrs={"placeholder": f"default {default}", "class": "form-control"}),
            )


@connection_view(VIEW)
def circuit_page(request: HttpRequest, connection: Connection) -> HttpResponse:
    """GET: state and thresholds (the form disabled for viewers); POST: change the thresholds."""
    editable = can_change(request.user)
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = CircuitThresholdsForm(request.POST)
        if form.is_valid():
            try:
                circuit.circuit_configure(connection=connection, overrides=form.cleaned_data, by=request.user)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, "Circuit breaker thresholds saved.")
                return redirect("identity:circuit", connection.public_id)
        status = 400
    else:
        form = CircuitThresholdsForm(initial=circuit.circuit_overrides(connection=connection))
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "identity/circuit.html",
        {
            "connection": connection,
            "form": form,
            "state": circuit.circuit_state(connection=connection),
            "can_change": editable,
        },
        status=status,
    )
