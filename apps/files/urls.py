from django.urls import path

from . import views

app_name = "files"
urlpatterns = [path("download/<str:token>", views.download, name="download")]
