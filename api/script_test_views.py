"""Saved script test cases over the API (scripts_editor.saved_tests): list, create, delete, and run them all.

Passwords are accepted on create and never returned: arguments come back with "********" in their place.
A run of the suite is queued (202 + Location) and read back with GET until `done`, as a script run is."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin.models import Connection
from connections_admin.permissions import can_change
from scripts_editor.models import ScriptTestCase, ScriptTestSuiteRun
from scripts_editor.saved_tests import script_test_case_create, script_test_case_delete
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.test_suites import script_test_suite_snapshot, script_test_suite_start

from .serializers import StrictCharField
from .views import _errors

RECENT_SUITES = 20


class ScriptTestCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = StrictCharField(max_length=128)
    script = serializers.ChoiceField(choices=SCRIPT_KEYS)
    args = serializers.DictField(help_text="As for a Try run; passwords are stored encrypted and never returned.")
    expect = serializers.ChoiceField(choices=ScriptTestCase.Expect.values)
    expected = serializers.DictField(
        required=False,
        default=dict,
        help_text='profile: fields and values the profile must contain; validation_error: {"code"}; error: {"name"}.',
    )
    created_at = serializers.DateTimeField(read_only=True)


class ScriptTestResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    script = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True, help_text="null while the case is still running.")
    reason = serializers.CharField()
    run = serializers.CharField(allow_null=True, help_text="The Try run: /api/v2/script-runs/{run}.")
    status = serializers.CharField(allow_null=True)
    duration_ms = serializers.FloatField(allow_null=True)


class ScriptTestSuiteRunSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    revision = serializers.IntegerField(help_text="The script revision the cases ran against.")
    trigger = serializers.ChoiceField(choices=ScriptTestSuiteRun.Trigger.values)
    status = serializers.ChoiceField(choices=ScriptTestSuiteRun.Status.choices)
    done = serializers.BooleanField()
    total = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    error = serializers.CharField()
    output_hidden = serializers.CharField(allow_null=True, help_text="Why reasons are empty, for read-only users.")
    requested_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    results = ScriptTestResultSerializer(many=True)


class ScriptTestSuiteRunCreateSerializer(serializers.Serializer):
    revision = serializers.IntegerField(required=False, min_value=1, help_text="Default: the newest revision.")


def _location(suite: ScriptTestSuiteRun) -> str:
    return f"/api/v2/connections/{suite.connection.public_id}/script-tests/runs/{suite.pk}"


def _body(case: ScriptTestCase) -> dict:
    return {
        "id": case.pk,
        "name": case.name,
        "script": case.script,
        "args": case.arguments,
        "expect": case.expect,
        "expected": case.expected,
        "created_at": case.created_at,
    }


class ScriptTestListView(APIView):
    required_scopes = {"GET": "read:connections", "POST": "update:connections"}

    @extend_schema(
        operation_id="script_tests_list",
        summary="List a connection's saved script test cases",
        responses={200: ScriptTestCaseSerializer(many=True), **_errors(404)},
    )
    def get(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        return Response([_body(c) for c in connection.script_test_cases.all()])

    @extend_schema(
        operation_id="script_tests_create",
        summary="Save a test case",
        request=ScriptTestCaseSerializer,
        responses={201: ScriptTestCaseSerializer, **_errors(404)},
    )
    def post(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        serializer = ScriptTestCaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = script_test_case_create(
            connection=connection,
            name=data["name"],
            script=data["script"],
            args=data["args"],
            expect=data["expect"],
            expected=data["expected"],
            by=request.user,
        )
        return Response(_body(case), status=status.HTTP_201_CREATED)


class ScriptTestDetailView(APIView):
    required_scopes = {"DELETE": "update:connections"}

    @extend_schema(
        operation_id="script_tests_delete", summary="Delete a test case", responses={204: None, **_errors(404)}
    )
    def delete(self, request, public_id, pk):
        case = get_object_or_404(ScriptTestCase, connection__public_id=public_id, pk=pk)
        script_test_case_delete(case=case, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScriptTestRunView(APIView):
    required_scopes = {"GET": "read:connections", "POST": "run:scripts"}

    @extend_schema(
        operation_id="script_tests_runs_list",
        summary="List the connection's recent test suite runs, newest first",
        responses={200: ScriptTestSuiteRunSerializer(many=True), **_errors(404)},
    )
    def get(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        suites = connection.script_test_suite_runs.all()[:RECENT_SUITES]
        full = can_change(request.user)
        return Response([script_test_suite_snapshot(suite=s, full=full) for s in suites])

    @extend_schema(
        operation_id="script_tests_run",
        summary="Run every saved test case in the background (202; GET the Location until done)",
        request=ScriptTestSuiteRunCreateSerializer,
        responses={202: ScriptTestSuiteRunSerializer, **_errors(404)},
    )
    def post(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        serializer = ScriptTestSuiteRunCreateSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        suite = script_test_suite_start(
            connection=connection,
            trigger=ScriptTestSuiteRun.Trigger.API,
            by=request.user,
            revision_number=serializer.validated_data.get("revision"),
        )
        return Response(
            script_test_suite_snapshot(suite=suite, full=True),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": _location(suite)},
        )


class ScriptTestSuiteRunDetailView(APIView):
    required_scopes = {"GET": "read:connections"}

    @extend_schema(
        operation_id="script_tests_runs_get",
        summary="Get a test suite run: its status and each case's verdict",
        responses={200: ScriptTestSuiteRunSerializer, **_errors(404)},
    )
    def get(self, request, public_id, suite_id):
        suite = get_object_or_404(ScriptTestSuiteRun, connection__public_id=public_id, pk=suite_id)
        return Response(script_test_suite_snapshot(suite=suite, full=can_change(request.user)))


@extend_schema_view(
    post=extend_schema(
        operation_id="script_tests_run_legacy",
        summary="Run every saved test case (the first path of POST script-tests/runs; same answer)",
    )
)
class ScriptTestRunLegacyView(ScriptTestRunView):
    """The first path of "run them all", kept so clients written against it still work."""

    http_method_names = ["post", "options"]
