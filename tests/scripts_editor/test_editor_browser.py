"""The editor in a real browser: edit two scripts, save, find the revision in history, and resolve a
conflict between two admins editing at once."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from scripts_editor.models import ScriptRevision
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_editor(db):
    user = UserFactory(username="second-editor")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_connection", "change_connection"]))
    return user


def open_editor(page, connection):
    page.goto(f"/connections/{connection.public_id}/scripts/")
    expect(page.locator(".cm-content")).to_be_visible()
    return page


def tab(page, key):
    return page.locator(f'#script-tabs [data-script="{key}"]')


def append_line(page, key, text):
    """Type at the end of one script, as a person would."""
    tab(page, key).click()
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n{text}")
    page.keyboard.press("Escape")  # close any completion popup


def test_an_admin_edits_two_scripts_saves_them_together_and_sees_the_revision(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    append_line(page, "login", "// checked against the legacy table")
    append_line(page, "verify", "// verification is optional here")
    expect(tab(page, "login").locator(".changed-mark")).to_be_visible()
    expect(tab(page, "verify").locator(".changed-mark")).to_be_visible()
    expect(tab(page, "create").locator(".changed-mark")).to_be_hidden()

    page.fill("#save-message", "Notes on login and verify")
    page.keyboard.press("Control+s")
    expect(page.locator("#status")).to_have_text("Saved all scripts as revision 1.")
    expect(tab(page, "login").locator(".changed-mark")).to_be_hidden()

    revision = ScriptRevision.objects.get(connection=connection)
    assert revision.bodies["login"].endswith("// checked against the legacy table")
    assert revision.bodies["verify"].endswith("// verification is optional here")
    assert revision.message == "Notes on login and verify" and revision.author == editor

    page.click("text=History")
    row = page.locator('#history tr[data-revision="1"]')
    expect(row).to_contain_text("editor")
    expect(row).to_contain_text("Notes on login and verify")


def test_live_findings_appear_while_typing(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    append_line(page, "verify", "console.log(configuration.SECRET = 'hunter2-secret');")
    expect(page.locator('#findings [data-rule="hardcoded-secret"]')).to_be_visible()
    expect(page.locator(".cm-lint-marker-warning").first).to_be_visible()


def test_a_conflict_shows_their_changes_keeps_mine_and_saves_both(page_for, editor, second_editor, connection):
    first = open_editor(page_for(editor), connection)
    second = open_editor(page_for(second_editor), connection)

    append_line(first, "create", "// first admin was here")
    first.click("#save-button")
    expect(first.locator("#status")).to_have_text("Saved all scripts as revision 1.")

    append_line(second, "delete", "// second admin was here")
    second.click("#save-button")
    conflict = second.locator("#conflict")
    expect(conflict).to_contain_text("revision 1 was saved by editor")
    expect(conflict.locator('details[data-script="create"]')).to_contain_text("+// first admin was here")
    assert ScriptRevision.objects.count() == 1
    # Nothing of the second admin's is lost: the text is still in the editor, marked as changed.
    expect(second.locator(".cm-content")).to_contain_text("// second admin was here")
    expect(tab(second, "delete").locator(".changed-mark")).to_be_visible()

    second.click('#conflict [data-action="rebase"]')
    expect(second.locator("#status")).to_contain_text("on top of revision 1")
    tab(second, "create").click()
    expect(second.locator(".cm-content")).to_contain_text("// first admin was here")
    second.click("#save-button")
    expect(second.locator("#status")).to_have_text("Saved all scripts as revision 2.")

    newest = ScriptRevision.objects.get(connection=connection, number=2)
    assert newest.bodies["create"].endswith("// first admin was here")
    assert newest.bodies["delete"].endswith("// second admin was here")


def test_loading_a_template_over_unsaved_text_asks_first(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    append_line(page, "login", "// keep me")
    page.select_option("#template-select", "postgres")

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#template-load")
    expect(page.locator(".cm-content")).to_contain_text("// keep me")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#template-load")
    expect(page.locator(".cm-content")).to_contain_text("require('pg')")
    expect(page.locator("#status")).to_contain_text(re.compile("nothing is stored until you Save"))
    assert not ScriptRevision.objects.exists()


def test_viewers_get_a_read_only_editor(page_for, viewer, connection):
    page = open_editor(page_for(viewer), connection)
    expect(page.locator(".cm-content")).to_have_attribute("contenteditable", "false")
    expect(page.locator("#save-button")).to_have_count(0)


def test_after_the_first_save_the_header_describes_the_saved_revision(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    header = page.locator("#revision-info")
    expect(header).to_contain_text("Not saved yet")
    page.select_option("#template-select", "postgres")
    page.click("#template-load")
    page.locator(".cm-content").click()
    page.keyboard.press("Control+s")

    expect(page.locator("#status")).to_have_text("Saved all scripts as revision 1.")
    expect(header).to_contain_text("Revision 1, saved just now by editor")
    expect(header).not_to_contain_text("Not saved yet")
    expect(header.locator("a", has_text="History")).to_be_visible()


def test_after_a_conflict_the_header_names_the_revision_now_edited(page_for, editor, second_editor, connection):
    first = open_editor(page_for(editor), connection)
    second = open_editor(page_for(second_editor), connection)
    append_line(first, "create", "// first")
    first.click("#save-button")
    expect(first.locator("#status")).to_have_text("Saved all scripts as revision 1.")

    append_line(second, "delete", "// second")
    second.click("#save-button")
    second.click('#conflict [data-action="rebase"]')

    expect(second.locator("#revision-info")).to_contain_text("Revision 1 by editor")
    expect(second.locator("#revision-info")).not_to_contain_text("Not saved yet")


@pytest.mark.parametrize("width", [1280, 800])
def test_the_header_fits_save_stays_with_its_message_and_the_editor_stays_inside_the_page(
    page_for, editor, connection, width
):
    page = page_for(editor)
    page.set_viewport_size({"width": width, "height": 900})
    open_editor(page, connection)

    message, save = page.locator("#save-message").bounding_box(), page.locator("#save-button").bounding_box()
    assert abs(message["y"] - save["y"]) < 2 and save["x"] > message["x"]  # on one row, Save after the message
    placeholder = page.evaluate("""() => { const input = document.getElementById("save-message");
      const style = getComputedStyle(input), context = document.createElement("canvas").getContext("2d");
      context.font = `${style.fontSize} ${style.fontFamily}`;
      return [context.measureText(input.placeholder).width, input.clientWidth - parseFloat(style.paddingLeft)
              - parseFloat(style.paddingRight)]; }""")
    assert placeholder[0] <= placeholder[1]  # "What changed? (optional)" is not cut off
    frame = page.locator(".editor-frame").bounding_box()
    assert frame["x"] + frame["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_template_menu_prompts_instead_of_naming_the_current_scripts(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    select, load = page.locator("#template-select"), page.locator("#template-load")
    expect(select).to_have_value("")
    expect(select.locator("option:checked")).to_have_text("Choose a template…")
    expect(load).to_be_disabled()

    select.select_option("rest_api")
    expect(load).to_be_enabled()
    load.click()
    expect(page.locator(".cm-content")).to_contain_text("API_URL")
    expect(select).to_have_value("")  # edited scripts are no longer "the template"


def test_a_script_both_changed_is_merged_by_hand_and_nothing_is_dropped(page_for, editor, second_editor, connection):
    first = open_editor(page_for(editor), connection)
    second = open_editor(page_for(second_editor), connection)
    append_line(first, "login", "// first admin's login line")
    append_line(first, "create", "// first admin's create line")
    first.click("#save-button")
    expect(first.locator("#status")).to_have_text("Saved all scripts as revision 1.")

    append_line(second, "login", "// second admin's login line")
    append_line(second, "delete", "// second admin's delete line")
    second.click("#save-button")
    conflict = second.locator("#conflict")
    expect(conflict).to_contain_text("Merging takes their Create.")
    expect(conflict).to_contain_text("It keeps your Delete.")
    expect(conflict).to_contain_text("Both of you changed Login")
    second.click('#conflict [data-action="rebase"]')

    merge = second.locator('[data-merge="login"]')
    expect(merge.locator(".cm-mergeView")).to_be_visible()
    expect(merge.locator(".cm-merge-revert button").first).to_be_visible()  # arrows copy their chunks
    second.click("#save-button")
    expect(second.locator("#status")).to_contain_text("Merge Login first")
    assert ScriptRevision.objects.count() == 1

    # Resolve: keep both lines on the right (mine) side, then use it.
    mine = merge.locator(".cm-mergeViewEditor").nth(1).locator(".cm-content")
    mine.click()
    second.keyboard.press("Control+End")
    second.keyboard.type("\n// first admin's login line")
    second.keyboard.press("Escape")
    merge.locator('[data-action="merge-done"]').click()
    expect(second.locator("#status")).to_contain_text("on top of revision 1")
    second.click("#save-button")
    expect(second.locator("#status")).to_have_text("Saved all scripts as revision 2.")

    newest = ScriptRevision.objects.get(connection=connection, number=2).bodies
    assert "// first admin's login line" in newest["login"] and "// second admin's login line" in newest["login"]
    assert newest["create"].endswith("// first admin's create line")
    assert newest["delete"].endswith("// second admin's delete line")
