"""A real browser walks a migration: a first login migrates a user, a second is answered locally, and the
Migration tab's chart counts end users' logins, with the admin's Try connection tests counted apart."""

import pytest

from identity import services
from identity.models import ManagedUser

from .conftest import connection_in_mode
from .legacy_scripts import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.scriptd, pytest.mark.django_db(transaction=True)]


def _log_in(page, connection, username):
    page.goto(f"/connections/{connection.public_id}/try/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page.locator("[data-path]").get_attribute("data-path")


def test_a_first_login_migrates_a_second_is_local_and_the_chart_counts_tries_apart(runtime, page_for, editor):
    connection = connection_in_mode(name="old-shop", mode="migration")
    page = page_for(editor)

    assert _log_in(page, connection, "ada@legacy.test") == "migrated"
    assert page.locator("[data-logs]").inner_text().startswith("[log] legacy login ok for ada@legacy.test")
    assert ManagedUser.objects.get().is_managed
    assert _log_in(page, connection, "ada") == "managed"
    assert page.get_by_text("None: the managed store answered.").is_visible()

    page.get_by_role("link", name="Users").click()
    assert page.locator('[data-user="ada@legacy.test"] [data-logins]').inner_text() == "2"
    services.user_login(connection=connection, username="bob@legacy.test", password=PASSWORD)  # an end user

    page.get_by_role("link", name="Migration").click()
    page.wait_for_function("document.getElementById('migration-chart').chart !== undefined")
    drawn = page.evaluate("""() => Object.fromEntries(document.getElementById('migration-chart').chart.data.datasets
        .map(d => [d.label, d.data.reduce((a, b) => a + b, 0)]))""")
    assert drawn["logins answered locally"] == 0  # ada's second login was a Try connection test
    assert drawn["logins answered by the legacy store"] == 1  # bob's
    assert page.locator('[data-total="migrated"]').inner_text() == "1"  # bob; ada was migrated by a test
    assert page.locator('[data-total="try_logins"]').inner_text() == "2"
    assert page.locator('[data-total="try_migrated"]').inner_text() == "1"
