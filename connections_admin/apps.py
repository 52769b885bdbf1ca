from django.apps import AppConfig


class ConnectionsAdminConfig(AppConfig):
    name = "connections_admin"
    verbose_name = "Connections"
