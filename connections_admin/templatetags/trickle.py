"""Template filters shared by every app's pages."""

import json

from django import template

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """A value as indented JSON, the form admins paste into API calls (never Python's repr)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


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
