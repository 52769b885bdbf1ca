from django.urls import path

from . import views

app_name = "connections_admin"
urlpatterns = [
    path("", views.connection_list, name="connection-list"),
    path("new/", views.connection_create, name="connection-create"),
    path("<str:public_id>/", views.connection_detail, name="connection-detail"),
    path("<str:public_id>/configuration/", views.connection_configuration, name="connection-configuration"),
    path("<str:public_id>/configuration/<str:key>/remove/", views.variable_remove, name="variable-remove"),
    path(
        "<str:public_id>/configuration/<str:key>/make-secret/", views.variable_make_secret, name="variable-make-secret"
    ),
    path("<str:public_id>/activity/", views.connection_activity, name="connection-activity"),
    path("<str:public_id>/delete/", views.connection_delete, name="connection-delete"),
]
