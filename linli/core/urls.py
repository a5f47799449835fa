from __future__ import annotations

from django.urls import path

from linli.core import views

app_name = "audit"
urlpatterns: list = []
