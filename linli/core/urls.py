from __future__ import annotations

from django.urls import path

from linli.core import audit_views, calendar_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_list, name="list"),
    path("<int:seq>/", audit_views.audit_detail, name="detail"),
]

# 工作日历, mounted at /calendar/ under the namespace "calendar" (linli/urls.py).
calendar_urlpatterns = [
    path("", calendar_views.calendar_index, name="index"),
    path("<int:year>/", calendar_views.calendar_year, name="year"),
    path("<int:year>/remove/", calendar_views.calendar_remove_day, name="remove_day"),
    path("<int:year>/entered/", calendar_views.calendar_mark_entered, name="mark_entered"),
]
