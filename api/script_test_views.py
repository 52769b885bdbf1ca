"""Saved script test cases over the API (scripts_editor.saved_tests): list, create, delete, and run them all.

Passwords are accepted on create and never returned: arguments come back with "********" in their place."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin.models import Connection
from scripts_editor.models import ScriptTestCase
from scripts_editor.saved_tests import script_test_case_create, script_test_case_delete, script_test_cases_run
from scripts_editor.scripts import SCRIPT_KEYS

from .serializers import StrictCharField
from .views import _errors

# A run of the suite answers within this long beyond the connection's script timeout; later cases fail saying so.
RUN_WAIT_S = 60


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
    passed = serializers.BooleanField()
    reason = serializers.CharField()
    run = serializers.CharField(allow_null=True, help_text="The Try run: /api/v2/script-runs/{run}.")
    status = serializers.CharField()
    duration_ms = serializers.FloatField(allow_null=True)


class ScriptTestRunSerializer(serializers.Serializer):
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = ScriptTestResultSerializer(many=True)


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
    required_scopes = {"POST": "run:scripts"}

    @extend_schema(
        operation_id="script_tests_run",
        summary="Run every saved test case through Try and answer with the pass/fail list",
        request=None,
        responses={200: ScriptTestRunSerializer, **_errors(404)},
    )
    def post(self, request, public_id):
        connection = get_object_or_404(Connection, public_id=public_id)
        results = script_test_cases_run(
            connection=connection, by=request.user, wait_s=RUN_WAIT_S + connection.script_timeout_s
        )
        passed = sum(r.passed for r in results)
        return Response({"passed": passed, "failed": len(results) - passed, "results": [r.as_dict() for r in results]})
