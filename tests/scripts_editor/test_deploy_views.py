"""Draft and deploy from the pages: Save as draft, History's Deploy / Roll back / Canary actions, release
settings and the banner, as editor and viewer (scripts_editor.deploy_views)."""

import pytest
from django.urls import reverse

from connections_admin.models import AuditEvent
from scripts_editor import deploy, selectors
from scripts_editor.exceptions import DeployConflict
from scripts_editor.models import ScriptCanary
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

pytestmark = pytest.mark.django_db

VERIFY = "function verify(email, callback) {\n  callback(null, true);\n}\n"


def url(name, connection, *args):
    return reverse(f"scripts_editor:{name}", args=[connection.public_id, *args])


def _scripts(tag: str) -> dict[str, str]:
    return {k: "" for k in SCRIPT_KEYS} | {"verify": VERIFY + f"// {tag}\n"}


@pytest.fixture
def live_and_draft(connection, editor):
    scripts_save(connection=connection, scripts=_scripts("live"), base_number=0, by=editor)
    scripts_save(connection=connection, scripts=_scripts("draft"), base_number=1, by=editor, draft=True)
    return connection


def test_the_editor_saves_a_draft_that_does_not_go_live(editor_client, connection):
    scripts_save(connection=connection, scripts=_scripts("live"), base_number=0, by=None)
    form = {"base_number": 1, "message": "try this", "draft": "on"}
    form |= {f"script_{k}": v for k, v in _scripts("draft").items()}

    answer = editor_client.post(url("save", connection), form).json()

    assert answer["revision"] == answer["revision"] | {"number": 2, "isDraft": True} and answer["liveNumber"] == 1
    assert selectors.script_revision_live_number(connection=connection) == 1
    page = editor_client.get(url("editor", connection)).content.decode()
    assert 'id="save-draft-button"' in page and "logins use revision 1" in page


def test_history_marks_live_and_draft_and_deploys_with_an_audit_row(editor_client, editor, live_and_draft):
    page = editor_client.get(url("history", live_and_draft)).content.decode()
    assert 'data-live-revision="1"' in page and "data-draft" in page and 'data-deploy="2"' in page
    version = selectors.script_deployment(connection=live_and_draft).version

    response = editor_client.post(url("deploy", live_and_draft, 2), {"version": version}, follow=True)

    assert "Revision 2 is live" in response.content.decode()
    assert selectors.script_revision_live_number(connection=live_and_draft) == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.SCRIPTS_DEPLOYED)
    assert event.actor == editor and event.detail == {"revision": 2, "previous": 1, "rollback": False, "draft": True}


def test_a_deploy_from_a_stale_history_page_changes_nothing(editor_client, live_and_draft):
    stale = selectors.script_deployment(connection=live_and_draft).version
    deploy.revision_deploy(connection=live_and_draft, number=2, by=None)  # another admin, meanwhile

    response = editor_client.post(url("deploy", live_and_draft, 1), {"version": stale}, follow=True)

    assert "Nothing changed: someone deployed" in response.content.decode()
    assert selectors.script_revision_live_number(connection=live_and_draft) == 2


def test_viewers_cannot_deploy_or_see_the_actions(viewer_client, live_and_draft):
    page = viewer_client.get(url("history", live_and_draft)).content.decode()
    assert "data-deploy" not in page and "Release settings" not in page
    assert viewer_client.post(url("deploy", live_and_draft, 2), {"version": 1}).status_code == 403
    assert selectors.script_revision_live_number(connection=live_and_draft) == 1


def test_canary_start_promote_and_settings_from_history(editor_client, live_and_draft):
    editor_client.post(url("release-settings", live_and_draft), {"percent": 25, "margin": 3, "min_calls": 50})
    version = selectors.script_deployment(connection=live_and_draft).version
    editor_client.post(url("canary-start", live_and_draft, 2), {"version": version})

    canary = ScriptCanary.objects.get()
    assert (canary.percent, canary.margin, canary.min_calls, canary.state) == (25, 3, 50, "running")
    page = editor_client.get(url("history", live_and_draft)).content.decode()
    assert "serves 25 % of end users" in page and "data-canary-running" in page  # History and the banner

    version = selectors.script_deployment(connection=live_and_draft).version
    editor_client.post(url("canary-promote", live_and_draft), {"version": version})
    canary.refresh_from_db()
    assert canary.state == "promoted" and selectors.script_revision_live_number(connection=live_and_draft) == 2


def test_a_rolled_back_canary_shows_a_banner_until_dismissed(editor_client, live_and_draft):
    canary = deploy.canary_start(connection=live_and_draft, number=2, by=None)
    ScriptCanary.objects.filter(pk=canary.pk).update(
        canary_calls=canary.min_calls - 1, canary_failures=canary.min_calls - 1
    )
    assert deploy.canary_record(connection=live_and_draft, canary_id=canary.pk, on_canary=True, infrastructure=True)

    page = editor_client.get(reverse("connections_admin:connection-detail", args=[live_and_draft.public_id]))
    assert "rolled back automatically" in page.content.decode()

    editor_client.post(url("canary-dismiss", live_and_draft))
    page = editor_client.get(reverse("connections_admin:connection-detail", args=[live_and_draft.public_id]))
    assert "rolled back automatically" not in page.content.decode()


def test_a_deploy_decided_before_tests_became_required_conflicts(editor, live_and_draft):
    seen = selectors.script_deployment(connection=live_and_draft).version
    deploy.deployment_configure(connection=live_and_draft, by=editor, require_tests=True)

    with pytest.raises(DeployConflict):
        deploy.revision_deploy(connection=live_and_draft, number=2, by=editor, expected_version=seen)
    assert selectors.script_revision_live_number(connection=live_and_draft) == 1


def test_a_canary_rolled_back_while_its_promotion_starts_is_not_put_live(editor, live_and_draft, monkeypatch):
    canary = deploy.canary_start(connection=live_and_draft, number=2, by=editor, percent=10)
    ScriptCanary.objects.filter(pk=canary.pk).update(min_calls=1, margin=0)
    original = deploy.script_canary_running

    def rolled_back_right_after(**kwargs):  # the promotion read the canary; its error rate rolls it back now
        found = original(**kwargs)
        if found is not None and found.state == ScriptCanary.State.RUNNING:
            deploy.canary_record(connection=live_and_draft, canary_id=found.pk, on_canary=True, infrastructure=True)
        return found

    monkeypatch.setattr(deploy, "script_canary_running", rolled_back_right_after)
    with pytest.raises(DeployConflict):
        deploy.canary_promote(connection=live_and_draft, by=editor)
    assert selectors.script_revision_live_number(connection=live_and_draft) == 1
    assert ScriptCanary.objects.get(pk=canary.pk).state == ScriptCanary.State.ROLLED_BACK


@pytest.mark.django_db(transaction=True)  # a gated save deploys only outside a transaction
def test_a_gated_live_save_whose_deploy_loses_a_race_is_kept_as_a_draft_and_says_so(
    editor, editor_client, connection, monkeypatch
):
    scripts_save(connection=connection, scripts=_scripts("live"), base_number=0, by=editor)
    deploy.deployment_configure(connection=connection, by=editor, require_tests=True)
    original = deploy.suite_check

    def another_admin_changes_the_release_meanwhile(**kwargs):
        original(**kwargs)
        deploy.deployment_configure(connection=connection, by=None, canary={"percent": 30})

    monkeypatch.setattr(deploy, "suite_check", another_admin_changes_the_release_meanwhile)
    form = {"base_number": 1, "message": "v2"} | {f"script_{k}": v for k, v in _scripts("v2").items()}

    response = editor_client.post(url("save", connection), form)

    assert response.status_code == 422
    answer = response.json()
    assert answer["revision"]["number"] == 2 and answer["revision"]["isDraft"] and answer["testsFailed"] == []
    assert answer["message"].startswith("Saved as draft revision 2, not live. Nothing changed: someone deployed")
    assert selectors.script_revision_live_number(connection=connection) == 1
