from django.conf import settings
from django.urls import path

from . import circuit_views, demo_legacy, import_views, log_views, population_views, views

app_name = "identity"
urlpatterns = [
    path("connections/<str:public_id>/try/", views.try_connection, name="try-connection"),
    path("connections/<str:public_id>/circuit/", circuit_views.circuit_page, name="circuit"),
    path("connections/<str:public_id>/users/", views.user_list, name="user-list"),
    path("connections/<str:public_id>/users/import/", import_views.user_import, name="user-import"),
    path(
        "connections/<str:public_id>/users/import/<str:job_id>/",
        import_views.user_import_job,
        name="user-import-job",
    ),
    path("connections/<str:public_id>/users/<int:pk>/", views.user_detail, name="user-detail"),
    path("connections/<str:public_id>/users/<int:pk>/change/", views.user_change, name="user-change"),
    path("connections/<str:public_id>/users/<int:pk>/delete/", views.user_delete, name="user-delete"),
    path("connections/<str:public_id>/migration/", views.migration_progress, name="migration-progress"),
    path(
        "connections/<str:public_id>/migration/population/",
        population_views.population_upload,
        name="population-upload",
    ),
    path("connections/<str:public_id>/migration/walk/", population_views.population_walk, name="population-walk"),
    path(
        "connections/<str:public_id>/migration/remaining.csv",
        population_views.population_export,
        name="population-export",
    ),
    path("connections/<str:public_id>/migration/retire/", population_views.retire, name="retire"),
    path("logs/", log_views.log_list, name="log-list"),
    path("logs/streams/", log_views.log_stream_list, name="log-streams"),
    path("logs/streams/<int:pk>/", log_views.log_stream_detail, name="log-stream"),
    path("logs/streams/<int:pk>/status/", log_views.log_stream_status, name="log-stream-status"),
]
if not settings.PRODUCTION:
    # The demo legacy store `make run` sets up (a stand-in for an admin's own user API): never in production,
    # where it would be a user API guarded only by a token stored in a demo connection.
    urlpatterns += [
        path("demo-legacy/users", demo_legacy.users, name="demo-legacy-users"),
        path("demo-legacy/users/<int:pk>", demo_legacy.user_detail, name="demo-legacy-user"),
    ]
