from django.urls import path

app_name = "scripts_editor"
urlpatterns: list = []
