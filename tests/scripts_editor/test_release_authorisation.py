"""Every page action added with drafts, canaries, shadow runs, test suites and the circuit form refuses a
view-only staff user (403, nothing changed) and a POST without the CSRF token, even from an editor."""

import pytest
from django.test import Client
from django.urls import reverse

from connections_admin.models import AuditEvent
from identity.models import ShadowSession
from scripts_editor import deploy, selectors
from scripts_editor.models import ScriptCanary, ScriptTestSuiteRun

from .test_deploy_views import live_and_draft  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _posts(connection):
    def url(name, *args, app="scripts_editor"):
        return reverse(f"{app}:{name}", args=[connection.public_id, *args])

    return [
        (url("deploy", 2), {"version": 1}),
        (url("canary-start", 2), {"percent": 10}),
        (url("canary-promote"), {}),
        (url("canary-stop"), {}),
        (url("canary-dismiss"), {}),
        (url("release-settings"), {"require_tests": "on", "percent": 50, "margin": 5, "min_calls": 10}),
        (url("shadow", 2), {"action": "start", "scripts": ["verify"], "max_calls": 10, "hours": 1}),
        (url("tests-run"), {}),
        (url("restore", 1), {}),
        (url("circuit", app="identity"), {"failures": "2"}),
    ]


def _state(connection):
    return (
        selectors.script_deployment(connection=connection).version,
        ScriptCanary.objects.count(),
        ShadowSession.objects.count(),
        ScriptTestSuiteRun.objects.count(),
        connection.script_revisions.count(),
        AuditEvent.objects.count(),
    )


def test_a_viewer_is_refused_every_release_action(viewer_client, live_and_draft):  # noqa: F811
    before = _state(live_and_draft)
    for path, data in _posts(live_and_draft):
        assert viewer_client.post(path, data).status_code == 403, path
    assert _state(live_and_draft) == before


def test_an_editor_post_without_the_csrf_token_is_refused(editor, live_and_draft):  # noqa: F811
    deploy.canary_start(connection=live_and_draft, number=2, by=editor, percent=10)
    before = _state(live_and_draft)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    for path, data in _posts(live_and_draft):
        assert client.post(path, data).status_code == 403, path
    assert _state(live_and_draft) == before
