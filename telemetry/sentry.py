"""Error reporting with sentry-sdk for Django and Celery, started from settings when SENTRY_DSN is set."""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from .context import request_id_get


def _with_request_id(event, hint):
    request_id = request_id_get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_start(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        # No user emails, IP addresses, cookies or request bodies: logins carry passwords.
        send_default_pii=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration()],
        before_send=_with_request_id,
    )
