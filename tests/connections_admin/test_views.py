import pytest
from django.urls import reverse

from connections_admin import services
from connections_admin.models import AuditEvent, ConfigurationVariable, Connection


def _urls(connection):
    pid = connection.public_id
    return {
        "list": reverse("connections_admin:connection-list"),
        "create": reverse("connections_admin:connection-create"),
        "detail": reverse("connections_admin:connection-detail", args=[pid]),
        "configuration": reverse("connections_admin:connection-configuration", args=[pid]),
        "activity": reverse("connections_admin:connection-activity", args=[pid]),
        "delete": reverse("connections_admin:connection-delete", args=[pid]),
        "remove": reverse("connections_admin:variable-remove", args=[pid, "K"]),
    }


READ_PAGES = ["list", "detail", "configuration", "activity"]
WRITE_PAGES = ["create", "delete"]


@pytest.mark.parametrize("page", READ_PAGES + WRITE_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(anonymous_client, connection, page):
    response = anonymous_client.get(_urls(connection)[page])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", READ_PAGES + WRITE_PAGES)
def test_it_rejects_staff_without_permission(outsider_client, connection, page):
    response = outsider_client.get(_urls(connection)[page])
    assert response.status_code == 403
    assert "You are not allowed to do this" in response.content.decode()  # our page, with the navigation


def test_it_rejects_signed_in_users_who_are_not_staff(outsider, outsider_client, connection):
    outsider.is_staff = False
    outsider.save()
    assert outsider_client.get(_urls(connection)["list"]).status_code == 403


@pytest.mark.parametrize("page", READ_PAGES)
def test_viewers_see_every_page(viewer_client, connection, page):
    assert viewer_client.get(_urls(connection)[page]).status_code == 200


@pytest.mark.parametrize("page", WRITE_PAGES)
def test_viewers_cannot_open_write_pages(viewer_client, connection, page):
    assert viewer_client.get(_urls(connection)[page]).status_code == 403


def test_viewers_cannot_change_anything(viewer_client, connection):
    urls = _urls(connection)
    services.configuration_variable_set(connection=connection, key="K", value="v", by=None)
    assert viewer_client.post(urls["detail"], {"display_name": "hacked"}).status_code == 403
    assert viewer_client.post(urls["configuration"], {"key": "NEW", "value": "v"}).status_code == 403
    assert viewer_client.post(urls["remove"]).status_code == 403
    assert viewer_client.post(urls["delete"], {"confirm_name": connection.name}).status_code == 403
    assert viewer_client.post(urls["create"], {"name": "new-one"}).status_code == 403
    connection.refresh_from_db()
    assert connection.display_name != "hacked"
    assert list(ConfigurationVariable.objects.values_list("key", flat=True)) == ["K"]
    assert Connection.objects.count() == 1


def test_viewers_are_not_offered_the_try_connection_tab(viewer_client, editor_client, connection):
    assert "Try connection" not in viewer_client.get(_urls(connection)["detail"]).content.decode()
    assert "Try connection" in editor_client.get(_urls(connection)["detail"]).content.decode()


def test_viewers_see_the_settings_form_disabled(viewer_client, connection):
    html = viewer_client.get(_urls(connection)["detail"]).content.decode()
    assert "Save settings" not in html and "disabled" in html


def test_the_list_shows_modes_counts_and_searches_by_name(editor_client, editor):
    a = services.connection_create(name="alpha-db", by=editor, use_own_database=True, import_users=True)
    services.connection_create(name="beta-db", by=editor)
    services.configuration_variable_set(connection=a, key="K", value="v", by=editor)
    html = editor_client.get(reverse("connections_admin:connection-list")).content.decode()
    assert "alpha-db" in html and "beta-db" in html and "Automatic migration" in html
    html = editor_client.get(reverse("connections_admin:connection-list"), {"q": "alp"}).content.decode()
    assert "alpha-db" in html and "beta-db" not in html


def test_the_list_pins_its_query_count(editor_client, editor, django_assert_max_num_queries):
    for i in range(5):
        services.connection_create(name=f"c{i}", by=editor)
    with django_assert_max_num_queries(6):
        editor_client.get(reverse("connections_admin:connection-list"))


def test_the_empty_list_invites_to_create(editor_client):
    html = editor_client.get(reverse("connections_admin:connection-list")).content.decode()
    assert "Create your first connection" in html


def test_editors_create_a_connection(editor_client):
    response = editor_client.post(
        reverse("connections_admin:connection-create"),
        {"name": "new-db", "display_name": "New", "use_own_database": "on"},
    )
    connection = Connection.objects.get(name="new-db")
    assert response.status_code == 302 and response["Location"] == connection.get_absolute_url()
    assert connection.use_own_database is True
    assert AuditEvent.objects.filter(connection=connection, action="connection.created").exists()


@pytest.mark.parametrize("name", ["bad--name", "-x", "legacy-db"])
def test_a_bad_or_taken_name_is_a_form_error(editor_client, connection, name):
    response = editor_client.post(reverse("connections_admin:connection-create"), {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Connection.objects.count() == 1


def test_editors_toggle_both_switches(editor_client, connection):
    response = editor_client.post(
        _urls(connection)["detail"],
        {
            "version": connection.version,
            "display_name": "Legacy",
            "use_own_database": "on",
            "import_users": "on",
            "script_timeout_s": "20",
            "egress_allowlist": "db.example.com:5432\n\n",
        },
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.use_own_database, connection.import_users) == (True, True)
    assert connection.egress_allowlist == ["db.example.com:5432"]
    changes = AuditEvent.objects.get(action="connection.updated").detail["changes"]
    assert changes["import_users"] == [False, True]


def test_import_without_own_database_is_a_form_error(editor_client, connection):
    response = editor_client.post(
        _urls(connection)["detail"], {"version": connection.version, "import_users": "on", "script_timeout_s": "20"}
    )
    assert response.status_code == 200 and response.context["form"].errors["import_users"]
    connection.refresh_from_db()
    assert connection.import_users is False


def test_every_bad_allowlist_entry_is_a_form_error_at_once(editor_client, connection):
    response = editor_client.post(
        _urls(connection)["detail"],
        {
            "version": connection.version,
            "script_timeout_s": "20",
            "egress_allowlist": "no-port-here\ndb.example:5432\nx:0",
        },
    )
    errors = response.context["form"].errors["egress_allowlist"]
    assert len(errors) == 2 and "no-port-here" in errors[0] and "x:0" in errors[1]


def test_editors_set_and_remove_variables(editor_client, connection):
    urls = _urls(connection)
    response = editor_client.post(urls["configuration"], {"key": "K", "value": "s3cret-value"})
    assert response.status_code == 302
    assert ConfigurationVariable.objects.filter(connection=connection, key="K").exists()
    assert editor_client.post(urls["remove"]).status_code == 302
    assert not ConfigurationVariable.objects.exists()


def test_a_bad_variable_key_is_a_form_error_and_the_value_is_not_echoed(editor_client, connection):
    response = editor_client.post(_urls(connection)["configuration"], {"key": "1bad", "value": "echo-me-not"})
    assert response.status_code == 200
    assert "echo-me-not" not in response.content.decode()
    assert not ConfigurationVariable.objects.exists()


def test_deleting_needs_the_exact_name(editor_client, connection):
    urls = _urls(connection)
    response = editor_client.post(urls["delete"], {"confirm_name": "LEGACY-DB"})
    assert response.status_code == 200 and Connection.objects.exists()
    response = editor_client.post(urls["delete"], {"confirm_name": "legacy-db"})
    assert response.status_code == 302 and not Connection.objects.exists()


def test_activity_lists_the_audit_trail(editor_client, editor, connection):
    services.configuration_variable_set(connection=connection, key="DB_URL", value="v", by=editor)
    html = editor_client.get(_urls(connection)["activity"]).content.decode()
    assert "Variable set" in html
    assert "key: DB_URL" in html and "editor" in html


def test_activity_shows_settings_changes_as_old_to_new(editor_client, editor, connection):
    services.connection_update(connection=connection, by=editor, use_own_database=True, display_name="New name")
    html = editor_client.get(_urls(connection)["activity"]).content.decode()
    assert "use own database: false → true" in html and "display name: Legacy Db → New name" in html
    assert "[False, True]" not in html


def test_unknown_connections_are_404(editor_client):
    assert editor_client.get(reverse("connections_admin:connection-detail", args=["con_nope"])).status_code == 404


def test_csrf_stays_on(editor, connection):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(_urls(connection)["configuration"], {"key": "K", "value": "v"}).status_code == 403


def test_saving_settings_from_a_stale_page_is_refused_and_keeps_the_input(editor_client, editor, connection):
    url = _urls(connection)["detail"]
    loaded_version = connection.version
    services.connection_update(connection=connection, by=editor, display_name="theirs")  # someone else saves
    response = editor_client.post(url, {"version": loaded_version, "display_name": "mine", "script_timeout_s": "30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed these settings" in html and 'value="mine"' in html
    connection.refresh_from_db()
    assert (connection.display_name, connection.script_timeout_s) == ("theirs", 20)


def test_two_saves_from_one_page_version_cannot_both_win(editor, connection):
    from connections_admin.exceptions import StaleConnection

    version = connection.version
    services.connection_update(connection=connection, by=editor, expected_version=version, display_name="first")
    with pytest.raises(StaleConnection):
        services.connection_update(connection=connection, by=editor, expected_version=version, script_timeout_s=5)
    connection.refresh_from_db()
    assert (connection.display_name, connection.script_timeout_s, connection.version) == ("first", 20, version + 1)
