"""What a login flow records (FlowEvent.script_runs, its message, the Django admin page) is masked by the
one rule (scriptd_client.masking), as Try runs are; the flow itself goes on with the script's own answer."""

import json

import pytest
from django.urls import reverse

from connections_admin import services as connections
from identity import services
from identity.exceptions import FlowFailed
from identity.models import FlowEvent, ManagedUser
from identity.runtime import _without_credentials
from scripts_editor.scripts import SCRIPT_KEYS

from .conftest import connection_in_mode

SECRET = "s3cr3t-db-pw"
PASSWORD = "Tr0ub4dor-and-3"
SENTENCE = "Wrong email or password, please retry later"

# Logs and answers with the secret and the typed password glued inside longer strings, beside a plain port.
LEAKY_LOGIN = """function login(email, password, callback) {
  console.log('connecting to postgres://app:' + configuration.DB_PASSWORD + '@db:' + configuration.PG_PORT);
  console.log('checking ' + JSON.stringify({ email, password }));
  callback(null, { user_id: 'old-shop|7', email: 'pw-' + password + '@legacy.test',
                   app_metadata: { note: 'conn=' + configuration.DB_PASSWORD + '!', port: configuration.PG_PORT } });
}"""


def _only(login: str) -> dict[str, str]:
    return dict.fromkeys(SCRIPT_KEYS, "") | {"login": login}


def _configure(connection, **values):
    for key, (value, plain) in values.items():
        connections.configuration_variable_set(connection=connection, key=key, value=value, plain=plain, by=None)


def test_run_records_hide_credential_fields_at_any_depth():
    answer = {
        "user_id": "db|1",
        "access_token": "at-123",
        "identities": [{"provider": "auth0", "refresh_token": "rt-456"}],
        "meta": {"password": "pw"},
    }
    assert _without_credentials(answer) == {
        "user_id": "db|1",
        "access_token": "********",
        "identities": [{"provider": "auth0", "refresh_token": "********"}],
        "meta": {"password": "********"},
    }
    assert answer["identities"][0]["refresh_token"] == "rt-456"  # the flow's own copy is untouched


@pytest.mark.scriptd
@pytest.mark.django_db
def test_a_login_record_and_its_admin_page_hold_neither_the_secret_nor_the_password_inside_longer_strings(
    runtime, superuser_client
):
    connection = connection_in_mode(name="old-shop", mode="migration", scripts=_only(LEAKY_LOGIN))
    _configure(connection, DB_PASSWORD=(SECRET, False), PG_PORT=("5432", True))

    result = services.user_login(connection=connection, username="ada@legacy.test", password=PASSWORD)

    event = FlowEvent.objects.get(pk=result.event.pk)
    stored = json.dumps(event.script_runs)
    assert SECRET not in stored and PASSWORD not in stored
    texts = [line["text"] for line in event.script_runs[0]["logs"]]
    assert texts[0] == "connecting to postgres://app:********@db:5432"  # the plain port stays
    assert "********" in texts[1]
    assert event.script_runs[0]["value"]["app_metadata"] == {"note": "conn=********!", "port": "5432"}
    assert event.script_runs[0]["value"]["email"] == "pw-********@legacy.test"
    page = superuser_client.get(reverse("admin:identity_flowevent_change", args=[event.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "old-shop|7" in html and SECRET not in html and PASSWORD not in html
    # The flow went on with the script's answer: the profile is the user's data, kept as returned.
    assert ManagedUser.objects.get(connection=connection).email == f"pw-{PASSWORD}@legacy.test".lower()


@pytest.mark.scriptd
@pytest.mark.django_db
def test_a_short_secret_and_a_short_password_neither_mangle_nor_reveal_themselves(runtime):
    login = """function login(email, password, callback) {
      console.log('code user_exists for ' + password + ', flag ' + configuration.FLAG);
      callback(new WrongUsernameOrPasswordError(email, 'Wrong email or password, please retry later'));
    }"""
    connection = connection_in_mode(name="old-shop", mode="legacy", scripts=_only(login))
    _configure(connection, FLAG=("e", False))

    with pytest.raises(FlowFailed) as caught:
        services.user_login(connection=connection, username="ada@legacy.test", password="x")

    assert caught.value.message == SENTENCE
    event = FlowEvent.objects.get()
    assert event.message == SENTENCE
    assert event.script_runs[0]["error"]["message"] == SENTENCE
    assert [line["text"] for line in event.script_runs[0]["logs"]] == ["code user_exists for ********, flag ********"]


@pytest.mark.scriptd
@pytest.mark.django_db
def test_a_flow_message_quoting_the_profile_is_masked_too(runtime):
    # The profile's email holds the typed password; the duplicate check's message quotes it.
    login = "function login(e, p, cb) { cb(null, { user_id: 'old-shop|' + e, email: 'same+' + p + '@x.test' }); }"
    connection = connection_in_mode(name="old-shop", mode="migration", scripts=_only(login))
    services.user_login(connection=connection, username="one@x.test", password=PASSWORD)

    with pytest.raises(FlowFailed) as caught:
        services.user_login(connection=connection, username="two@x.test", password=PASSWORD)

    assert PASSWORD.lower() not in caught.value.message.lower()
    assert PASSWORD.lower() not in FlowEvent.objects.get(succeeded=False).message.lower()
