"""At phone width the navbar folds behind one Menu button, and Sign out is reachable on screen."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_at_phone_width_the_menu_folds_and_sign_out_is_on_screen(page_for, editor):
    page = page_for(editor)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("connections_admin:connection-list"))
    sign_out = page.get_by_role("button", name="Sign out")
    assert not sign_out.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing pushed off to the side

    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    sign_out.wait_for(state="visible")
    box = sign_out.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    assert menu.get_attribute("aria-expanded") == "true"
    sign_out.click()
    page.wait_for_url("**/accounts/login/**")


def test_at_desktop_width_sign_out_shows_without_a_menu(page_for, editor):
    page = page_for(editor)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(reverse("connections_admin:connection-list"))
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()
