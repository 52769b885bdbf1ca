from django.apps import AppConfig


class ScriptsEditorConfig(AppConfig):
    name = "scripts_editor"
    verbose_name = "Scripts"
