"""Template filters shared by every app's pages."""

import json
from datetime import UTC, datetime

from django import template
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """A value as indented JSON, the form admins paste into API calls (never Python's repr)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


# The one date format of the dashboard. The page shows it in UTC; frontend/src/shared/local_time.js rewrites it
# in the viewer's time zone (same format), and the title keeps the UTC time for hovering.
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@register.filter
def when(value, default: str = "—") -> str:
    """A moment as `<time datetime=ISO title="… UTC">`; `default` (escaped) when there is none.

    Takes an aware datetime or an ISO string (the tenant log's `date`)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return default
    utc = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    text = f"{utc.strftime(DATE_FORMAT)} UTC"
    return format_html(
        '<time datetime="{}" title="{}" data-local-time>{}</time>',
        utc.isoformat().replace("+00:00", "Z"),
        text,
        text,
    )


def _short(value) -> str:
    if value in ("", None, [], {}):
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@register.filter
def audit_lines(detail: dict) -> list[str]:
    """An audit event's detail as short readable lines: `field: old → new` for changes, `key: value` else."""
    lines = []
    for key, value in (detail or {}).items():
        if key == "changes" and isinstance(value, dict):
            lines += [
                f"{field.replace('_', ' ')}: {_short(old)} → {_short(new)}" for field, (old, new) in value.items()
            ]
        elif isinstance(value, list):
            lines.append(f"{key.replace('_', ' ')}: {', '.join(map(str, value)) or '—'}")
        else:
            lines.append(f"{key.replace('_', ' ')}: {_short(value)}")
    return lines
