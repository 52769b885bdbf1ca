from django.urls import path

from . import views

app_name = "scripts_editor"
urlpatterns = [
    path("", views.editor, name="editor"),
    path("save/", views.save, name="save"),
    path("history/", views.history, name="history"),
    path("diff/", views.diff, name="diff"),
    path("revisions/<int:number>/restore/", views.restore, name="restore"),
]
