"""Draft and deploy in a real browser, by keyboard: Save as draft (Ctrl+Shift+S and the button), History shows
live and draft, Deploy from the row makes the draft live."""

import pytest
from playwright.sync_api import expect

from scripts_editor import selectors

from .test_editor_browser import append_line, open_editor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_saves_a_draft_by_keyboard_and_deploys_it_from_history(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    append_line(page, "verify", "// live one")
    page.keyboard.press("Control+s")
    expect(page.locator("#status")).to_have_text("Saved all scripts as revision 1.")

    append_line(page, "verify", "// a draft")
    page.keyboard.press("Control+Shift+s")
    expect(page.locator("#status")).to_contain_text("Saved as draft revision 2: logins still use revision 1.")
    expect(page.locator("#live-summary")).to_contain_text("draft")

    append_line(page, "verify", "// another draft")
    page.focus("#save-draft-button")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Saved as draft revision 3")
    assert selectors.script_revision_live_number(connection=connection) == 1

    page.goto(f"/connections/{connection.public_id}/scripts/history/")
    expect(page.locator('tr[data-revision="1"] [data-live]')).to_be_visible()
    expect(page.locator('tr[data-revision="3"] [data-draft]')).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())  # "Deploy revision 3? It serves every login at once."
    page.focus('[data-deploy="3"]')
    page.keyboard.press("Enter")
    expect(page.locator(".alert-success, .alert")).to_contain_text(["Revision 3 is live"])
    expect(page.locator('tr[data-revision="3"] [data-live]')).to_be_visible()
    assert selectors.script_revision_live_number(connection=connection) == 3
