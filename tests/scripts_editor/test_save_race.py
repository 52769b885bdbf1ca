"""Two saves from the same base at the same moment: the unique (connection, number) decides, exactly one wins.

Run on PostgreSQL (SQLite serialises writers, so it cannot show the race):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/editor_dev .venv/bin/python -m pytest tests/scripts_editor -m postgres
"""

import threading

import pytest
from django.db import connection as db_connection
from django.db import connections
from django.test import Client
from django.urls import reverse

from connections_admin.models import AuditEvent
from scripts_editor.exceptions import ScriptConflict
from scripts_editor.models import ScriptRevision
from scripts_editor.scripts import SCRIPT_KEYS
from scripts_editor.services import scripts_save

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(db_connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
]


def run_together(*jobs):
    """Run each job in its own thread (and its own database connection); return their results in order."""
    results = [None] * len(jobs)

    def run(index, job):
        try:
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - the test inspects what each side got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def bodies(marker: str) -> dict[str, str]:
    return {key: "" for key in SCRIPT_KEYS} | {
        "verify": f"function verify(email, callback) {{ callback(null, true); }} // {marker}\n"
    }


def test_two_simultaneous_requests_from_the_same_base_exactly_one_wins(editor, viewer, connection):
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="change_connection"))
    url = reverse("scripts_editor:save", args=[connection.public_id])
    barrier = threading.Barrier(2)

    def post_as(user, marker):
        def job():
            client = Client()
            client.force_login(user)
            form = {"base_number": 0} | {f"script_{k}": v for k, v in bodies(marker).items()}
            barrier.wait(timeout=20)  # both requests start together
            return client.post(url, form).status_code

        return job

    statuses = run_together(post_as(editor, "editor"), post_as(viewer, "viewer"))
    assert sorted(statuses) == [200, 409]
    assert ScriptRevision.objects.filter(connection=connection).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SCRIPTS_SAVED).count() == 1


def test_the_unique_constraint_refuses_the_second_insert_even_when_both_passed_every_check(
    editor,
    connection,
    monkeypatch,
):
    # Hold both saves just before their INSERT, so both have read "current is revision 0".
    barrier = threading.Barrier(2)
    original_create = ScriptRevision.objects.create
    inserts = []

    def create_after_both_arrive(**fields):
        inserts.append(fields["number"])
        barrier.wait(timeout=20)
        return original_create(**fields)

    monkeypatch.setattr(ScriptRevision.objects, "create", create_after_both_arrive)

    def save(marker):
        return lambda: (
            scripts_save(connection=connection, scripts=bodies(marker), base_number=0, by=editor).revision.number
        )

    results = run_together(save("a"), save("b"))
    assert inserts == [1, 1]  # both really tried to insert revision 1
    assert sorted(map(type, results), key=str) == sorted([int, ScriptConflict], key=str)
    conflict = next(r for r in results if isinstance(r, ScriptConflict))
    assert conflict.current.number == 1
    (stored,) = ScriptRevision.objects.filter(connection=connection)
    assert stored.number == 1
