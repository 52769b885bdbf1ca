"""Production refusals, read by config/settings.py before Django is set up (so: no models here)."""

EMBEDDED_HINT = "Set TRICKLE_ALLOW_EMBEDDED=true to run a single-host trial with them anyway (docs/deploy.md)."


def embedded_parts_refusal(*, database_engine: str, broker_url: str, cache_url: str) -> str:
    """Why production mode cannot start with these parts, or "" when it can."""
    problems = []
    if database_engine == "django.db.backends.sqlite3":
        problems.append(
            "DATABASE_URL is SQLite: one file on one host, so a second web or worker host would have a database "
            "of its own, and every writer waits on a single file lock. Use PostgreSQL "
            "(DATABASE_URL=postgres://user:pass@host:5432/trickle)."
        )
    if broker_url.startswith("filesystem://"):
        problems.append(
            "CELERY_BROKER_URL is the filesystem broker: a folder on this host, which workers on another host never "
            "see. Use RabbitMQ (amqp://...) or Redis (redis://...)."
        )
    if not cache_url:
        problems.append(
            "CACHE_URL is not set: throttling would count per process, so every gunicorn worker and host would "
            "grant its own rate. Use Redis (CACHE_URL=redis://host:6379/1)."
        )
    if not problems:
        return ""
    return "Production mode refuses embedded parts. " + " ".join(problems) + " " + EMBEDDED_HINT
