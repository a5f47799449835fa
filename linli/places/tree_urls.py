from __future__ import annotations

from django.urls import path

from linli.places import tree_views

app_name = "tree"
urlpatterns = [
    path("", tree_views.tree_index, name="index"),
    path("create/", tree_views.tree_create, name="create"),
    path("<int:pk>/rename/", tree_views.tree_rename, name="rename"),
    path("<int:pk>/move/", tree_views.tree_move, name="move"),
    path("<int:pk>/merge/", tree_views.tree_merge, name="merge"),
    path("<int:pk>/split/", tree_views.tree_split, name="split"),
    path("<int:pk>/coverage/", tree_views.tree_coverage, name="coverage"),
]
