from __future__ import annotations

app_name = "places"
urlpatterns: list = []
