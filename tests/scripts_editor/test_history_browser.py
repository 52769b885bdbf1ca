"""History in a real browser: each older revision has its own readable Restore, which asks first and refuses a
stale page."""

import pytest
from django.urls import reverse

from scripts_editor.models import ScriptRevision
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save
from tests.fixtures.browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save(connection, editor, body, base):
    scripts_save(
        connection=connection, scripts={k: "" for k in SCRIPT_KEYS} | {"verify": body}, base_number=base, by=editor
    )


@pytest.fixture
def three_revisions(connection, editor):
    for n in range(3):
        save(connection, editor, f"function verify(e, cb) {{ cb(null, {n}); }}", n)
    return connection


def test_each_older_revision_has_its_own_restore_in_its_row(page_for, editor, three_revisions):
    page = page_for(editor)
    page.goto(reverse("scripts_editor:history", args=[three_revisions.public_id]))
    for number in (1, 2):
        row = page.locator(f"tr[data-revision='{number}']")
        assert row.get_by_role("button", name=f"Restore revision {number}").is_visible()
    assert page.locator("tr[data-revision='3']").get_by_role("button", name="Restore").count() == 0
    assert axe_violations(page) == []  # colour contrast included


def test_restore_asks_first_then_restores_as_a_new_revision(page_for, editor, three_revisions):
    page = page_for(editor)
    page.goto(reverse("scripts_editor:history", args=[three_revisions.public_id]))
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Restore revision 1").click()
    assert asked == ["Restore revision 1? Its scripts become a new revision 4; nothing is deleted."]
    assert ScriptRevision.objects.count() == 3

    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="Restore revision 1").click()
    page.wait_for_selector("text=Revision 1 restored as revision 4.")
    newest = ScriptRevision.objects.order_by("-number").first()
    assert (newest.number, newest.restored_from) == (4, 1)


def test_restoring_from_a_stale_page_restores_nothing(page_for, editor, three_revisions):
    page = page_for(editor)
    page.goto(reverse("scripts_editor:history", args=[three_revisions.public_id]))
    save(three_revisions, editor, "function verify(e, cb) { cb(null, 'theirs'); }", 3)  # someone else saves
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Restore revision 2").click()
    page.wait_for_selector("text=nothing was restored")
    assert ScriptRevision.objects.count() == 4


def test_viewers_get_no_restore_button(page_for, viewer, three_revisions):
    page = page_for(viewer)
    page.goto(reverse("scripts_editor:history", args=[three_revisions.public_id]))
    assert page.get_by_role("button", name="Restore").count() == 0
