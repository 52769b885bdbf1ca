"""The Tests page of a connection's scripts: its saved test cases, adding and deleting them, and "Run tests"
(every case through Try, then the pass/fail list with a link to each run's page and logs)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from connections_admin.forms import add_service_errors
from connections_admin.models import Connection
from connections_admin.permissions import CHANGE, VIEW, can_change, connection_view

from .models import ScriptTestCase
from .saved_tests import script_test_case_create, script_test_case_delete, script_test_cases_run
from .scripts import SCRIPT_KEYS

RUN_WAIT_S = 60  # beyond the connection's script timeout; later cases fail saying they did not finish


class ScriptTestCaseForm(forms.Form):
    name = forms.CharField(max_length=128)
    script = forms.ChoiceField(choices=[(k, k) for k in SCRIPT_KEYS])
    args = forms.JSONField(
        help_text='As in the Try panel, e.g. {"email": "ada@example.com", "password": "..."}. Passwords are '
        "stored encrypted and never shown again."
    )
    expect = forms.ChoiceField(choices=ScriptTestCase.Expect.choices)
    expected = forms.JSONField(
        required=False,
        help_text='profile: {"email": "ada@example.com"}; ValidationError: {"code": "user_exists"}; '
        'named error: {"name": "Error"}.',
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"


def _page(request, connection, *, form=None, results=None, status=200) -> HttpResponse:
    return render(
        request,
        "scripts_editor/tests.html",
        {
            "connection": connection,
            "cases": connection.script_test_cases.all(),
            "form": form or ScriptTestCaseForm(),
            "can_change": can_change(request.user),
            "results": results,
            "passed": sum(r.passed for r in results or []),
            "failed": sum(not r.passed for r in results or []),
        },
        status=status,
    )


@require_GET
@connection_view(VIEW)
def tests(request: HttpRequest, connection: Connection) -> HttpResponse:
    return _page(request, connection)


@require_POST
@connection_view(CHANGE)
def test_add(request: HttpRequest, connection: Connection) -> HttpResponse:
    form = ScriptTestCaseForm(request.POST)
    if form.is_valid():
        try:
            script_test_case_create(connection=connection, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"Test case {form.cleaned_data['name']!r} saved.")
            return redirect("scripts_editor:tests", connection.public_id)
    form.data = form.data.copy()
    form.data["args"] = ""  # never echo a typed password back into the page
    return _page(request, connection, form=form, status=400)


@require_POST
@connection_view(CHANGE)
def test_delete(request: HttpRequest, connection: Connection, pk: int) -> HttpResponse:
    case = get_object_or_404(ScriptTestCase, connection=connection, pk=pk)
    script_test_case_delete(case=case, by=request.user)
    messages.success(request, f"Test case {case.name!r} deleted.")
    return redirect("scripts_editor:tests", connection.public_id)


@require_POST
@connection_view(CHANGE)
def tests_run(request: HttpRequest, connection: Connection) -> HttpResponse:
    results = script_test_cases_run(
        connection=connection, by=request.user, wait_s=RUN_WAIT_S + connection.script_timeout_s
    )
    return _page(request, connection, results=results)
