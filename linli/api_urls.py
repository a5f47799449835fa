"""/api/v1/: one router; each app registers its viewsets in its own api.py."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from linli.accounts.api import TokenView
from linli.cases import api as cases_api
from linli.people import api as people_api
from linli.places import api as places_api

router = DefaultRouter()
places_api.register(router)
people_api.register(router)
cases_api.register(router)

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    *router.urls,
]
