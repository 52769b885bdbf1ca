import os

from celery import Celery

import telemetry.celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("trickle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Request ids follow a request into its tasks; tasks and pool processes are counted for /metrics.
telemetry.celery.connect(app)
