"""The editor's keyboard: Ctrl/Cmd-Enter only runs, Tab indents (Escape then Tab leaves), the script tabs
answer arrow keys; and what a save says: the blank-stub warning goes, error findings ask "Save anyway"."""

import pytest
from playwright.sync_api import expect

from connections_admin.services import configuration_variable_set
from scripts_editor.models import ScriptRevision
from tests.scripts_editor.test_editor_browser import append_line, open_editor, tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ctrl_enter_runs_the_script_without_changing_it(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    starts = []
    page.route("**/runs/start/", lambda route: (starts.append(route.request.post_data_json), route.abort()))
    before = page.evaluate("document.querySelector('.cm-content').innerText")
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#try-output [data-run-status]")).to_have_text("not run")  # the request was aborted
    assert len(starts) == 1 and starts[0]["script"] == "login"
    assert page.evaluate("document.querySelector('.cm-content').innerText") == before
    expect(tab(page, "login").locator(".changed-mark")).to_be_hidden()  # nothing to save


def test_tab_indents_and_escape_then_tab_leaves_the_editor(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    page.locator(".cm-content").click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('.cm-line').textContent").startswith("  function")
    expect(page.locator(".cm-content")).to_be_focused()

    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(page.locator(".cm-content")).not_to_be_focused()


def test_the_script_tabs_answer_arrow_home_and_end(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    tab(page, "login").focus()
    page.keyboard.press("ArrowRight")
    expect(tab(page, "get_user")).to_be_focused()
    expect(tab(page, "get_user")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#try-script")).to_have_value("get_user")
    page.keyboard.press("End")
    expect(tab(page, "change_email")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")  # wraps around
    expect(tab(page, "login")).to_be_focused()
    assert tab(page, "verify").get_attribute("tabindex") == "-1"  # one tab stop for the whole list


def test_the_blank_stub_warning_goes_after_the_first_save(page_for, editor, connection):
    connection.use_own_database = True
    connection.save()
    page = open_editor(page_for(editor), connection)
    expect(page.locator("[data-stub-warning]")).to_be_visible()
    page.select_option("#template-select", "postgres")
    page.click("#template-load")
    page.click("#save-button")
    expect(page.locator("#status")).to_have_text("Saved all scripts as revision 1.")
    expect(page.locator("[data-stub-warning]")).to_have_count(0)


def test_an_error_finding_asks_before_saving_and_save_anyway_saves(page_for, editor, connection):
    page = open_editor(page_for(editor), connection)
    append_line(page, "login", "function logIt(password) { console.log('pw', password); }")
    page.keyboard.press("Control+s")

    check = page.locator("#save-check")
    expect(check).to_contain_text("Save anyway?")
    expect(check).to_contain_text("Login, line")
    assert not ScriptRevision.objects.exists()

    check.locator('[data-action="save-cancel"]').click()
    expect(check).to_be_empty()
    assert not ScriptRevision.objects.exists()

    page.click("#save-button")
    page.locator('#save-check [data-action="save-anyway"]').click()
    expect(page.locator("#status")).to_have_text("Saved all scripts as revision 1.")
    assert ScriptRevision.objects.get().bodies["login"].endswith("console.log('pw', password); }")


def test_a_missing_configuration_key_is_linted_and_offered_for_adding(page_for, editor, connection):
    configuration_variable_set(connection=connection, key="API_URL", value="https://legacy.example.com", by=editor)
    page = open_editor(page_for(editor), connection)
    page.select_option("#template-select", "rest_api")
    page.click("#template-load")
    finding = page.locator('#findings [data-rule="missing-configuration"]').first
    expect(finding).to_contain_text("configuration.API_TOKEN, which this connection does not define")
    expect(page.locator('#findings [data-rule="missing-configuration"]', has_text="API_URL,")).to_have_count(0)

    offer = page.locator('#findings [data-add-configuration="API_TOKEN"]').first
    with page.context.expect_page() as opened:
        offer.click()
    configuration = opened.value
    expect(configuration.locator("#id_key")).to_have_value("API_TOKEN")
