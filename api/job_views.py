"""POST /api/v2/jobs/users-imports, GET /api/v2/jobs/{id} and /errors: bulk user import, shaped like Auth0's."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from connections_admin.models import Connection
from identity import imports
from identity.models import UserImportJob

from .errors import ApiError
from .identity_views import flow_errors


class UsersImportSerializer(serializers.Serializer):
    users = serializers.FileField(help_text="A JSON array of users in Auth0's user-import format.")
    connection_id = serializers.CharField(help_text="The connection that receives the users (con_...).")
    upsert = serializers.BooleanField(required=False, default=False, help_text="Update users that exist.")
    external_id = serializers.CharField(required=False, default="", max_length=100, allow_blank=True)
    send_completion_email = serializers.BooleanField(required=False, default=False, help_text="Ignored.")


class UsersImportView(APIView):
    required_scopes = {"POST": "create:users"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="jobs_users_imports",
        summary="Import users from a file (a background job)",
        description="multipart/form-data with `users` (the file), `connection_id`, `upsert`. Answers the job; "
        "poll GET /jobs/{id} for its progress and summary, GET /jobs/{id}/errors for per-row errors.",
        request={"multipart/form-data": UsersImportSerializer},
        responses={202: OpenApiResponse(description="The pending job."), **flow_errors()},
    )
    def post(self, request):
        body = UsersImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        connection = Connection.objects.filter(public_id=data["connection_id"]).first()
        if connection is None:
            raise ApiError("No connection with this connection_id.", status_code=400)
        try:
            text = data["users"].read().decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError("The file must be UTF-8 JSON.", status_code=400) from None
        try:
            job = imports.user_import_create(
                connection=connection,
                text=text,
                upsert=data["upsert"],
                external_id=data["external_id"],
                by=request.user,
            )
        except imports.ImportFileInvalid as e:
            raise ApiError(str(e), status_code=400, error_code="invalid_file") from e
        return Response(imports.job_public(job), status=status.HTTP_202_ACCEPTED)


class JobDetailView(APIView):
    required_scopes = {"GET": "create:users"}

    @extend_schema(
        operation_id="jobs_get",
        summary="A job's status, progress and summary",
        responses={200: OpenApiResponse(), **flow_errors()},
    )
    def get(self, request, job_id):
        return Response(
            imports.job_public(get_object_or_404(UserImportJob.objects.select_related("connection"), public_id=job_id))
        )


class JobErrorsView(APIView):
    required_scopes = {"GET": "create:users"}

    @extend_schema(
        operation_id="jobs_errors",
        summary="A job's per-row errors",
        description="[{user (without its hash), errors: [{code, message, path}], line}]; 204 when there are none.",
        responses={200: OpenApiResponse(), 204: None, **flow_errors()},
    )
    def get(self, request, job_id):
        job = get_object_or_404(UserImportJob, public_id=job_id)
        if not job.errors:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(job.errors)
