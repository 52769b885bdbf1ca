"""The circuit breaker's thresholds form (identity.circuit_views): it writes what the API's
options.trickle_circuit_breaker writes, validated and audited, for editors only."""

import pytest

from connections_admin import services as connections
from connections_admin.models import AuditEvent
from identity import circuit


@pytest.fixture
def shop(db, settings):
    settings.CIRCUIT_FAILURES, settings.CIRCUIT_WINDOW_S, settings.CIRCUIT_COOLDOWN_S = 5, 60, 30
    return connections.connection_create(name="shop", by=None, use_own_database=True, import_users=True)


def url(connection) -> str:
    return f"/connections/{connection.public_id}/circuit/"


def test_the_page_shows_the_defaults_as_placeholders_and_the_state(shop, viewer_client):
    page = viewer_client.get(url(shop)).content.decode()
    assert 'data-circuit="closed"' in page and 'placeholder="default 5"' in page and 'placeholder="default 30"' in page
    assert "<strong>5</strong> timeouts" in page and 'id="circuit-save"' not in page  # a viewer cannot save
    settings_page = viewer_client.get(f"/connections/{shop.public_id}/").content.decode()
    assert f'href="{url(shop)}"' in settings_page  # reachable from the Settings tab


def test_an_editor_sets_and_clears_thresholds_as_the_api_does(shop, editor, editor_client, api_for):
    saved = editor_client.post(url(shop), {"failures": "2", "window_s": "", "cooldown_s": "120"})
    assert saved.status_code == 302 and saved["Location"] == url(shop)
    assert circuit.circuit_overrides(connection=shop) == {"failures": 2, "window_s": None, "cooldown_s": 120}
    state = circuit.circuit_state(connection=shop)
    assert (state["failure_threshold"], state["window_s"], state["cooldown_s"]) == (2, 60, 120)
    read = api_for(editor, "read:connections").get(f"/api/v2/connections/{shop.public_id}").json()
    assert read["options"]["trickle_circuit_breaker"] == {"failures": 2, "window_s": None, "cooldown_s": 120}
    event = AuditEvent.objects.filter(connection=shop, detail__has_key="circuit_breaker").get()
    assert event.actor == editor and event.detail["circuit_breaker"]["cooldown_s"] == 120
    page = editor_client.get(url(shop)).content.decode()
    assert 'value="2"' in page and 'value="120"' in page and "Circuit breaker thresholds saved." in page

    editor_client.post(url(shop), {"failures": "", "window_s": "", "cooldown_s": ""})  # back to the defaults
    assert circuit.circuit_overrides(connection=shop) == {"failures": None, "window_s": None, "cooldown_s": None}
    assert AuditEvent.objects.filter(connection=shop, detail__has_key="circuit_breaker").count() == 2
    editor_client.post(url(shop), {"failures": "", "window_s": "", "cooldown_s": ""})  # unchanged: no new audit row
    assert AuditEvent.objects.filter(connection=shop, detail__has_key="circuit_breaker").count() == 2


@pytest.mark.parametrize(
    "posted, field, message",
    [
        ({"failures": "0"}, "failures", "greater than or equal to 1"),
        ({"window_s": "86401"}, "window_s", "less than or equal to 86400"),
        ({"cooldown_s": "soon"}, "cooldown_s", "Enter a whole number"),
    ],
)
def test_bad_thresholds_are_refused_on_their_field_and_nothing_changes(shop, editor_client, posted, field, message):
    refused = editor_client.post(url(shop), posted)
    assert refused.status_code == 400
    assert message in refused.content.decode() and f'id="id_{field}-errors"' in refused.content.decode()
    assert circuit.circuit_overrides(connection=shop) == {"failures": None, "window_s": None, "cooldown_s": None}
    assert not AuditEvent.objects.filter(connection=shop, detail__has_key="circuit_breaker").exists()


def test_only_editors_may_change_and_outsiders_see_nothing(shop, viewer_client, outsider_client, anonymous_client):
    assert viewer_client.post(url(shop), {"failures": "2"}).status_code == 403
    assert outsider_client.get(url(shop)).status_code == 403
    assert outsider_client.post(url(shop), {"failures": "2"}).status_code == 403
    assert anonymous_client.get(url(shop)).status_code == 302  # to the login page
    assert anonymous_client.post(url(shop), {"failures": "2"}).status_code in (302, 403)
    assert circuit.circuit_overrides(connection=shop)["failures"] is None
