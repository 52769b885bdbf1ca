"""Shadow runs end to end (identity.shadow, identity.shadow_runs): a legacy-mode connection on the PostgreSQL
template over a real users table, its scripts really run in scriptd, and a draft revision in shadow.

transactional_db: the shadow pool's threads run after the real answer, on their own database connections, so
they must see committed rows."""

import json

import pytest
from django.urls import reverse

from connections_admin import services as connections
from connections_admin.models import AuditEvent
from identity import services, shadow, shadow_runs
from identity.exceptions import FlowFailed
from identity.models import FlowEvent, ShadowComparison, ShadowSession
from scripts_editor.script_templates import template_bodies
from scripts_editor.services import scripts_save

from .test_real_stores import PASSWORD, STORES, LegacyTable, legacy_database  # noqa: F401  (module fixture)

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db(transaction=True)]

# A draft login that answers bob with another nickname (a difference to find) and logs the password it got.
DRAFT_LOGIN_CHANGE = ("nickname: row.nickname,", "nickname: row.email.startsWith('bob') ? 'robert' : row.nickname,")
DRAFT_LOG_PASSWORD = ("let row;", "console.log('draft got ' + password + ' key ' + configuration.API_KEY); let row;")
API_KEY = "s3cret-config-value"  # a secret configuration value the draft logs
# A draft whose writing scripts leave a mark in the legacy table if they ever run.
DRAFT_CREATE_MARK = (
    "if (found.rowCount > 0) return callback(exists());",
    "if (found.rowCount > 0) return callback(exists());\n"
    "  await query(\"INSERT INTO users (email, nickname) VALUES ('draft-' || $1, 'draft')\", [user.email]);",
)


@pytest.fixture
def table(legacy_database, runtime):  # noqa: F811
    t = LegacyTable("postgres", legacy_database)
    t.reset()
    return t


def _legacy_connection(table: LegacyTable, **fields):
    connection = connections.connection_create(
        name="pg-shadow", by=None, use_own_database=True, egress_allowlist=["127.0.0.1:5432"], **fields
    )
    for key, value in (STORES["postgres"] | {"PG_DATABASE": table.database}).items():
        connections.configuration_variable_set(connection=connection, key=key, value=value, by=None)
    scripts_save(
        connection=connection, base_number=0, by=None, scripts=template_bodies("postgres", connection_name="x")
    )
    return connection


def _draft(connection, *changes: tuple[str, str], script: str = "login", whole: dict | None = None) -> int:
    bodies = template_bodies("postgres", connection_name="x")
    for old, new in changes:
        target = "create" if old.startswith("if (found") else script
        assert old in bodies[target]
        bodies[target] = bodies[target].replace(old, new, 1)
    bodies.update(whole or {})
    saved = scripts_save(connection=connection, scripts=bodies, base_number=1, by=None, draft=True)
    return saved.revision.number


def _rows(table: LegacyTable):
    return table._run("SELECT id, email, password, nickname, email_verified FROM users ORDER BY id")


def _login(connection, email, password=PASSWORD):
    try:
        return services.user_login(connection=connection, username=email, password=password)
    except FlowFailed as e:
        return e.reason


def test_a_shadow_run_compares_safe_calls_and_never_changes_the_answer_or_the_legacy_data(table, editor):
    connection = _legacy_connection(table)
    connections.configuration_variable_set(connection=connection, key="API_KEY", value=API_KEY, by=None)
    number = _draft(connection, DRAFT_LOGIN_CHANGE, DRAFT_LOG_PASSWORD, DRAFT_CREATE_MARK)
    session = shadow.shadow_session_start(connection=connection, number=number, by=editor)
    before = _rows(table)

    ada = _login(connection, "ada@legacy.test")
    bob = _login(connection, "bob@legacy.test")
    wrong = _login(connection, "ada@legacy.test", "not-the-pa55word")
    assert shadow_runs.shadow_drain()

    # The real answers are the live revision's: bob keeps his nickname, the wrong password stays wrong.
    assert ada.user.email == "ada@legacy.test" and bob.user.attributes["nickname"] == "bob"
    assert wrong == "wrong_username_or_password"
    assert _rows(table) == before  # the draft's login only reads
    session.refresh_from_db()
    assert (session.status, session.calls, session.agreed) == ("running", 3, 2)
    listed = shadow.shadow_session_list(connection=connection).get()
    assert listed.agreement_rate == 66.7
    differing = ShadowComparison.objects.get(agree=False)
    assert differing.live["kind"] == differing.draft["kind"] == "profile"
    assert differing.live["profile"]["attributes"]["nickname"] == "bob"
    assert differing.draft["profile"]["attributes"]["nickname"] == "robert"
    assert differing.arguments == ["bob@legacy.test", "********"]
    assert differing.differing_fields == ["profile.attributes.nickname"]
    assert any("draft got ******** key ********" in line["text"] for line in differing.draft_logs)
    stored = json.dumps(list(ShadowComparison.objects.values("live", "draft", "arguments", "draft_logs")))
    assert PASSWORD not in stored and "not-the-pa55word" not in stored and API_KEY not in stored
    agreeing = ShadowComparison.objects.filter(agree=True).order_by("id")
    assert [(c.live, c.draft) for c in agreeing] == [({"kind": "profile"}, {"kind": "profile"})] + [
        ({"kind": "wrong_password"}, {"kind": "wrong_password"})
    ]
    assert AuditEvent.objects.filter(action="shadow.started", actor=editor, detail__revision=number).exists()


def test_a_login_through_the_api_is_shadowed_once_its_response_is_out(table, editor, api_for):
    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    shadow.shadow_session_start(connection=connection, number=number, by=editor)
    users = api_for(editor, "authenticate:users")

    answer = users.post(
        f"/api/v2/connections/{connection.public_id}/authenticate",
        {"username": "bob@legacy.test", "password": PASSWORD},
        format="json",
    )
    assert shadow_runs.shadow_drain()

    assert answer.status_code == 200 and answer.json()["nickname"] == "bob"  # the live revision's answer
    comparison = ShadowComparison.objects.get()
    assert not comparison.agree and comparison.draft["profile"]["attributes"]["nickname"] == "robert"


def test_writing_scripts_are_not_shadowed_unless_allowed(table, editor):
    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_CREATE_MARK)
    shadow.shadow_session_start(connection=connection, number=number, by=editor)

    signed_up = services.user_signup(connection=connection, email="carol@legacy.test", password="carol-pa55")
    assert shadow_runs.shadow_drain()

    assert [r["script"] for r in signed_up.event.script_runs] == ["get_user", "create", "login"]
    assert table.row("carol@legacy.test") is not None
    assert table.row("draft-carol@legacy.test") is None  # the draft's create never ran
    assert sorted(ShadowComparison.objects.values_list("script", flat=True)) == ["get_user", "login"]

    with pytest.raises(Exception, match="write to the legacy store"):
        shadow.shadow_scripts_validate(scripts=["login", "create"], allow_writes=[])
    assert shadow.shadow_scripts_validate(scripts=["create", "login"], allow_writes=["create"]) == ["login", "create"]


@pytest.mark.parametrize(
    "broken, kind",
    [
        ("throw new Error('draft exploded');", "Error"),
        ("await new Promise(() => {});", "timeout"),  # never calls back: the connection's timeout ends it
    ],
)
def test_a_draft_that_fails_or_hangs_leaves_the_real_login_as_it_was(table, editor, broken, kind):
    connection = _legacy_connection(table, script_timeout_s=2)
    number = _draft(connection, ("let row;", broken + " let row;"))
    shadow.shadow_session_start(connection=connection, number=number, by=editor)

    result = _login(connection, "ada@legacy.test")
    assert shadow_runs.shadow_drain()

    assert result.user.email == "ada@legacy.test" and result.event.succeeded
    assert FlowEvent.objects.get().succeeded  # one flow, the real one: the draft recorded no flow of its own
    comparison = ShadowComparison.objects.get()
    assert not comparison.agree
    assert comparison.live["kind"] == "profile"
    assert comparison.draft["kind"] == "error" and comparison.draft["name"] == kind
    assert comparison.differing_fields == ["kind"]


def test_shadowing_stops_after_the_set_number_of_calls(table, editor):
    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    session = shadow.shadow_session_start(connection=connection, number=number, by=editor, max_calls=2)

    for _ in range(4):
        assert _login(connection, "ada@legacy.test").event.succeeded
        assert shadow_runs.shadow_drain()

    session.refresh_from_db()
    assert (session.status, session.calls, ShadowComparison.objects.count()) == ("completed", 2, 2)
    stop = AuditEvent.objects.get(action="shadow.stopped")
    assert stop.actor_label == "system" and stop.detail["status"] == "completed" and stop.detail["calls"] == 2
    assert FlowEvent.objects.filter(succeeded=True).count() == 4  # every real login answered as before


def test_the_live_revision_cannot_shadow_and_one_session_runs_at_a_time(table, editor):
    connection = _legacy_connection(table)
    with pytest.raises(Exception, match="is live"):
        shadow.shadow_session_start(connection=connection, number=1, by=editor)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    shadow.shadow_session_start(connection=connection, number=number, by=editor)
    with pytest.raises(shadow.ShadowConflict):
        shadow.shadow_session_start(connection=connection, number=number, by=editor)


def test_a_session_past_its_time_ends_and_is_audited(table, editor):
    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    session = shadow.shadow_session_start(connection=connection, number=number, by=editor)
    ShadowSession.objects.filter(pk=session.pk).update(ends_at=session.started_at)

    assert shadow.shadow_sessions_expire() == 1
    session.refresh_from_db()
    assert session.status == "expired" and session.stopped_by_label == "system"
    assert AuditEvent.objects.filter(
        connection=connection, action=AuditEvent.Action.SHADOW_STOPPED, detail__status="expired"
    ).exists()
    _login(connection, "ada@legacy.test")
    assert shadow_runs.shadow_drain()
    assert not ShadowComparison.objects.exists()


def test_a_session_past_its_time_neither_shows_as_running_nor_blocks_a_new_one_without_the_beat(
    table, editor, editor_client
):
    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    first = shadow.shadow_session_start(connection=connection, number=number, by=editor)
    ShadowSession.objects.filter(pk=first.pk).update(ends_at=first.started_at)  # its end passed; no beat ran

    page = editor_client.get(reverse("scripts_editor:shadow", args=[connection.public_id, number]))
    assert page.status_code == 200 and page.context["running"] is None
    first.refresh_from_db()
    assert first.status == "expired"
    ShadowSession.objects.filter(pk=first.pk).update(status="running")  # as if never read since
    second = shadow.shadow_session_start(connection=connection, number=number, by=editor)
    assert second.status == "running"
    assert ShadowSession.objects.get(pk=first.pk).status == "expired"


# ---- the API and the History page -----------------------------------------------------------------------
def _url(connection, number):
    return f"/api/v2/connections/{connection.public_id}/revisions/{number}/shadow"


def test_the_api_starts_reads_and_stops_a_shadow_run(table, editor, viewer, api_for):
    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    writer, reader = api_for(editor, "update:connections", "read:connections"), api_for(viewer, "read:connections")

    assert reader.post(_url(connection, number), {}, format="json").status_code == 403
    refused = writer.post(_url(connection, number), {"scripts": ["login", "create"]}, format="json")
    assert refused.status_code == 400 and "create" in json.dumps(refused.json())
    started = writer.post(_url(connection, number), {"max_calls": 5, "duration_minutes": 30}, format="json")
    assert started.status_code == 201, started.content
    assert started.json()["status"] == "running" and started.json()["scripts"] == ["login", "get_user", "verify"]
    assert writer.post(_url(connection, number), {}, format="json").status_code == 409

    _login(connection, "bob@legacy.test")
    assert shadow_runs.shadow_drain()
    read = reader.get(_url(connection, number))
    assert read.status_code == 200
    body = read.json()[0]
    assert (body["calls"], body["agreed"], body["agreement_rate"]) == (1, 0, 0.0)
    assert body["differing"][0]["arguments"] == ["bob@legacy.test", "********"]
    assert body["differing"][0]["differing_fields"] == ["profile.attributes.nickname"]
    assert PASSWORD not in read.content.decode()
    # What the scripts answered and printed is output: a viewer gets kinds and fields, an editor all of it.
    assert body["differing"][0]["draft"] == {"kind": "profile"} and body["differing"][0]["draft_logs"] == []
    assert "robert" not in read.content.decode()
    full = writer.get(_url(connection, number)).json()[0]["differing"][0]
    assert full["draft"]["profile"]["attributes"]["nickname"] == "robert"

    assert reader.delete(_url(connection, number)).status_code == 403
    stopped = writer.delete(_url(connection, number))
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert AuditEvent.objects.filter(action="shadow.stopped", actor=editor).exists()
    assert writer.delete(_url(connection, number)).status_code == 404  # nothing runs any more


def test_the_history_page_starts_shows_and_stops_a_shadow_run(table, editor_client, viewer_client, outsider_client):
    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    page = reverse("scripts_editor:shadow", args=[connection.public_id, number])

    history = editor_client.get(reverse("scripts_editor:history", args=[connection.public_id]))
    assert page in history.content.decode()
    assert outsider_client.get(page).status_code in (302, 403)
    assert viewer_client.post(page, {"action": "start", "scripts": ["login"]}).status_code == 403
    assert not ShadowSession.objects.exists()

    refused = editor_client.post(page, {"action": "start", "scripts": ["login", "create"], "max_calls": 10, "hours": 1})
    assert refused.status_code == 200 and "write to the legacy store" in refused.content.decode()
    started = editor_client.post(page, {"action": "start", "scripts": ["login"], "max_calls": 10, "hours": 1})
    assert started.status_code == 302
    assert ShadowSession.objects.get().scripts == ["login"]

    _login(connection, "bob@legacy.test")
    assert shadow_runs.shadow_drain()
    shown = viewer_client.get(page).content.decode()
    assert "0.0 %" in shown and "profile.attributes.nickname" in shown and PASSWORD not in shown
    assert "robert" not in shown and "data-output-hidden" in shown  # the draft's answer is output: editors only
    shown = editor_client.get(page).content.decode()
    assert "robert" in shown and "data-output-hidden" not in shown

    assert editor_client.post(page, {"action": "stop"}).status_code == 302
    assert ShadowSession.objects.get().status == "stopped"


@pytest.mark.browser
def test_an_editor_starts_a_shadow_run_from_history_and_reads_its_differences(table, page_for, editor):
    from tests.fixtures.browser import axe_violations

    connection = _legacy_connection(table)
    number = _draft(connection, DRAFT_LOGIN_CHANGE)
    page = page_for(editor)
    page.goto(reverse("scripts_editor:history", args=[connection.public_id]))

    page.click(f"[data-shadow='{number}']")
    assert page.is_checked("#shadow-script-login") and not page.is_checked("#shadow-script-create")
    page.fill("#id_max_calls", "5")
    page.press("#id_hours", "Enter")  # the form submits from the keyboard
    page.wait_for_selector("#shadow-running")
    _login(connection, "bob@legacy.test")
    assert shadow_runs.shadow_drain()
    page.reload()

    assert "0.0 %" in page.inner_text("[data-shadow-session]") and "robert" in page.content()
    assert page.is_visible("[data-differs='profile.attributes.nickname']")
    page.screenshot(path=str(table_screenshot()), full_page=True)
    assert axe_violations(page) == []
    page.click("#shadow-stop")
    page.wait_for_selector("#shadow-start")
    assert ShadowSession.objects.get().status == "stopped"


def table_screenshot():
    from django.conf import settings

    return settings.VAR_DIR / "shadow-page.png"
