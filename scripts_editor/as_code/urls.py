from django.urls import path

from . import views

app_name = "as_code"
urlpatterns = [
    path("export/", views.export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import-confirm"),
]
