from __future__ import annotations

from django.urls import path

from linli.places.views import browser

app_name = "places"
urlpatterns = [
    path("", browser.browse, name="browse"),
    path("r/<int:pk>/", browser.region_detail, name="region"),
    path("r/<int:pk>/children.geojson", browser.region_geojson, name="region_geojson"),
    path("b/<int:pk>/", browser.building_detail, name="building"),
    path("h/<int:pk>/", browser.house_detail, name="house"),
    path("search/", browser.search, name="search"),
]
