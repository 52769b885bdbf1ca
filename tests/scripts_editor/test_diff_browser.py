"""Revision diffs in a real browser: added and removed lines are coloured (Bootstrap's table cell
background must not paint over them) and marked with + and -."""

import pytest

from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a cell shows: its background with Bootstrap's inset box-shadow painted on top (the shadow's colour
# wins unless it is transparent).
PAINTED = """cell => {
  const style = getComputedStyle(cell);
  const shadow = style.boxShadow.match(/rgba?\\([^)]*\\)/);
  const transparent = !shadow || /rgba\\([^)]*,\\s*0\\)$/.test(shadow[0]);
  return transparent ? style.backgroundColor : shadow[0];
}"""


def rgb(page, variable):
    """A CSS colour variable as the browser computes it, rgb(...)."""
    return page.evaluate(
        """name => { const probe = document.createElement("div"); probe.style.color = `var(${name})`;
      document.body.append(probe); const colour = getComputedStyle(probe).color; probe.remove(); return colour; }""",
        variable,
    )


@pytest.mark.parametrize("view", ["split", "unified"])
def test_added_and_removed_lines_are_coloured_and_signed(page_for, viewer, editor, connection, view):
    blank = dict.fromkeys(SCRIPT_KEYS, "")
    scripts_save(
        connection=connection,
        scripts=blank | {"verify": "var a = 1;\nvar removed = 2;\nvar c = 3;\n"},
        base_number=0,
        by=editor,
    )
    scripts_save(
        connection=connection,
        scripts=blank | {"verify": "var a = 1;\nvar added = 2;\nvar c = 3;\n"},
        base_number=1,
        by=editor,
    )
    page = page_for(viewer)
    page.goto(f"/connections/{connection.public_id}/scripts/diff/?old=1&new=2&view={view}")

    added = page.locator("#diff-verify td.diff-text", has_text="var added")
    removed = page.locator("#diff-verify td.diff-text", has_text="var removed")
    context = page.locator("#diff-verify td.diff-text", has_text="var c").last

    assert added.evaluate(PAINTED) == rgb(page, "--bs-success-bg-subtle")
    assert removed.evaluate(PAINTED) == rgb(page, "--bs-danger-bg-subtle")
    assert context.evaluate(PAINTED) not in (rgb(page, "--bs-success-bg-subtle"), rgb(page, "--bs-danger-bg-subtle"))
    assert added.locator(".diff-sign").inner_text() == "+"
    assert removed.locator(".diff-sign").inner_text() == "-"
