from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from scripts_editor.modules_views import sandbox_modules

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="connections_admin:connection-list", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("connections/", include("connections_admin.urls")),
    path("connections/<str:public_id>/scripts/", include("scripts_editor.urls")),
    path("connections-as-code/", include("scripts_editor.as_code.urls")),
    path("sandbox/modules/", sandbox_modules, name="sandbox-modules"),
    path("", include("identity.urls")),
    path("", include("api.urls")),
]
