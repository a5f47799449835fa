from __future__ import annotations

from django.urls import path

from linli.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("report/", views.report, name="report"),
    path("map/", views.case_map, name="map"),
    path("map.json", views.case_map_json, name="map_json"),
    path("whistles/", views.whistle_board, name="whistles"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/cases/", views.indicator_cases, name="indicator_cases"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/do/<slug:verb>/", views.case_do, name="do"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:pk>/dispute/", views.dispute_page, name="dispute"),
]
