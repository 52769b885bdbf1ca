from django.apps import AppConfig


class ScriptsEditorConfig(AppConfig):
    name = "scripts_editor"
    verbose_name = "Scripts"

    def ready(self):
        # Celery's autodiscovery looks for <app>.tasks only; the Try-run tasks live in runs/.
        from .runs import tasks  # noqa: F401
