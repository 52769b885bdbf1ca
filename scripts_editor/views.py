"""Editor, history and diff pages: thin adapters that authorise, validate a form and call one service."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from connections_admin.models import Connection
from connections_admin.permissions import CHANGE, VIEW, can_change, connection_view
from identity.shadow import shadow_running_number
from scriptd_client import limits

from . import deploy, selectors
from .deploy_views import deploy_conflict_message, tests_failed_message
from .exceptions import DeployConflict, LintUnavailable, ScriptConflict, ScriptsRejected, TestsFailed
from .forms import DiffForm, RestoreForm, ScriptsSaveForm
from .lint import sandbox_allowlist
from .models import ScriptRevision
from .runs.views import try_config
from .script_templates import TEMPLATES, template_bodies
from .scripts import metadata_for_editor
from .services import scripts_restore, scripts_save
from .test_suites import script_test_suites_by_revision


def _revision_json(revision: ScriptRevision) -> dict:
    return {
        "number": revision.number,
        "author": revision.author_label or ("" if revision.number == 0 else "system"),
        "createdAt": revision.created_at.isoformat() if revision.created_at else None,
        "message": revision.message,
        "isDraft": revision.is_draft,
    }


@require_GET
@connection_view(VIEW)
def editor(request: HttpRequest, connection: Connection) -> HttpResponse:
    revision = selectors.script_revision_current(connection=connection)
    context = connection.enable_script_context
    config = {
        "scripts": metadata_for_editor(mode=connection.mode, context=context),
        "revision": _revision_json(revision),
        "bodies": revision.scripts,
        "templates": [
            {
                "key": t.key,
                "label": t.label,
                "description": t.description,
                "configurationKeys": list(t.configuration_keys),
                "bodies": template_bodies(t.key, connection_name=connection.name, context=context),
            }
            for t in TEMPLATES
        ],
        "allowlist": sandbox_allowlist(),
        "configurationKeys": list(connection.variables.values_list("key", flat=True)),
        "configurationUrl": reverse("connections_admin:connection-configuration", args=[connection.public_id]),
        "canChange": can_change(request.user),
        "saveUrl": reverse("scripts_editor:save", args=[connection.public_id]),
        "historyUrl": reverse("scripts_editor:history", args=[connection.public_id]),
        "liveNumber": selectors.script_revision_live_number(connection=connection),
        "sizeFindingBytes": limits.SOURCE_WARN_BYTES,
        "sizeLimitBytes": limits.SOURCE_MAX_BYTES,
        "try": try_config(connection, request.user),
    }
    return render(
        request,
        "scripts_editor/editor.html",
        {
            "connection": connection,
            "revision": revision,
            "config": config,
            "can_change": config["canChange"],
            "templates": TEMPLATES,
        },
    )


@require_POST
@connection_view(CHANGE)
def save(request: HttpRequest, connection: Connection) -> JsonResponse:
    """The editor's Save: JSON answers for the page (200 saved, 400 refused, 409 conflict)."""
    form = ScriptsSaveForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        saved = scripts_save(
            connection=connection,
            scripts=form.scripts,
            base_number=form.cleaned_data["base_number"],
            by=request.user,
            message=form.cleaned_data["message"],
            draft=form.cleaned_data["draft"],
        )
    except TestsFailed as e:  # stored as a draft, not live: say so and list the failing cases
        draft = selectors.script_revision_get(connection=connection, number=e.revision_number)
        return JsonResponse(
            {
                "revision": _revision_json(draft),
                "liveNumber": selectors.script_revision_live_number(connection=connection),
                "testsFailed": [{"name": f.name, "reason": f.reason, "run": f.run_id} for f in e.failures],
                "message": tests_failed_message(e),
            },
            status=422,
        )
    except DeployConflict as e:  # the gated save is kept as a draft: its deploy lost to another change
        if e.kept_draft is None:
            raise
        draft = selectors.script_revision_get(connection=connection, number=e.kept_draft)
        return JsonResponse(
            {
                "revision": _revision_json(draft),
                "liveNumber": selectors.script_revision_live_number(connection=connection),
                "testsFailed": [],
                "message": f"Saved as draft revision {draft.number}, not live. {deploy_conflict_message(e)}",
            },
            status=422,
        )
    except ScriptsRejected as e:
        return JsonResponse({"problems": [vars(p) for p in e.problems]}, status=400)
    except LintUnavailable as e:
        return JsonResponse({"errors": {"__all__": [{"message": str(e)}]}}, status=503)
    except ScriptConflict as e:
        base = (
            selectors.script_revision_get(connection=connection, number=e.base_number)
            if e.base_number <= e.current.number
            else selectors.script_revision_blank(connection=connection)
        )
        return JsonResponse(
            {
                "conflict": _revision_json(e.current),
                "baseNumber": e.base_number,
                "bodies": e.current.scripts,
                "baseBodies": base.scripts,
                "theirChanges": selectors.unified_diff_text(old=base, new=e.current),
            },
            status=409,
        )
    return JsonResponse(
        {
            "revision": _revision_json(saved.revision),
            "liveNumber": selectors.script_revision_live_number(connection=connection),
            "created": saved.created,
            "findings": [f.as_json() for f in saved.findings],
        }
    )


@require_GET
@connection_view(VIEW)
def history(request: HttpRequest, connection: Connection) -> HttpResponse:
    entries = selectors.script_revision_history(connection=connection)
    # The newest test suite run of each revision, shown beside it (a badge linking to the run).
    suites = script_test_suites_by_revision(connection=connection, numbers=[e.revision.number for e in entries])
    return render(
        request,
        "scripts_editor/history.html",
        {
            "connection": connection,
            "entries": entries,
            "rows": [(e, suites.get(e.revision.number)) for e in entries],
            "can_change": can_change(request.user),
            "current_number": entries[0].revision.number if entries else 0,
            "release": deploy.release_state(connection=connection),
            "canaries": connection.script_canaries.select_related("revision")[:10],
            "shadowing": shadow_running_number(connection=connection),
        },
    )


@require_GET
@connection_view(VIEW)
def diff(request: HttpRequest, connection: Connection) -> HttpResponse:
    """Compare any two revisions (?old=&new=&view=split|unified); by default the newest with the one before."""
    form = DiffForm(request.GET)
    if not form.is_valid():
        raise Http404("Unknown revision numbers.")
    current = selectors.script_revision_current(connection=connection).number
    new_number = form.cleaned_data["new"] if form.cleaned_data["new"] is not None else current
    old_number = form.cleaned_data["old"] if form.cleaned_data["old"] is not None else max(new_number - 1, 0)
    try:
        old = selectors.script_revision_get(connection=connection, number=old_number)
        new = selectors.script_revision_get(connection=connection, number=new_number)
    except ScriptRevision.DoesNotExist:
        raise Http404("No such revision.") from None
    return render(
        request,
        "scripts_editor/diff.html",
        {
            "connection": connection,
            "old": old,
            "new": new,
            "view": form.cleaned_data["view"] or "split",
            "diffs": selectors.script_revision_diff(old=old, new=new),
            "current_number": current,
            "numbers": range(current, -1, -1),
        },
    )


@require_POST
@connection_view(CHANGE)
def restore(request: HttpRequest, connection: Connection, number: int) -> HttpResponse:
    form = RestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The restore form was incomplete; reload the history and try again.")
        return redirect("scripts_editor:history", connection.public_id)
    try:
        revision = scripts_restore(
            connection=connection, number=number, base_number=form.cleaned_data["base_number"], by=request.user
        )
    except ScriptRevision.DoesNotExist:
        raise Http404("No such revision.") from None
    except ScriptConflict as e:
        messages.error(
            request,
            f"Revision {e.current.number} was saved by {e.current.author_label or 'someone'} "
            f"after you opened the history; nothing was restored. Review it and try again.",
        )
        return redirect("scripts_editor:history", connection.public_id)
    except TestsFailed as e:  # the copy is kept as a draft (History can deploy it once the cases pass)
        messages.error(request, f"Revision {number} was restored as a draft. {tests_failed_message(e)}")
        return redirect("scripts_editor:history", connection.public_id)
    except DeployConflict as e:
        messages.error(request, f"Revision {number} was restored as a draft. {deploy_conflict_message(e)}")
        return redirect("scripts_editor:history", connection.public_id)
    messages.success(request, f"Revision {number} restored as revision {revision.number}.")
    return redirect("scripts_editor:editor", connection.public_id)
