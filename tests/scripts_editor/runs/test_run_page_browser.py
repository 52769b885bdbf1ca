"""The run page in a real browser, without scriptd: runs are stored rows and "run again" is answered by a
stubbed start endpoint, so only the page's own behaviour is under test."""

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from scripts_editor.models import ScriptRun
from tests.scripts_editor.runs.conftest import LOGIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WRONG = {
    "name": "WrongUsernameOrPasswordError",
    "message": "Wrong email or password.",
    "code": "wrongusernameorpassword",
    "statusCode": 400,
    "stack": "WrongUsernameOrPasswordError: Wrong email or password.\n    at login (login.js:3:14)",
}


def a_run(connection, editor, **fields):
    values = {
        "connection": connection,
        "script": "login",
        "source": LOGIN,
        "timeout_s": 20,
        "arguments": {"email": "ada@example.com", "password": "********"},
        "status": "succeeded",
        "result": {"user_id": "u1"},
        "duration_ms": 2.0,
        "requested_by": editor,
        "requested_by_label": "editor",
    }
    return ScriptRun.objects.create(**(values | fields))


def run_url(connection, run, name="run-detail"):
    return reverse(f"scripts_editor:{name}", args=[connection.public_id, run.id])


def test_an_error_is_shown_once_with_its_fields_and_stack_frames(page_for, editor, connection):
    run = a_run(connection, editor, status="failed", result=None, error=WRONG)
    page = page_for(editor)
    page.goto(run_url(connection, run))

    result = page.locator("#run-output [data-run-result]")
    expect(result).to_contain_text("at login (login.js:3:14)")
    text = result.inner_text()
    assert text.count("Wrong email or password.") == 1
    assert text.startswith("WrongUsernameOrPasswordError: Wrong email or password.")
    assert 'code: "wrongusernameorpassword"' in text


def test_run_again_leaves_the_new_runs_url_in_the_address_bar(page_for, editor, connection):
    old, new = a_run(connection, editor), a_run(connection, editor)
    page = page_for(editor)
    # The start endpoint answers with the already stored `new` run (no worker or scriptd needed).
    page.route(
        re.compile(r".*/runs/start/$"),
        lambda route: route.fulfill(
            status=202,
            content_type="application/json",
            body=json.dumps(
                {
                    "id": str(new.id),
                    "state": "queued",
                    "url": run_url(connection, new),
                    "pollUrl": run_url(connection, new, "run-poll"),
                }
            ),
        ),
    )
    page.goto(run_url(connection, old))
    page.fill("#run-again #try-input-password", "typed-again")
    page.click("#run-again button[type=submit]")

    expect(page).to_have_url(re.compile(f"/runs/{new.id}/$"))
    expect(page.locator("h2")).to_contain_text(str(new.id))


def test_run_again_asks_for_the_password_instead_of_running_with_an_empty_one(page_for, editor, connection):
    old = a_run(connection, editor)
    page = page_for(editor)
    started = []
    page.on("request", lambda request: started.append(request.url) if "/runs/start/" in request.url else None)
    page.goto(run_url(connection, old))
    page.click("#run-again button[type=submit]")

    expect(page.locator("#run-again-errors")).to_contain_text("Type the password again")
    expect(page.locator("#run-again #try-input-password")).to_be_focused()
    expect(page.locator("#run-again #try-input-password")).to_have_attribute("aria-invalid", "true")
    assert not started and ScriptRun.objects.count() == 1
