"""Activity in a real browser: Try connection tests are hidden by default, and one switch shows them."""

import pytest
from django.urls import reverse

from identity import services as identity
from identity.exceptions import FlowFailed
from tests.fixtures.browser import axe_violations
from tests.identity.conftest import connection_in_mode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy(editor):
    """A managed connection (no script runs) with one real failed login and three Try connection tests."""
    connection = connection_in_mode(name="busy-db", mode="managed", by=editor)
    for who, from_try in [("real@example.com", False)] + [("test@example.com", True)] * 3:
        with pytest.raises(FlowFailed):
            identity.user_login(connection=connection, username=who, password="pw", by=editor, from_try=from_try)
    return connection


def test_try_connection_tests_are_hidden_until_the_switch_shows_them(page_for, editor, busy):
    page = page_for(editor)
    page.goto(reverse("connections_admin:connection-activity", args=[busy.public_id]))
    body = page.locator("tbody")
    assert "real@example.com" in body.inner_text() and "test@example.com" not in body.inner_text()
    assert page.locator("[data-hidden-tries]").inner_text() == "3 tests hidden."
    switch = page.get_by_role("switch", name="Include Try connection tests (3)")
    assert not switch.is_checked()
    assert axe_violations(page) == []

    switch.focus()
    page.keyboard.press("Space")
    page.wait_for_url("**/activity/?tries=1")
    assert page.locator("tbody").inner_text().count("test@example.com") == 3
    assert page.get_by_role("switch", name="Include Try connection tests (3)").is_checked()

    page.get_by_role("switch", name="Include Try connection tests (3)").uncheck()
    page.wait_for_url("**/activity/?")
    assert "test@example.com" not in page.locator("tbody").inner_text()
