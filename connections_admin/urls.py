from django.urls import path

from . import views

app_name = "connections_admin"
urlpatterns = [
    path("", views.connection_list, name="connection-list"),
]
