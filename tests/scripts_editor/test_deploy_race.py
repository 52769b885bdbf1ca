"""Two admins deploying different revisions at the same moment: the conditional update lets exactly one win;
the other gets DeployConflict and nothing of theirs is applied or audited.

Run on PostgreSQL (SQLite serialises writers, so it cannot show the race):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/editor_dev .venv/bin/python -m pytest tests/scripts_editor -m postgres
"""

import threading

import pytest
from django.db import connection as db_connection

from connections_admin.models import AuditEvent
from scripts_editor import deploy, selectors
from scripts_editor.exceptions import DeployConflict
from scripts_editor.services import scripts_save

from .test_save_race import bodies, run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(db_connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
]


def test_two_simultaneous_deploys_exactly_one_wins(editor, viewer, connection, monkeypatch):
    for base, draft in ((0, False), (1, True), (2, True)):
        scripts_save(connection=connection, scripts=bodies(str(base)), base_number=base, by=editor, draft=draft)
    # Hold both deploys just before their conditional UPDATE, so both have read the same version.
    barrier = threading.Barrier(2)
    original_move = deploy._move

    def move_after_both_arrive(**kwargs):
        barrier.wait(timeout=20)
        return original_move(**kwargs)

    monkeypatch.setattr(deploy, "_move", move_after_both_arrive)

    results = run_together(
        lambda: deploy.revision_deploy(connection=connection, number=2, by=editor).live_number,
        lambda: deploy.revision_deploy(connection=connection, number=3, by=viewer).live_number,
    )

    winner = next(r for r in results if isinstance(r, int))
    assert sorted(map(type, results), key=str) == sorted([int, DeployConflict], key=str)
    assert selectors.script_revision_live_number(connection=connection) == winner
    (audited,) = AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPTS_DEPLOYED)
    assert audited.detail["revision"] == winner
