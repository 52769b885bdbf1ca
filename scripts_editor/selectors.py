"""Reads of script revisions: the current and live scripts of a connection, their history and diffs.

Two revisions matter (issue 17, draft and deploy):
- current (script_revision_current): the newest stored revision, draft or not: what the editor edits, Try
  runs and exports;
- live (script_revision_live): the one that serves logins: ScriptDeployment.live_number, or, for a connection
  without that row, the newest revision that is not a draft.
A canary (script_canary_running) serves a sticky share of end users beside the live revision.
"""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery

from connections_admin.models import Connection

from .models import ScriptCanary, ScriptDeployment, ScriptRevision
from .script_templates import template_bodies
from .scripts import BY_KEY, SCRIPT_KEYS


def script_revision_blank(*, connection: Connection) -> ScriptRevision:
    """Revision 0, never stored: the blank stubs every connection starts from."""
    bodies = template_bodies("blank", connection_name=connection.name, context=connection.enable_script_context)
    return ScriptRevision(connection=connection, number=0, bodies=bodies, message="Blank template")


def script_revision_current(*, connection: Connection) -> ScriptRevision:
    """The newest revision, or the unsaved revision 0 (blank stubs) when nothing was saved yet."""
    newest = connection.script_revisions.select_related("author").order_by("-number").first()
    return newest or script_revision_blank(connection=connection)


def script_deployment(*, connection: Connection) -> ScriptDeployment:
    """The connection's deployment row; before its first live save or deploy an unsaved one (version 1) whose
    live revision is the newest that is not a draft (0, the blank stubs, when there is none)."""
    found = ScriptDeployment.objects.filter(connection_id=connection.pk).first()
    if found is not None:
        return found
    newest = connection.script_revisions.filter(is_draft=False).order_by("-number").values_list("number", flat=True)
    return ScriptDeployment(connection=connection, live_number=newest.first() or 0)


def script_revision_live_number(*, connection: Connection) -> int:
    """The number of the revision that serves logins (0: the blank stubs, nothing live saved yet)."""
    return script_deployment(connection=connection).live_number


def script_revision_live(*, connection: Connection) -> ScriptRevision:
    """The revision that serves logins (identity.runtime): never a draft, unless an admin deployed it (which
    clears is_draft). Revision 0 (blank stubs, unsaved) when nothing went live yet."""
    return script_revision_get(connection=connection, number=script_revision_live_number(connection=connection))


def script_canary_running(*, connection: Connection) -> ScriptCanary | None:
    """The canary serving a share of end users now, with its revision; None when there is none."""
    return connection.script_canaries.filter(state=ScriptCanary.State.RUNNING).select_related("revision").first()


def script_revision_current_for(*, connections: Iterable[Connection]) -> dict[int, ScriptRevision]:
    """{connection pk: current revision} for many connections in one query (revision 0 where none is saved)."""
    connections = list(connections)
    newest = ScriptRevision.objects.filter(connection=OuterRef("connection")).order_by("-number").values("number")[:1]
    found = {
        r.connection_id: r
        for r in ScriptRevision.objects.filter(connection__in=connections, number=Subquery(newest)).select_related(
            "author"
        )
    }
    return {c.pk: found.get(c.pk) or script_revision_blank(connection=c) for c in connections}


def script_revision_list(*, connection: Connection) -> QuerySet[ScriptRevision]:
    """The stored revisions, newest first (revision 0, the blank start, is never stored)."""
    return connection.script_revisions.select_related("author").order_by("-number")


def script_bodies_current(*, connection: Connection) -> dict[str, str]:
    """{script key: body} of all seven current scripts ("" = not implemented), for callers that need no revision."""
    return script_revision_current(connection=connection).scripts


def script_revision_get(*, connection: Connection, number: int) -> ScriptRevision:
    """One revision by number (0 is the blank start). Raises ScriptRevision.DoesNotExist."""
    if number == 0:
        return script_revision_blank(connection=connection)
    return connection.script_revisions.select_related("author").get(number=number)


def changed_scripts(old: dict[str, str], new: dict[str, str]) -> list[str]:
    return [key for key in SCRIPT_KEYS if old.get(key, "") != new.get(key, "")]


@dataclass(frozen=True)
class HistoryEntry:
    revision: ScriptRevision
    changed: list[str]  # script keys that differ from the revision before


def script_revision_history(*, connection: Connection) -> list[HistoryEntry]:
    """Every stored revision, newest first, with the scripts each one changed (one query)."""
    revisions = list(connection.script_revisions.select_related("author").order_by("number"))
    previous = script_revision_blank(connection=connection).scripts
    entries = []
    for revision in revisions:
        entries.append(HistoryEntry(revision=revision, changed=changed_scripts(previous, revision.scripts)))
        previous = revision.scripts
    return entries[::-1]


@dataclass(frozen=True)
class DiffRow:
    """One line of a diff: `kind` is context, del or add; side-by-side rows carry both sides."""

    kind: str
    old_number: int | None
    old_text: str | None
    new_number: int | None
    new_text: str | None
    new_kind: str = ""


@dataclass
class Hunk:
    header: str
    unified: list[DiffRow] = field(default_factory=list)
    split: list[DiffRow] = field(default_factory=list)


@dataclass(frozen=True)
class ScriptDiff:
    key: str
    title: str
    hunks: list[Hunk]
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.hunks)


def _diff_one(key: str, old: str, new: str, context_lines: int = 3) -> ScriptDiff:
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks, added, removed = [], 0, 0
    for group in matcher.get_grouped_opcodes(context_lines):
        first, last = group[0], group[-1]
        hunk = Hunk(header=f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset in range(i2 - i1):
                    row = DiffRow(
                        "context", i1 + offset + 1, a[i1 + offset], j1 + offset + 1, b[j1 + offset], "context"
                    )
                    hunk.unified.append(row)
                    hunk.split.append(row)
                continue
            removed, added = removed + (i2 - i1), added + (j2 - j1)
            hunk.unified += [DiffRow("del", i + 1, a[i], None, None) for i in range(i1, i2)]
            hunk.unified += [DiffRow("add", None, None, j + 1, b[j]) for j in range(j1, j2)]
            # Side by side: removed lines on the left face the added lines that replace them.
            for offset in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + offset, j1 + offset
                hunk.split.append(
                    DiffRow(
                        "del" if i < i2 else "empty",
                        i + 1 if i < i2 else None,
                        a[i] if i < i2 else None,
                        j + 1 if j < j2 else None,
                        b[j] if j < j2 else None,
                        "add" if j < j2 else "empty",
                    )
                )
        hunks.append(hunk)
    return ScriptDiff(key=key, title=BY_KEY[key].title, hunks=hunks, added=added, removed=removed)


def script_revision_diff(*, old: ScriptRevision, new: ScriptRevision) -> list[ScriptDiff]:
    """A line diff of each of the seven scripts from `old` to `new` (unchanged scripts have no hunks)."""
    old_scripts, new_scripts = old.scripts, new.scripts
    return [_diff_one(key, old_scripts[key], new_scripts[key]) for key in SCRIPT_KEYS]


def unified_diff_text(*, old: ScriptRevision, new: ScriptRevision) -> dict[str, str]:
    """{script key: unified diff text} for the scripts that differ, for the editor's conflict view."""
    out = {}
    for key in changed_scripts(old.scripts, new.scripts):
        lines = difflib.unified_diff(
            old.scripts[key].splitlines(),
            new.scripts[key].splitlines(),
            fromfile=f"{key} (revision {old.number})",
            tofile=f"{key} (revision {new.number})",
            lineterm="",
        )
        out[key] = "\n".join(lines)
    return out
