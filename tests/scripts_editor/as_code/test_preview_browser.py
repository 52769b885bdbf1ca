"""The import preview in a real browser: sixty untouched connections fold into one line, so the change and the
Confirm button are on the first screen, and confirming still imports."""

import json

import pytest
from django.urls import reverse

from connections_admin.models import Connection
from connections_admin.services import connection_create
from scripts_editor.as_code.export import connections_export, export_zip
from tests.fixtures.browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def repo_zip(editor, tmp_path):
    """An export of 61 connections in which only db-00's display name changed."""
    for i in range(61):
        connection_create(name=f"db-{i:02d}", display_name=f"DB {i}", by=editor)
    made = connections_export(layout="directory")
    path = next(p for p in made.files if p.endswith("db-00/database.json"))
    database = json.loads(made.files[path])
    database["display_name"] = "Renamed in git"
    made.files[path] = json.dumps(database, indent=2)
    archive = tmp_path / "repo.zip"
    archive.write_bytes(export_zip(export=made))
    return archive


def test_unchanged_connections_fold_into_one_line_and_confirm_is_on_screen(page_for, editor, repo_zip):
    page = page_for(editor)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(reverse("as_code:import"))
    page.get_by_label("Zip archive").set_input_files(str(repo_zip))
    page.get_by_role("button", name="Preview changes").click()
    page.wait_for_selector("[data-import-summary]")

    assert page.locator("section[data-action]").count() == 1  # only the change gets a card
    assert page.locator("section[data-connection='db-00'][data-action='update']").is_visible()
    folded = page.locator("details[data-unchanged]")
    assert folded.locator("summary").inner_text().startswith("60 connections unchanged")
    assert not folded.locator("[data-connection='db-42']").is_visible()
    confirm = page.get_by_role("button", name="Confirm import")
    box = confirm.bounding_box()
    assert box["y"] + box["height"] <= 768  # on the first screen at 1366×768, without scrolling
    assert axe_violations(page) == []

    folded.locator("summary").focus()
    page.keyboard.press("Enter")  # the keyboard opens the list of names
    assert folded.locator("[data-connection='db-42']").is_visible()

    confirm.click()
    page.wait_for_selector("text=Imported: 0 created, 1 changed, 0 deleted.")
    assert Connection.objects.get(name="db-00").display_name == "Renamed in git"
    assert Connection.objects.get(name="db-42").display_name == "DB 42"
