"""The Tests page of a connection's scripts: its saved test cases, adding and deleting them, and "Run tests"
(a suite run in the background; its page follows it live: the pass/fail list with a link to each run's logs).

JSON: GET tests/suites/<id>/poll/ -> test_suites.script_test_suite_snapshot (poll until `done`)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from connections_admin.forms import add_service_errors
from connections_admin.models import Connection
from connections_admin.permissions import CHANGE, VIEW, can_change, connection_view

from .models import ScriptTestCase, ScriptTestSuiteRun
from .saved_tests import script_test_case_create, script_test_case_delete
from .scripts import SCRIPT_KEYS
from .test_suites import script_test_suite_snapshot, script_test_suite_start

RECENT_SUITES = 10


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


def _page(request, connection, *, form=None, status=200) -> HttpResponse:
    return render(
        request,
        "scripts_editor/tests.html",
        {
            "connection": connection,
            "cases": connection.script_test_cases.all(),
            "form": form or ScriptTestCaseForm(),
            "can_change": can_change(request.user),
            "suites": connection.script_test_suite_runs.all()[:RECENT_SUITES],
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
    """Start a suite run of the newest revision and go to its page, which follows it."""
    try:
        suite = script_test_suite_start(
            connection=connection, trigger=ScriptTestSuiteRun.Trigger.MANUAL, by=request.user
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("scripts_editor:tests", connection.public_id)
    return redirect("scripts_editor:test-suite", connection.public_id, suite.pk)


def _suite(connection: Connection, suite_id) -> ScriptTestSuiteRun:
    return get_object_or_404(ScriptTestSuiteRun, pk=suite_id, connection=connection)


@require_GET
@connection_view(VIEW)
def test_suite(request: HttpRequest, connection: Connection, suite_id) -> HttpResponse:
    suite = _suite(connection, suite_id)
    return render(
        request,
        "scripts_editor/test_suite.html",
        {
            "connection": connection,
            "suite": suite,
            "snapshot": script_test_suite_snapshot(suite=suite, full=can_change(request.user)),
        },
    )


@require_GET
@connection_view(VIEW)
def test_suite_poll(request: HttpRequest, connection: Connection, suite_id) -> JsonResponse:
    suite = _suite(connection, suite_id)
    return JsonResponse(script_test_suite_snapshot(suite=suite, full=can_change(request.user)))
