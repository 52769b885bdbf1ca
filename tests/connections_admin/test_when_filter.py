"""The `when` filter: the dashboard's one way to print a moment (UTC on the page and on hover; local by script)."""

import datetime as dt
from zoneinfo import ZoneInfo

from connections_admin.templatetags.trickle import when


def test_a_moment_in_any_zone_is_printed_in_utc_with_its_iso_form():
    moment = dt.datetime(2026, 3, 1, 9, 5, 7, tzinfo=ZoneInfo("Europe/Paris"))
    assert when(moment) == (
        '<time datetime="2026-03-01T08:05:07Z" title="2026-03-01 08:05:07 UTC" data-local-time>'
        "2026-03-01 08:05:07 UTC</time>"
    )


def test_the_logs_iso_strings_are_read_too():
    assert 'datetime="2026-03-01T08:05:07.123000Z"' in when("2026-03-01T08:05:07.123Z")


def test_nothing_prints_the_default_escaped():
    assert when(None) == "—" and when(None, "never") == "never"
    assert str(when("", "<b>")) == "<b>"  # escaped by the template's autoescape, as a plain str
