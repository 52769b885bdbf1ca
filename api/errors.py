"""Auth0's error envelope for every 4xx: {"statusCode", "error", "message", "errorCode"}."""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from identity.exceptions import FlowFailed
from scripts_editor.exceptions import (
    DeployConflict,
    LintUnavailable,
    ScriptConflict,
    ScriptsRejected,
    TestsFailed,
    TryRunsBusy,
)

ERROR_CODES = {
    400: "invalid_body",
    401: "invalid_token",
    403: "insufficient_scope",
    404: "inexistent_resource",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class ApiError(exceptions.APIException):
    """A domain error with an explicit status and errorCode (409 conflict, 412 stale If-Match ...)."""

    def __init__(self, message: str, *, status_code: int, error_code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code or ERROR_CODES.get(status_code, "error")
        self.extra = extra or {}  # Trickle fields beside the envelope's (e.g. the failing test cases)


def _flatten(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [
            m
            for key, value in detail.items()
            for m in _flatten(value, f"{prefix}{key}." if key != "non_field_errors" else prefix)
        ]
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item, prefix)]
    return [f"{prefix.rstrip('.')}: {detail}" if prefix else str(detail)]


def envelope(status_code: int, message: str, error_code: str | None = None) -> dict:
    return {
        "statusCode": status_code,
        "error": HTTPStatus(status_code).phrase,
        "message": message,
        "errorCode": error_code or ERROR_CODES.get(status_code, "error"),
    }


def exception_handler(exc, context):
    if isinstance(exc, FlowFailed):  # a flow's reason is its errorCode, with the status REASONS gives it
        exc = ApiError(exc.message, status_code=exc.status_code, error_code=exc.reason)
    elif isinstance(exc, ScriptsRejected):  # syntax error or size: the same check as the dashboard's Save
        exc = ApiError(f"Scripts rejected, nothing saved: {exc}", status_code=400, error_code="invalid_script")
    elif isinstance(exc, ScriptConflict):
        exc = ApiError(f"Conflict: {exc}", status_code=409)
    elif isinstance(exc, DeployConflict):  # without If-Match: someone else moved the live revision meanwhile
        exc = ApiError(f"Conflict: {exc}; nothing changed.", status_code=409)
    elif isinstance(exc, TestsFailed):  # the connection requires passing test cases: nothing went live
        failures = [{"name": f.case.name, "script": f.case.script, "reason": f.reason} for f in exc.failures]
        exc = ApiError(
            f"Not live: {exc}.", status_code=422, error_code="tests_failed", extra={"trickle_failures": failures}
        )
    elif isinstance(exc, RequestDataTooBig):  # Django's own answer would be an HTML page
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        exc = ApiError(f"The body is larger than {limit} MB, the most the API reads.", status_code=413)
    elif isinstance(exc, TryRunsBusy):
        exc = exceptions.Throttled(wait=exc.retry_after_s, detail=str(exc))
    elif isinstance(exc, LintUnavailable):
        exc = ApiError(f"Scripts cannot be checked right now: {exc}", status_code=503, error_code="unavailable")
    elif isinstance(exc, DjangoValidationError):  # raised by services: same envelope as serializer errors
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: let Django log it and answer 500
    if isinstance(exc, exceptions.NotAuthenticated):
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response["WWW-Authenticate"] = "Bearer"
    message = "; ".join(_flatten(exc.detail)) if isinstance(exc, exceptions.ValidationError) else str(exc.detail)
    code = getattr(exc, "error_code", None)
    response.data = envelope(response.status_code, message, code) | getattr(exc, "extra", {})
    return response


@csrf_exempt  # token-authenticated API: a POST to a wrong URL must get the JSON 404, not a CSRF page
def not_found_view(request, *args, **kwargs):
    """Unknown /api/ URLs answer in the same envelope instead of Django's HTML page."""
    return JsonResponse(envelope(404, f"No API resource at {request.path}."), status=404)
