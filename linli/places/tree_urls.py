from __future__ import annotations

app_name = "tree"
urlpatterns: list = []
