"""The Settings page in a real browser: "What runs now" follows the switches before saving, and turning
"Use my own database" off asks first, counting the users it locks out."""

import re

import pytest
from playwright.sync_api import expect

from connections_admin.models import Connection
from identity.models import ManagedUser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def migrating(connection):
    connection.use_own_database, connection.import_users = True, True
    connection.save()
    for n in range(3):  # known to Trickle, password still only in the legacy store
        ManagedUser.objects.create(connection=connection, user_id=f"legacy-{n}", email=f"u{n}@example.com")
    ManagedUser.objects.create(connection=connection, user_id="moved", email="moved@example.com", is_managed=True)
    return connection


def test_what_runs_now_follows_the_switches_before_saving(page_for, editor, migrating):
    page = page_for(editor)
    page.goto(f"/connections/{migrating.public_id}/")
    expect(page.locator('[data-runs-when="migrate"]')).to_be_visible()
    page.locator("#id_import_users").uncheck()
    expect(page.locator('[data-runs-when="legacy"]')).to_be_visible()
    expect(page.locator('[data-runs-when="migrate"]')).to_be_hidden()
    expect(page.locator("[data-runs-unsaved]")).to_be_visible()
    page.locator("#id_use_own_database").uncheck()
    expect(page.locator('[data-runs-when="off"]')).to_be_visible()


def test_turning_use_my_own_database_off_asks_and_counts_the_users_locked_out(page_for, editor, migrating):
    page = page_for(editor)
    page.goto(f"/connections/{migrating.public_id}/")
    page.locator("#id_import_users").uncheck()  # migration needs the scripts: both go off together
    page.locator("#id_use_own_database").uncheck()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("text=Save settings")
    expect(page.locator('[data-runs-when="off"]')).to_be_visible()
    assert "3 users Trickle knows of are still only in the legacy store" in asked[0]
    assert Connection.objects.get(pk=migrating.pk).use_own_database

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Save settings")
    expect(page.locator(".alert-success")).to_contain_text("Settings saved.")
    assert not Connection.objects.get(pk=migrating.pk).use_own_database


def test_the_dashboard_enables_the_script_context_which_then_stays_on(page_for, editor, connection):
    page = page_for(editor)
    page.goto(f"/connections/{connection.public_id}/")
    switch = page.get_by_label("Enable script context")
    expect(switch).to_be_enabled()
    switch.check()
    page.click("text=Save settings")
    expect(page.locator(".alert-success")).to_contain_text("Settings saved.")
    assert Connection.objects.get(pk=connection.pk).enable_script_context

    expect(page.get_by_label("Enable script context")).to_be_checked()
    expect(page.get_by_label("Enable script context")).to_be_disabled()  # Auth0's rule: on for good
    page.click("text=Save settings")
    expect(page.locator(".alert-success")).to_contain_text("Settings saved.")
    assert Connection.objects.get(pk=connection.pk).enable_script_context
    page.goto(f"/connections/{connection.public_id}/scripts/")
    expect(page.locator("#script-info")).to_contain_text("function login(userNameOrEmail, password, context, callback)")


def test_the_403_page_tells_non_staff_users_what_they_need_and_never_loops_back(page_for, outsider, viewer, connection):
    outsider.is_staff = False
    outsider.save()
    page = page_for(outsider)
    response = page.goto("/connections/")
    assert response.status == 403
    expect(page.locator("[data-why]")).to_contain_text("is not a staff account")
    expect(page.locator("[data-back]")).to_have_count(0)  # "Back to connections" would be this same 403
    page.locator("[data-switch-account]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    page = page_for(viewer)  # a viewer refused an edit: the way back leads to pages it may read
    assert page.goto(f"/connections/{connection.public_id}/delete/").status == 403
    expect(page.locator("[data-why]")).to_contain_text("can view connections but lacks the permission")
    page.locator("[data-back]").click()
    expect(page.locator("h1")).to_contain_text("Connections")
