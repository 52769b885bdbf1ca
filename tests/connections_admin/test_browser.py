"""A real browser walks the foundation: sign in, create a connection, flip both switches, add a secret."""

import re

import pytest

from connections_admin.models import Connection
from connections_admin.selectors import configuration_for_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "browser-secret-4242"


def test_an_editor_signs_in_creates_a_connection_toggles_and_adds_a_masked_variable(
    browser, live_server, plain_static_urls, editor
):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/connections/")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", "editor")
        page.fill("#id_password", "correct horse battery staple")
        page.keyboard.press("Enter")
        page.get_by_role("link", name="Create your first connection").click()

        page.fill("#id_name", "browser-db")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Connection browser-db created.")
        connection = Connection.objects.get(name="browser-db")

        page.get_by_label("Use my own database").check()
        page.get_by_label("Import users").check()
        page.get_by_role("button", name="Save settings").click()
        page.wait_for_selector("text=Settings saved.")
        assert page.locator(".badge", has_text="Automatic migration").first.is_visible()
        connection.refresh_from_db()
        assert (connection.use_own_database, connection.import_users) == (True, True)

        page.get_by_role("link", name="Configuration").click()
        page.fill("#id_key", "DB_PASSWORD")
        page.fill("#id_value", SECRET)
        page.get_by_role("button", name="Set variable").click()
        page.wait_for_selector("text=Variable DB_PASSWORD saved.")
        row = page.locator("tr", has_text="DB_PASSWORD")
        assert "••••••••" in row.inner_text()
        assert SECRET not in page.content()
        assert configuration_for_run(connection=connection) == {"DB_PASSWORD": SECRET}

        page.get_by_role("link", name="Activity").click()
        assert re.search(r"Variable\s*Set", page.content(), re.I)
        assert SECRET not in page.content()
    finally:
        context.close()
