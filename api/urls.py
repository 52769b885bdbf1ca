from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAdminUser

from . import (
    identity_views,
    job_views,
    log_views,
    release_views,
    run_views,
    sandbox_views,
    script_test_views,
    shadow_views,
    token_views,
    user_views,
    views,
)
from .authentication import BearerTokenAuthentication
from .errors import not_found_view

# The reference is for staff: signed in on the dashboard, or holding any valid token.
_staff_only = {
    "authentication_classes": [SessionAuthentication, BearerTokenAuthentication],
    "permission_classes": [IsAdminUser],
}

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(**_staff_only), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema", **_staff_only), name="api-docs"),
    path("api/v2/connections", views.ConnectionListView.as_view(), name="api-connections"),
    path("api/v2/connections/<str:public_id>", views.ConnectionDetailView.as_view(), name="api-connection"),
    path("api/v2/connections/<str:public_id>/revisions", views.RevisionListView.as_view(), name="api-revisions"),
    path(
        "api/v2/connections/<str:public_id>/revisions/<int:number>",
        views.RevisionDetailView.as_view(),
        name="api-revision",
    ),
    path(
        "api/v2/connections/<str:public_id>/revisions/<int:number>/restore",
        views.RevisionRestoreView.as_view(),
        name="api-revision-restore",
    ),
    path(
        "api/v2/connections/<str:public_id>/revisions/<int:number>/shadow",
        shadow_views.ShadowView.as_view(),
        name="api-revision-shadow",
    ),
    path(
        "api/v2/connections/<str:public_id>/revisions/<int:number>/deploy",
        release_views.RevisionDeployView.as_view(),
        name="api-revision-deploy",
    ),
    path(
        "api/v2/connections/<str:public_id>/revisions/<int:number>/canary",
        release_views.RevisionCanaryView.as_view(),
        name="api-revision-canary",
    ),
    path("api/v2/connections/<str:public_id>/release", release_views.ReleaseView.as_view(), name="api-release"),
    path(
        "api/v2/connections/<str:public_id>/canary/promote",
        release_views.CanaryPromoteView.as_view(),
        name="api-canary-promote",
    ),
    path(
        "api/v2/connections/<str:public_id>/canary/stop",
        release_views.CanaryStopView.as_view(),
        name="api-canary-stop",
    ),
    path(
        "api/v2/connections/<str:public_id>/authenticate",
        identity_views.AuthenticateView.as_view(),
        name="api-authenticate",
    ),
    path("api/v2/connections/<str:public_id>/signup", identity_views.SignupView.as_view(), name="api-signup"),
    path(
        "api/v2/connections/<str:public_id>/change-password",
        identity_views.ChangePasswordView.as_view(),
        name="api-change-password",
    ),
    path("api/v2/connections/<str:public_id>/verify", identity_views.VerifyView.as_view(), name="api-verify"),
    path(
        "api/v2/connections/<str:public_id>/change-email",
        identity_views.ChangeEmailView.as_view(),
        name="api-change-email",
    ),
    path("api/v2/connections/<str:public_id>/users", identity_views.UserListView.as_view(), name="api-users"),
    path(
        "api/v2/connections/<str:public_id>/users/<path:user_id>",
        identity_views.UserDetailView.as_view(),
        name="api-user",
    ),
    path(
        "api/v2/connections/<str:public_id>/script-runs", run_views.ScriptRunListView.as_view(), name="api-script-runs"
    ),
    path(
        "api/v2/connections/<str:public_id>/script-tests",
        script_test_views.ScriptTestListView.as_view(),
        name="api-script-tests",
    ),
    path(
        "api/v2/connections/<str:public_id>/script-tests/run",
        script_test_views.ScriptTestRunLegacyView.as_view(),
        name="api-script-tests-run",
    ),
    path(
        "api/v2/connections/<str:public_id>/script-tests/runs",
        script_test_views.ScriptTestRunView.as_view(),
        name="api-script-tests-runs",
    ),
    path(
        "api/v2/connections/<str:public_id>/script-tests/runs/<uuid:suite_id>",
        script_test_views.ScriptTestSuiteRunDetailView.as_view(),
        name="api-script-tests-run-detail",
    ),
    path(
        "api/v2/connections/<str:public_id>/script-tests/<int:pk>",
        script_test_views.ScriptTestDetailView.as_view(),
        name="api-script-test",
    ),
    path("api/v2/script-runs/<uuid:run_id>", run_views.ScriptRunDetailView.as_view(), name="api-script-run"),
    path("api/v2/sandbox/modules", sandbox_views.SandboxModulesView.as_view(), name="api-sandbox-modules"),
    path("api/v2/logs", log_views.LogListView.as_view(), name="api-logs"),
    path("api/v2/logs/<str:log_id>", log_views.LogDetailView.as_view(), name="api-log"),
    path("api/v2/users/<path:user_id>/logs", user_views.UserLogsView.as_view(), name="api-user-logs"),
    path("api/v2/users/<path:user_id>", user_views.UserDetailView.as_view(), name="api-user-detail"),
    path("api/v2/user-blocks/<path:user_id>", user_views.UserBlocksView.as_view(), name="api-user-blocks"),
    path("api/v2/anomaly/blocks/ips/<str:ip>", user_views.IpBlockView.as_view(), name="api-ip-block"),
    path("api/v2/jobs/users-imports", job_views.UsersImportView.as_view(), name="api-users-imports"),
    path("api/v2/jobs/<str:job_id>/errors", job_views.JobErrorsView.as_view(), name="api-job-errors"),
    path("api/v2/jobs/<str:job_id>", job_views.JobDetailView.as_view(), name="api-job"),
    re_path(r"^api/", not_found_view),
    path("settings/api-tokens/", token_views.token_list, name="api-tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", token_views.token_revoke, name="api-token-revoke"),
]
