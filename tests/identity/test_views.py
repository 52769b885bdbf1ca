"""Dashboard pages: Try connection, Users and Migration, as every persona."""

import pytest

from connections_admin.models import AuditEvent
from identity import services
from identity.exceptions import FlowFailed
from identity.models import FlowEvent, LogEvent, ManagedUser

from .conftest import connection_in_mode
from .legacy_scripts import PASSWORD

pytestmark = pytest.mark.django_db


def _urls(connection):
    base = f"/connections/{connection.public_id}"
    return {"try": f"{base}/try/", "users": f"{base}/users/", "migration": f"{base}/migration/"}


@pytest.fixture
def shop(db):
    return connection_in_mode(name="old-shop", mode="migration")


@pytest.mark.parametrize("page", ["users", "migration"])
def test_viewers_and_editors_see_the_users_and_migration_tabs_and_outsiders_do_not(
    shop, page, editor_client, viewer_client, outsider_client, anonymous_client
):
    url = _urls(shop)[page]
    assert editor_client.get(url).status_code == 200
    assert viewer_client.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 403
    assert anonymous_client.get(url).status_code == 302


def test_only_editors_may_try_a_login_because_it_migrates_users(
    shop, viewer_client, outsider_client, anonymous_client, editor_client
):
    url = _urls(shop)["try"]
    body = {"username": "ada@legacy.test", "password": PASSWORD}
    assert editor_client.get(url).status_code == 200
    assert viewer_client.post(url, body).status_code == 403
    assert outsider_client.post(url, body).status_code == 403
    assert anonymous_client.post(url, body).status_code == 302
    assert not FlowEvent.objects.exists()


def test_the_connection_header_links_the_three_tabs(shop, editor_client, viewer_client):
    page = editor_client.get(_urls(shop)["users"]).content.decode()
    for url in _urls(shop).values():
        assert f'href="{url}"' in page
    # Trying a login really migrates users, so viewers are not offered the tab
    assert f'href="{_urls(shop)["try"]}"' not in viewer_client.get(_urls(shop)["users"]).content.decode()


def test_trying_a_login_shows_the_path_the_profile_and_the_script_logs(runtime, shop, editor_client):
    response = editor_client.post(_urls(shop)["try"], {"username": "ada@legacy.test", "password": PASSWORD})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-path="migrated"' in page and "auth0|old-shop|1" in page
    assert "legacy login ok for ada@legacy.test" in page
    assert PASSWORD not in page and "legacy-access-1" not in page
    assert ManagedUser.objects.get().is_managed


def test_a_refused_try_shows_the_reason(runtime, shop, editor_client):
    page = editor_client.post(_urls(shop)["try"], {"username": "ada@legacy.test", "password": "wrong"}).content.decode()

    assert 'data-outcome="wrong_username_or_password"' in page and "Wrong email or password" in page


def test_the_users_tab_searches_and_pins_its_query_count(runtime, shop, viewer_client, django_assert_num_queries):
    for email in ("ada@legacy.test", "bob@legacy.test"):
        services.user_login(connection=shop, username=email, password=PASSWORD)

    # session, user, two permission reads, connection, circuit, canary banner, count, page
    with django_assert_num_queries(9):
        page = viewer_client.get(_urls(shop)["users"], {"q": "bob"}).content.decode()

    assert 'data-user="bob@legacy.test"' in page and 'data-user="ada@legacy.test"' not in page
    assert "Delete" not in page  # viewers get no delete button


def test_an_editor_deletes_a_managed_user_and_a_viewer_cannot(runtime, shop, editor_client, viewer_client):
    services.user_login(connection=shop, username="ada@legacy.test", password=PASSWORD)
    user = ManagedUser.objects.get()
    url = f"/connections/{shop.public_id}/users/{user.pk}/delete/"

    assert viewer_client.post(url).status_code == 403
    assert ManagedUser.objects.exists()
    response = editor_client.post(url, follow=True)

    assert "ada@legacy.test deleted." in response.content.decode()
    assert not ManagedUser.objects.exists()


def test_the_migration_tab_counts_migrations_local_and_legacy_logins_and_failures(
    runtime, shop, viewer_client, django_assert_num_queries
):
    services.user_login(connection=shop, username="ada@legacy.test", password=PASSWORD)
    services.user_login(connection=shop, username="ada@legacy.test", password=PASSWORD)
    with pytest.raises(FlowFailed) as failed:
        services.user_login(connection=shop, username="bob@legacy.test", password="wrong")
    assert failed.value.reason == "wrong_username_or_password"

    with django_assert_num_queries(
        11
    ):  # session, user, 2 permissions, connection, circuit, canary banner, 3 grouped reads, population
        response = viewer_client.get(_urls(shop)["migration"])

    chart = response.context["chart"]
    assert chart["totals"] == {
        "migrated": 1,
        "logins_local": 1,
        "logins_legacy": 1,
        "failures": 1,
        "try_logins": 0,
        "try_migrated": 0,
    }
    assert chart["migrated_total"][-1] == 1 and chart["failures"]["wrong_username_or_password"][-1] == 1
    assert "build/migration_chart." in response.content.decode()


def test_try_connection_logins_are_counted_apart_from_real_traffic(
    runtime, shop, editor_client, viewer_client, django_assert_num_queries
):
    services.user_login(connection=shop, username="bob@legacy.test", password=PASSWORD)  # a real end user
    try_url = _urls(shop)["try"]
    editor_client.post(try_url, {"username": "ada@legacy.test", "password": PASSWORD})  # migrates ada
    editor_client.post(try_url, {"username": "ada@legacy.test", "password": PASSWORD})  # answered locally
    editor_client.post(try_url, {"username": "ada@legacy.test", "password": "wrong"})

    with django_assert_num_queries(11):  # the Try figures come from the same grouped reads (+ canary banner)
        response = viewer_client.get(_urls(shop)["migration"])

    chart = response.context["chart"]
    assert chart["totals"] == {
        "migrated": 1,  # bob only: ada was migrated by an admin's test
        "logins_local": 0,
        "logins_legacy": 1,
        "failures": 0,
        "try_logins": 3,
        "try_migrated": 1,
    }
    assert chart["migrated_total"][-1] == 1 and chart["logins_local"][-1] == 0 and chart["failures"] == {}
    page = response.content.decode()
    assert '<strong data-total="try_logins">3</strong> test logins' in page
    assert '<strong data-total="try_migrated">1</strong> user' in page
    assert "/try/" not in page.split("data-try-logins")[1].split("</p>")[0]  # viewers may not try: no link
    # The marker is stored on each record of the flow: the FlowEvent, its audit row and its log entry.
    assert (
        FlowEvent.objects.filter(from_try=True).count() == 3 and FlowEvent.objects.filter(from_try=False).count() == 1
    )
    assert AuditEvent.objects.filter(detail__try_connection=True).count() == 3
    assert LogEvent.objects.filter(details__try_connection=True).count() == 3
