"""Dashboard export and import: personas, zip download, upload -> preview -> confirm."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from connections_admin.models import Connection
from connections_admin.selectors import configuration_for_run
from connections_admin.services import connection_create
from scripts_editor.as_code.upload import SESSION_KEY, UPLOAD_TTL_S, import_uploads_expired_delete
from scripts_editor.models import ImportUpload, ScriptRevision
from scripts_editor.selectors import script_bodies_current
from scripts_editor.services import scripts_save
from tests.factories import UserFactory

from .conftest import KEYWORDS, SECRET, script

pytestmark = pytest.mark.django_db

EXPORT, IMPORT, CONFIRM = reverse("as_code:export"), reverse("as_code:import"), reverse("as_code:import-confirm")


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def fixture_zip(*, login: str | None = None) -> bytes:
    return zip_of(
        {
            "repo-main/database-connections/from-zip/database.json": json.dumps(
                {
                    "name": "from-zip",
                    "strategy": "auth0",
                    "options": {
                        "enabledDatabaseCustomization": True,
                        "customScripts": {"login": "./login.js"},
                        "configuration": {"DB_PASS": "##DB_PASS##"},
                    },
                }
            ),
            "repo-main/database-connections/from-zip/login.js": login
            or script("login", "var env = @@ENV@@; callback(null);"),
        }
    )


def staff_with(username: str, *codenames: str):
    user = UserFactory(username=username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def upload(client, data: bytes, *, keywords: dict | None = None, allow_delete: bool = False):
    post = {"archive": SimpleUploadedFile("repo.zip", data, content_type="application/zip")}
    if keywords is not None:
        post["keywords"] = SimpleUploadedFile("k.json", json.dumps(keywords).encode())
    if allow_delete:
        post["allow_delete"] = "on"
    return client.post(IMPORT, post)


# Export


def test_viewers_download_a_zip_with_no_secret_in_it(viewer_client, legacy_connection):
    response = viewer_client.get(EXPORT, {"layout": "directory"})

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "database-connections/legacy-db/login.js" in archive.namelist()
    assert not [n for n in archive.namelist() if SECRET.encode() in archive.read(n)]


def test_the_export_can_be_limited_to_named_connections_in_yaml(viewer_client, legacy_connection, editor):
    connection_create(name="other", by=editor)

    response = viewer_client.get(EXPORT, {"layout": "yaml", "names": ["other"]})

    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "tenant.yaml" in names and "databases/other/login.js" in names
    assert not [n for n in names if "legacy-db" in n]


def test_the_export_page_shows_the_form(viewer_client, legacy_connection):
    response = viewer_client.get(EXPORT)
    assert response.status_code == 200 and b"Download zip" in response.content


def test_outsiders_cannot_export_and_anonymous_visitors_must_sign_in(outsider_client, anonymous_client):
    assert outsider_client.get(EXPORT, {"layout": "directory"}).status_code == 403
    response = anonymous_client.get(EXPORT, {"layout": "directory"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Import


def test_upload_preview_confirm_creates_the_connection_with_keywords_replaced(editor_client):
    response = upload(editor_client, fixture_zip(), keywords=KEYWORDS)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-action="create"' in page and "+  var env = &quot;test&quot;; callback(null);" in page
    assert "DB_PASS" in page and SECRET not in page
    assert not Connection.objects.exists()  # a preview changes nothing

    form = response.context["form"]
    response = editor_client.post(
        CONFIRM, {"upload": form.initial["upload"], "fingerprint": form.initial["fingerprint"]}
    )

    assert response.status_code == 302 and response["Location"] == reverse("connections_admin:connection-list")
    connection = Connection.objects.get(name="from-zip")
    assert 'var env = "test";' in script_bodies_current(connection=connection)["login"]
    assert configuration_for_run(connection=connection) == {"DB_PASS": SECRET}
    assert editor_client.session[SESSION_KEY] == []  # the stash is gone once used


def test_the_stored_upload_is_encrypted_in_the_database(editor_client):
    upload(editor_client, fixture_zip(), keywords=KEYWORDS)

    stored = list(ImportUpload.objects.all())
    assert len(stored) == 1 and SECRET not in stored[0].payload


def test_an_upload_is_confirmed_by_another_web_process(editor, editor_client):
    """Several web hosts: the preview and the confirmation may reach different processes; only the database
    and the session are shared."""
    from django.test import Client

    response = upload(editor_client, fixture_zip(), keywords=KEYWORDS)
    other_host = Client()
    other_host.cookies = editor_client.cookies  # the same session, another client object
    confirmed = other_host.post(
        CONFIRM,
        {
            "upload": response.context["form"].initial["upload"],
            "fingerprint": response.context["form"].initial["fingerprint"],
        },
    )
    assert confirmed.status_code == 302 and Connection.objects.filter(name="from-zip").exists()
    assert not ImportUpload.objects.exists()


def test_an_upload_older_than_an_hour_is_expired(editor_client):
    response = upload(editor_client, fixture_zip(), keywords=KEYWORDS)
    ImportUpload.objects.update(created_at=timezone.now() - timedelta(seconds=UPLOAD_TTL_S + 1))
    assert import_uploads_expired_delete() == 1
    confirmed = editor_client.post(
        CONFIRM,
        {
            "upload": response.context["form"].initial["upload"],
            "fingerprint": response.context["form"].initial["fingerprint"],
        },
    )
    assert confirmed.status_code == 302 and confirmed["Location"] == IMPORT
    assert not Connection.objects.filter(name="from-zip").exists()


def test_a_preview_of_changes_shows_the_script_diff(editor_client, legacy_connection):
    exported = editor_client.get(EXPORT, {"layout": "directory"}).content
    files = {
        n: zipfile.ZipFile(io.BytesIO(exported)).read(n).decode()
        for n in zipfile.ZipFile(io.BytesIO(exported)).namelist()
    }
    files["database-connections/legacy-db/login.js"] = script("login", "callback(null, {});")

    response = upload(editor_client, zip_of(files), keywords={"DB_PASS": SECRET})

    page = response.content.decode()
    assert 'data-connection="legacy-db" data-action="update"' in page
    assert "-  callback(null, {id: configuration.X});" in page and "+  callback(null, {});" in page


def test_a_confirm_after_someone_saved_shows_the_new_preview_instead_of_importing(
    editor_client, legacy_connection, editor
):
    exported = editor_client.get(EXPORT, {"layout": "directory"}).content
    archive = zipfile.ZipFile(io.BytesIO(exported))
    files = {n: archive.read(n).decode() for n in archive.namelist()}
    files["database-connections/legacy-db/login.js"] = script("login", "callback(null, {});")
    form = upload(editor_client, zip_of(files), keywords={"DB_PASS": SECRET}).context["form"]
    current = script_bodies_current(connection=legacy_connection)
    scripts_save(connection=legacy_connection, scripts=current | {"verify": script("verify")}, base_number=1, by=editor)

    response = editor_client.post(
        CONFIRM, {"upload": form.initial["upload"], "fingerprint": form.initial["fingerprint"]}
    )

    assert response.status_code == 200 and b"changed since your preview" in response.content
    assert ScriptRevision.objects.filter(connection=legacy_connection).count() == 2  # not imported


def test_a_broken_upload_lists_its_problems_and_changes_nothing(editor_client):
    response = upload(editor_client, fixture_zip(login="function login( {"), keywords=KEYWORDS)

    assert response.status_code == 200 and b"Nothing was imported" in response.content
    assert b"database-connections/from-zip/login.js" in response.content
    assert not Connection.objects.exists() and SESSION_KEY not in editor_client.session


def test_a_missing_keyword_is_named_on_the_page(editor_client):
    response = upload(editor_client, fixture_zip(), keywords={"DB_PASS": SECRET})

    assert "keyword ENV has no value" in response.content.decode()


@pytest.mark.parametrize("name", ["../evil.js", "/abs/evil.js", "a\\..\\..\\evil.js"])
def test_a_zip_entry_leading_out_of_the_archive_is_refused(editor_client, tmp_path, name):
    response = upload(editor_client, zip_of({name: "x", "database-connections/x/database.json": "{}"}))

    assert b"refused" in response.content
    assert not (tmp_path / "evil.js").exists() and not Connection.objects.exists()


def test_a_symlink_in_the_zip_is_refused(editor_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("database-connections/x/login.js")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")

    response = upload(editor_client, buffer.getvalue())

    assert b"symbolic links are refused" in response.content


def test_a_zip_with_a_file_and_a_folder_of_one_name_is_refused_not_a_500(editor_client):
    response = upload(
        editor_client, zip_of({"database-connections/x": "a file", "database-connections/x/login.js": "x"})
    )

    assert response.status_code == 200
    assert b"cannot be unpacked" in response.content and not Connection.objects.exists()


def test_someone_elses_upload_cannot_be_confirmed(editor_client, client):
    form = upload(editor_client, fixture_zip(), keywords=KEYWORDS).context["form"]
    client.force_login(staff_with("other-editor", "add_connection", "change_connection"))

    response = client.post(CONFIRM, {"upload": form.initial["upload"], "fingerprint": form.initial["fingerprint"]})

    assert response.status_code == 302 and response["Location"] == IMPORT
    assert not Connection.objects.exists()


def test_deleting_needs_the_delete_permission(client, legacy_connection):
    client.force_login(staff_with("no-delete", "view_connection", "add_connection", "change_connection"))

    response = upload(client, zip_of({"database-connections/.keep": ""}), allow_delete=True)

    assert b"You may not delete connections." in response.content
    assert Connection.objects.filter(name="legacy-db").exists()


def test_an_editor_can_delete_through_an_import_when_deletions_are_allowed(editor_client, legacy_connection):
    response = upload(editor_client, zip_of({"database-connections/.keep": ""}), allow_delete=True)
    assert 'data-connection="legacy-db" data-action="delete"' in response.content.decode()
    form = response.context["form"]

    editor_client.post(CONFIRM, {"upload": form.initial["upload"], "fingerprint": form.initial["fingerprint"]})

    assert not Connection.objects.exists()


def test_viewers_and_outsiders_cannot_import_and_anonymous_visitors_must_sign_in(
    viewer_client, outsider_client, anonymous_client
):
    for client in (viewer_client, outsider_client):
        assert client.get(IMPORT).status_code == 403
        assert upload(client, fixture_zip(), keywords=KEYWORDS).status_code == 403
        assert client.post(CONFIRM, {"upload": "x" * 22, "fingerprint": "0" * 64}).status_code == 403
    response = anonymous_client.get(IMPORT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Connection.objects.exists()


def test_the_connection_list_offers_export_to_viewers_and_import_to_editors(viewer_client, editor_client):
    viewer_page = viewer_client.get(reverse("connections_admin:connection-list")).content.decode()
    editor_page = editor_client.get(reverse("connections_admin:connection-list")).content.decode()

    assert EXPORT in viewer_page and IMPORT not in viewer_page
    assert EXPORT in editor_page and IMPORT in editor_page


def test_a_dashboard_round_trip_gives_the_same_zip(editor_client, legacy_connection):
    first = editor_client.get(EXPORT, {"layout": "yaml"}).content
    Connection.objects.all().delete()
    form = upload(editor_client, first, keywords={"DB_PASS": SECRET}).context["form"]
    editor_client.post(CONFIRM, {"upload": form.initial["upload"], "fingerprint": form.initial["fingerprint"]})

    assert editor_client.get(EXPORT, {"layout": "yaml"}).content == first


def test_an_unedited_export_uploads_back_without_keywords_keeping_the_stored_secret(editor_client, legacy_connection):
    exported = editor_client.get(EXPORT, {"layout": "directory"}).content

    response = upload(editor_client, exported)

    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was imported" not in page
    assert "Configuration kept: no value supplied (the stored value stays): <code>DB_PASS</code>" in page
    assert SECRET not in page and response.context["plan"].count("unchanged") == 1
    assert configuration_for_run(connection=legacy_connection) == {"DB_PASS": SECRET}


def test_a_failed_upload_says_how_to_supply_a_missing_value_and_to_choose_the_files_again(editor_client):
    response = upload(editor_client, fixture_zip(), keywords={"ENV": "test"})  # DB_PASS: a new connection's secret

    page = response.content.decode()
    assert "keyword DB_PASS has no value and &#x27;from-zip&#x27; is a new connection" in page
    assert "keywords JSON file" in page and "remove options.configuration" in page
    assert "choose the zip (and the keywords file, if you use one) again" in page
    assert not Connection.objects.exists()


def test_an_entry_nested_thousands_of_folders_deep_is_refused_clearly(editor_client):
    deep = "a/" * 2000 + "database.json"
    response = upload(editor_client, zip_of({deep: "{}"}), keywords=KEYWORDS)

    assert response.status_code == 200 and b"Nothing was imported" in response.content
    assert b"paths nested more than 32 folders deep" in response.content
    assert not Connection.objects.exists()
