from __future__ import annotations

from django.urls import path

from linli.places import views

app_name = "places"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("r/<int:pk>/", views.region_detail, name="region"),
    path("r/<int:pk>/children.geojson", views.region_geojson, name="region_geojson"),
    path("b/<int:pk>/", views.building_detail, name="building"),
    path("h/<int:pk>/", views.house_detail, name="house"),
    path("search/", views.search, name="search"),
]
