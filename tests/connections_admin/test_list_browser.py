"""The connection list in a real browser: it pages, searches as you type, and shows dates in local time."""

import datetime as dt

import pytest

from connections_admin import services
from connections_admin.models import Connection
from tests.fixtures.browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thirty(editor):
    for i in range(30):
        services.connection_create(name=f"db-{i:02d}", by=editor)
    services.connection_create(name="zebra-legacy", by=editor)


def test_typing_filters_the_list_without_enter(page_for, editor, thirty):
    page = page_for(editor)
    page.goto("/connections/")
    assert page.locator("tbody tr").count() == 25
    page.get_by_label("Search connections by name").press_sequentially("zebra")
    page.wait_for_function("document.querySelectorAll('#connection-results tbody tr').length === 1")
    assert page.locator("tbody tr").inner_text().startswith("zebra-legacy")
    assert "q=zebra" in page.url  # a reload or a shared link keeps the search
    assert "1 connection matching" in page.locator("[data-live-search-status]").text_content()
    page.get_by_label("Search connections by name").fill("")
    page.wait_for_function("document.querySelectorAll('#connection-results tbody tr').length === 25")


def test_the_list_has_a_second_page_the_keyboard_reaches(page_for, editor, thirty):
    page = page_for(editor)
    page.goto("/connections/")
    pager = page.get_by_role("navigation", name="Connection list pages")
    assert "page 1 of 2" in page.locator("[data-result-count]").inner_text()
    pager.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/connections/?page=2")
    names = page.locator("tbody tr td:first-child a").all_inner_texts()
    assert names == [f"db-{i:02d}" for i in range(25, 30)] + ["zebra-legacy"]
    assert pager.get_by_role("link", name="Page 2").get_attribute("aria-current") == "page"
    assert axe_violations(page) == []


def test_the_pager_keeps_the_search_term(page_for, editor, thirty):
    page = page_for(editor)
    page.goto("/connections/?q=db-")
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**/connections/?q=db-&page=2")
    assert page.locator("tbody tr").count() == 5 and "zebra" not in page.content()


def test_without_javascript_enter_still_searches(browser, live_server, plain_static_urls, editor, thirty):
    from tests.fixtures.browser import log_in

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        log_in(context, live_server, editor)
        page = context.new_page()
        page.goto("/connections/")
        page.get_by_label("Search connections by name").fill("zebra")
        page.keyboard.press("Enter")
        page.wait_for_url("**/connections/?q=zebra")
        assert page.locator("tbody tr").count() == 1
    finally:
        context.close()


def test_dates_show_in_the_viewers_time_zone_with_utc_on_hover(browser, live_server, plain_static_urls, editor):
    from tests.fixtures.browser import log_in

    connection = services.connection_create(name="tz-db", by=editor)
    Connection.objects.filter(pk=connection.pk).update(updated_at=dt.datetime(2026, 1, 15, 23, 30, 5, tzinfo=dt.UTC))
    context = browser.new_context(base_url=live_server.url, timezone_id="Asia/Tokyo")
    try:
        log_in(context, live_server, editor)
        page = context.new_page()
        page.goto("/connections/")
        when = page.locator("tbody tr time")
        assert when.inner_text() == "2026-01-16 08:30:05 GMT+9"
        assert when.get_attribute("title") == "2026-01-15 23:30:05 UTC"
        assert when.get_attribute("datetime") == "2026-01-15T23:30:05Z"
        assert "ago" not in page.locator("main").inner_text()
    finally:
        context.close()
