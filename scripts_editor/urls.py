from django.urls import path

from . import deploy_views, saved_tests_views, shadow_views, views
from .runs import views as run_views

app_name = "scripts_editor"
urlpatterns = [
    path("", views.editor, name="editor"),
    path("save/", views.save, name="save"),
    path("history/", views.history, name="history"),
    path("diff/", views.diff, name="diff"),
    path("revisions/<int:number>/restore/", views.restore, name="restore"),
    path("revisions/<int:number>/deploy/", deploy_views.revision_deploy, name="deploy"),
    path("revisions/<int:number>/canary/", deploy_views.canary_start, name="canary-start"),
    path("canary/promote/", deploy_views.canary_promote, name="canary-promote"),
    path("canary/stop/", deploy_views.canary_stop, name="canary-stop"),
    path("canary/dismiss/", deploy_views.canary_dismiss, name="canary-dismiss"),
    path("release-settings/", deploy_views.deployment_settings, name="release-settings"),
    path("revisions/<int:number>/shadow/", shadow_views.shadow_page, name="shadow"),
    path("tests/", saved_tests_views.tests, name="tests"),
    path("tests/add/", saved_tests_views.test_add, name="test-add"),
    path("tests/run/", saved_tests_views.tests_run, name="tests-run"),
    path("tests/<int:pk>/delete/", saved_tests_views.test_delete, name="test-delete"),
    path("tests/suites/<uuid:suite_id>/", saved_tests_views.test_suite, name="test-suite"),
    path("tests/suites/<uuid:suite_id>/poll/", saved_tests_views.test_suite_poll, name="test-suite-poll"),
    path("runs/", run_views.run_list, name="run-list"),
    path("runs/start/", run_views.run_start, name="run-start"),
    path("runs/egress-allow/", run_views.egress_allow, name="run-egress-allow"),
    path("runs/<uuid:run_id>/", run_views.run_detail, name="run-detail"),
    path("runs/<uuid:run_id>/poll/", run_views.run_poll, name="run-poll"),
]
