from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from . import shadow_runs, signals  # noqa: F401  (connect the audit mirror, the shadow runs' request hooks)
