from django.conf import settings
from django.urls import path

from . import demo_legacy, views

app_name = "identity"
urlpatterns = [
    path("connections/<str:public_id>/try/", views.try_connection, name="try-connection"),
    path("connections/<str:public_id>/users/", views.user_list, name="user-list"),
    path("connections/<str:public_id>/users/<int:pk>/delete/", views.user_delete, name="user-delete"),
    path("connections/<str:public_id>/migration/", views.migration_progress, name="migration-progress"),
]
if not settings.PRODUCTION:
    # The demo legacy store `make run` sets up (a stand-in for an admin's own user API): never in production,
    # where it would be a user API guarded only by a token stored in a demo connection.
    urlpatterns += [
        path("demo-legacy/users", demo_legacy.users, name="demo-legacy-users"),
        path("demo-legacy/users/<int:pk>", demo_legacy.user_detail, name="demo-legacy-user"),
    ]
