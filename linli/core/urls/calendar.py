"""工作日历 — the working calendar, mounted at /calendar/ (linli/urls.py)."""

from __future__ import annotations

from django.urls import path

from linli.core.views import calendar

app_name = "calendar"
urlpatterns = [
    path("", calendar.calendar_index, name="index"),
    path("<int:year>/", calendar.calendar_year, name="year"),
    path("<int:year>/remove/", calendar.calendar_remove_day, name="remove_day"),
    path("<int:year>/entered/", calendar.calendar_mark_entered, name="mark_entered"),
]
