"""The Try panel in a real browser, with a real Celery worker on Redis and the real scriptd: edit the login
script (unsaved), try it, see its line live and then the result, the password redacted, and the run in history."""

import re

import pytest
from playwright.sync_api import expect

from scripts_editor.models import ScriptRevision, ScriptRun

pytestmark = [pytest.mark.browser, pytest.mark.scriptd, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-typed-pa55"
DRAFT = (
    "function login(email, password, callback) {\n"
    "  console.log('hello from the draft', email, password);\n"
    "  setTimeout(function () { callback(null, { user_id: 'u-' + email, email: email }); }, 1500);\n}\n"
)


def test_an_admin_tries_an_unsaved_login_script_and_finds_the_run_in_history(
    page_for, editor, connection, celery_worker_on_redis, scriptd_for_runs
):
    page = page_for(editor)
    page.goto(f"/connections/{connection.public_id}/scripts/")
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(DRAFT)  # inserted as is: no auto-closed brackets

    expect(page.locator("#try-script")).to_have_value("login")
    page.fill("#try-input-email", "ada@example.com")
    page.fill("#try-input-password", PASSWORD)
    page.keyboard.press("Control+Enter")

    lines, status = page.locator("#try-output [data-run-lines]"), page.locator("#try-output [data-run-status]")
    expect(lines).to_contain_text("hello from the draft ada@example.com")
    assert status.get_attribute("data-state") == "running"  # the line arrived while the script still ran
    expect(status).to_have_text("succeeded", timeout=15_000)
    expect(page.locator("#try-output [data-run-result]")).to_contain_text('"user_id": "u-ada@example.com"')
    expect(page.locator("#try-output [data-run-explanation]")).to_contain_text("The user logs in")
    assert PASSWORD not in lines.inner_text()

    run = ScriptRun.objects.get()
    assert run.revision is None and "hello from the draft" in run.source and not ScriptRevision.objects.exists()

    page.click("#try-history-link")
    row = page.locator(f'#runs tr[data-run="{run.id}"]')
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text("unsaved draft")
    row.locator("text=Open").click()
    expect(page).to_have_url(re.compile(f"/runs/{run.id}/$"))
    expect(page.locator("#run-arguments")).to_contain_text('"password": "********"')
    expect(page.locator("#run-output [data-run-lines]")).to_contain_text("hello from the draft")
    expect(page.locator("#run-output [data-run-status]")).to_have_text("succeeded")
    assert PASSWORD not in page.content()
    # "Run again" asks for the password again instead of reusing one.
    expect(page.locator("#run-again #try-input-password")).to_have_value("")
    expect(page.locator("#run-again #try-input-email")).to_have_value("ada@example.com")
