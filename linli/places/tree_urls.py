from __future__ import annotations

from django.urls import path

from linli.places.views import tree

app_name = "tree"
urlpatterns = [
    path("", tree.tree_index, name="index"),
    path("create/", tree.tree_create, name="create"),
    path("<int:pk>/rename/", tree.tree_rename, name="rename"),
    path("<int:pk>/move/", tree.tree_move, name="move"),
    path("<int:pk>/merge/", tree.tree_merge, name="merge"),
    path("<int:pk>/split/", tree.tree_split, name="split"),
    path("<int:pk>/coverage/", tree.tree_coverage, name="coverage"),
]
