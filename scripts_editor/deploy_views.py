"""History's release actions: deploy (or roll back to) a revision, start, promote or stop a canary, dismiss
a rolled-back canary's banner, and the connection's release settings. Thin: each posts to one service of
scripts_editor.deploy and comes back to History with a message saying what happened."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from connections_admin.models import Connection
from connections_admin.permissions import CHANGE, connection_view

from . import deploy
from .exceptions import DeployConflict, TestsFailed
from .models import ScriptRevision


class VersionForm(forms.Form):
    """The deployment version the History page showed: a deploy from a stale page is refused, not applied."""

    version = forms.IntegerField(min_value=1)


class CanaryStartForm(VersionForm):
    percent = forms.IntegerField(min_value=1, max_value=99, required=False)


class DeploymentSettingsForm(forms.Form):
    require_tests = forms.BooleanField(required=False)
    percent = forms.IntegerField(min_value=1, max_value=99, required=False)
    margin = forms.IntegerField(min_value=0, max_value=100, required=False)
    min_calls = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)


def _back(connection: Connection) -> HttpResponse:
    return redirect("scripts_editor:history", connection.public_id)


def tests_failed_message(e: TestsFailed) -> str:
    cases = "; ".join(f"{f.name}: {f.reason}" for f in e.failures)
    return f"Revision {e.revision_number} did not go live: the required test cases failed ({cases})."


def deploy_conflict_message(e: DeployConflict) -> str:
    return (
        f"Nothing changed: someone deployed, saved live or changed a canary after you opened this page "
        f"(revision {e.live_number} is live now). Review the history and try again."
    )


def _run(request: HttpRequest, connection: Connection, action, success: str) -> HttpResponse:
    try:
        action()
    except ScriptRevision.DoesNotExist:
        raise Http404("No such revision.") from None
    except DeployConflict as e:
        messages.error(request, deploy_conflict_message(e))
    except TestsFailed as e:
        messages.error(request, tests_failed_message(e))
    except ValidationError as e:
        messages.error(request, " ".join(m for ms in e.message_dict.values() for m in ms))
    else:
        messages.success(request, success)
    return _back(connection)


@require_POST
@connection_view(CHANGE)
def revision_deploy(request: HttpRequest, connection: Connection, number: int) -> HttpResponse:
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The deploy form was incomplete; reload the history and try again.")
        return _back(connection)
    return _run(
        request,
        connection,
        lambda: deploy.revision_deploy(
            connection=connection, number=number, by=request.user, expected_version=form.cleaned_data["version"]
        ),
        f"Revision {number} is live: it serves every login now.",
    )


@require_POST
@connection_view(CHANGE)
def canary_start(request: HttpRequest, connection: Connection, number: int) -> HttpResponse:
    form = CanaryStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The canary needs a share of users from 1 to 99 %.")
        return _back(connection)
    return _run(
        request,
        connection,
        lambda: deploy.canary_start(
            connection=connection,
            number=number,
            by=request.user,
            percent=form.cleaned_data["percent"],
            expected_version=form.cleaned_data["version"],
        ),
        f"Revision {number} is live for a share of end users as a canary; the others keep the live revision.",
    )


@require_POST
@connection_view(CHANGE)
def canary_promote(request: HttpRequest, connection: Connection) -> HttpResponse:
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete; reload the history and try again.")
        return _back(connection)
    return _run(
        request,
        connection,
        lambda: deploy.canary_promote(
            connection=connection, by=request.user, expected_version=form.cleaned_data["version"]
        ),
        "The canary's revision is live for everyone.",
    )


@require_POST
@connection_view(CHANGE)
def canary_stop(request: HttpRequest, connection: Connection) -> HttpResponse:
    return _run(
        request,
        connection,
        lambda: deploy.canary_stop(connection=connection, by=request.user),
        "Canary stopped: every login uses the live revision.",
    )


@require_POST
@connection_view(CHANGE)
def canary_dismiss(request: HttpRequest, connection: Connection) -> HttpResponse:
    deploy.canary_acknowledge(connection=connection)
    messages.info(request, "Banner dismissed; the rolled-back canary stays listed below.")
    return _back(connection)


@require_POST
@connection_view(CHANGE)
def deployment_settings(request: HttpRequest, connection: Connection) -> HttpResponse:
    form = DeploymentSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Not saved: " + "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
        )
        return _back(connection)
    data = form.cleaned_data
    return _run(
        request,
        connection,
        lambda: deploy.deployment_configure(
            connection=connection,
            by=request.user,
            require_tests=data["require_tests"],
            canary={name: data[name] for name in ("percent", "margin", "min_calls")},
        ),
        "Release settings saved.",
    )
